import { z } from 'zod';
import { CLIENT_TIERS, creditFlag, DomainError } from '@trellis/domain';
import { accounts } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { spentInPeriod, clientStanding } from '../credits/standing';
import { day } from '../inputs';
import { page } from '../shapes';

/**
 * The clients table of an agency or holding (an MCC view): each client's spend in the period (the Billing page's
 * usage, days in the client's zone), balance, overage, runway and credit flag, computed as credits.balance and
 * credits.usage compute them, so the figures agree with each client's Billing page to the micro.
 */
export const clientsOverviewRoute = accountProcedure({ from: day, to: day })
  .output(
    page(
      z.object({
        id: z.string(),
        name: z.string(),
        tier: z.enum(CLIENT_TIERS),
        agency: z.object({ id: z.string(), name: z.string() }).nullable(),
        currency: z.string(),
        spentMicros: z.string(),
        balanceMicros: z.string(),
        overageMicros: z.string(),
        lowBalanceMicros: z.string(),
        runwayDays: z.number().nullable(),
        runwayBasis: z.enum(['no_spend', 'not_enough_spend', 'average']),
        flag: z.enum(['out_of_credit', 'low_balance', 'ok']),
      }),
    ),
  )
  .query(async ({ ctx, input }) => {
    ctx.may('credits.view');
    const span = (Date.parse(input.to) - Date.parse(input.from)) / 86_400_000;
    if (span < 0)
      throw new DomainError('INVALID_INPUT', 'to: must not be before from', { to: 'must not be before from' });
    if (span > 400)
      throw new DomainError('INVALID_INPUT', 'to: at most 400 days after from', { to: 'at most 400 days after from' });
    const clients = await accounts.clientsUnder(ctx.db, ctx.account.id, false);
    const agencyNames = new Map<string, string>();
    const items = [];
    // one client at a time: each reads a handful of rows through the Billing page's own queries
    for (const c of clients) {
      const full = (await accounts.findAccount(ctx.db, c.id))!;
      if (c.agencyId && !agencyNames.has(c.agencyId))
        agencyNames.set(c.agencyId, (await accounts.findAccount(ctx.db, c.agencyId))?.name ?? '');
      const s = await clientStanding(ctx, full);
      items.push({
        id: c.id,
        name: c.name,
        tier: c.tier,
        agency: c.agencyId ? { id: c.agencyId, name: agencyNames.get(c.agencyId)! } : null,
        currency: s.currency,
        spentMicros: (await spentInPeriod(ctx, full, input.from, input.to)).toString(),
        balanceMicros: s.balanceMicros.toString(),
        overageMicros: s.overageMicros.toString(),
        lowBalanceMicros: s.lowBalanceMicros.toString(),
        runwayDays: s.runwayDays,
        runwayBasis: s.runwayBasis,
        flag: creditFlag(s),
      });
    }
    return { items, nextCursor: null };
  });
