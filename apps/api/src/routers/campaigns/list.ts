import { z } from 'zod';
import { campaignPacing, ROW_VISIBILITY, type Actor } from '@trellis/domain';
import { campaigns, reports, type AccountWithPath, type Db } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { todayIn } from '../reports/plan';
import { campaignOut, page, toCampaignOut } from '../shapes';

/** The first day spend to date counts from (the reports' range starts there too). */
export const SPEND_SINCE = '2000-01-01';

const listedCampaign = campaignOut.extend({
  /**
   * Spend to date: what reports.run on the listed account, grouped by campaign from 2000-01-01 to today (in that
   * account's zone), shows for the campaign, to the micro (the same rows the viewer may see, SPEC 7).
   */
  spentMicros: z.string(),
  pacing: z.object({
    state: z.enum(['no_budget', 'spent', 'not_started', 'ended', 'ahead', 'on_track', 'behind', 'unscheduled']),
    spentPercent: z.number().nullable(),
    expectedMicros: z.string().nullable(),
  }),
});

/** Spend per campaign, through the same plan and query as reports.run on the account (so the figures agree). */
async function spendByCampaign(db: Db, actor: Actor, a: AccountWithPath, today: string): Promise<Map<string, bigint>> {
  const r = await reports.runReport(
    db,
    {
      viewerId: a.id,
      rule: ROW_VISIBILITY[a.level],
      onlyAccountId: null,
      cutSelf: a.kind === 'client' && !actor.memberships.has(a.id),
      timeZone: a.timeZone,
      from: SPEND_SINCE,
      to: today,
      groupBy: ['campaign'],
      filters: {},
    },
    100_000,
  );
  const spent = new Map<string, bigint>();
  for (const row of r.rows)
    if (row.campaignId) spent.set(row.campaignId, (spent.get(row.campaignId) ?? 0n) + BigInt(row.spendMicros));
  return spent;
}

/** Campaigns of the clients at or below the account, with spend to date and budget pacing. */
export const listCampaignsRoute = accountProcedure()
  .output(page(listedCampaign))
  .query(async ({ ctx }) => {
    ctx.may('campaigns.view');
    const now = ctx.now();
    const [items, spent] = await Promise.all([
      campaigns.campaignsUnder(ctx.db, ctx.account.id),
      spendByCampaign(ctx.db, ctx.actor, ctx.account, todayIn(ctx.account.timeZone, now)),
    ]);
    return {
      items: items.map((c) => {
        const spentMicros = spent.get(c.id) ?? 0n;
        // the flight's days are the client's: pacing counts today in the client's zone
        const p = campaignPacing({ ...c, spentMicros, today: todayIn(c.clientTimeZone, now) });
        return {
          ...toCampaignOut(c),
          spentMicros: spentMicros.toString(),
          pacing: { ...p, expectedMicros: p.expectedMicros?.toString() ?? null },
        };
      }),
      nextCursor: null,
    };
  });
