import { z } from 'zod';
import { authorize, DomainError, ROW_VISIBILITY, validateReportQuery } from '@trellis/domain';
import { accounts, deals, reports } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { day } from '../inputs';
import { id } from '../shapes';
import { mayViewDeal } from './get';

const NOT_FOUND = 'Deal not found.';

/**
 * A deal's delivery per day (impressions, clicks, spend), for those who may see its reporting: whoever may run
 * reports on the deal's owner (its members and the owner's ancestors', SPEC 2.1 "view reports on the deals it
 * created"). It is reports.run on the owner filtered to the deal and grouped by day, in the owner's zone, so the
 * figures are the Reports page's. Anyone who may not see the deal gets NOT_FOUND; one who sees its terms but not its
 * reporting (a client using its agency's deal), FORBIDDEN.
 */
export const dealDeliveryRoute = authedProcedure
  .input(z.object({ dealId: id, from: day, to: day }))
  .output(
    z.object({
      timeZone: z.string(),
      days: z.array(
        z.object({
          day: z.string(),
          currency: z.string(),
          impressions: z.number(),
          clicks: z.number(),
          spendMicros: z.string(),
        }),
      ),
      totals: z.array(
        z.object({ currency: z.string(), impressions: z.number(), clicks: z.number(), spendMicros: z.string() }),
      ),
    }),
  )
  .query(async ({ ctx, input }) => {
    const deal = await deals.findDeal(ctx.db, input.dealId);
    const owner = deal && (await accounts.findAccount(ctx.db, deal.ownerAccountId));
    if (!deal || !owner) throw new DomainError('NOT_FOUND', NOT_FOUND);
    const facts = accounts.toFacts(owner);
    const d = authorize(ctx.actor, facts, 'reports.run');
    if (!d.ok) {
      // the deal's existence is not leaked: only one who may view it learns that its reporting is not theirs
      if (!(await mayViewDeal(ctx, owner))) throw new DomainError('NOT_FOUND', NOT_FOUND);
      throw new DomainError(
        'FORBIDDEN_BY_LEVEL',
        "This deal's delivery is reported to its owner and the accounts above it.",
      );
    }
    const q = validateReportQuery({ from: input.from, to: input.to, groupBy: ['day'], filters: { deal: [deal.id] } });
    const r = await reports.runReport(
      ctx.db,
      {
        viewerId: owner.id,
        rule: ROW_VISIBILITY[owner.level],
        onlyAccountId: null,
        cutSelf: owner.kind === 'client' && !ctx.actor.memberships.has(owner.id),
        timeZone: owner.timeZone,
        from: q.from,
        to: q.to,
        groupBy: q.groupBy,
        filters: q.filters,
      },
      1000,
    );
    return {
      timeZone: owner.timeZone,
      days: r.rows.map((x) => ({
        day: x.day!,
        currency: x.currency,
        impressions: Number(x.impressions),
        clicks: Number(x.clicks),
        spendMicros: x.spendMicros.toString(),
      })),
      totals: r.totals.map((x) => ({
        currency: x.currency,
        impressions: Number(x.impressions),
        clicks: Number(x.clicks),
        spendMicros: x.spendMicros.toString(),
      })),
    };
  });
