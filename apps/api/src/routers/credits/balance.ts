import { z } from 'zod';
import { runway } from '@trellis/domain';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id } from '../shapes';
import { loadClient, micros } from './load';

const DAY = 86_400_000;

/** A client's balance, outstanding overage, low-balance threshold and runway (SPEC 6, 10). */
export const balanceRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(
    z.object({
      clientId: z.string(),
      balanceMicros: micros,
      overageMicros: micros,
      currency: z.string(),
      lowBalanceMicros: micros,
      /** The balance is below the threshold (the billing view shows a banner). */
      lowBalance: z.boolean(),
      /**
       * Days the balance lasts at the average daily spend of the last 7 days, over the days that had spend (null: see
       * runwayBasis). Seen from above, a premium client's spend counts from its current connection on, exact to the
       * entry (so do spentLast7DaysMicros, the usage and the ledger).
       */
      runwayDays: z.number().nullable(),
      /** `no_spend` in the last 7 days; `not_enough_spend`: less than a full day of it yet; `average`: estimated. */
      runwayBasis: z.enum(['no_spend', 'not_enough_spend', 'average']),
      /** The daily average the runway uses (the 7 days' spend over the days that had some). */
      averageDailySpendMicros: micros.nullable(),
      /** Days of the client's zone, in the last 7 days, that had spend. */
      daysWithSpend: z.number(),
      spentLast7DaysMicros: micros,
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const acc = (await credits.findCreditAccount(ctx.db, account.id))!;
    // seen from above, a premium client's spend counts from its current connection on (SPEC 2.2), as its ledger does
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    const weekAgo = new Date(ctx.now().getTime() - 7 * DAY);
    const window = await credits.spendWindow(
      ctx.db,
      account.id,
      account.timeZone,
      since && since > weekAgo ? since : weekAgo,
      since,
    );
    const r = runway(acc.balanceMicros, window, ctx.now());
    return {
      clientId: account.id,
      balanceMicros: acc.balanceMicros.toString(),
      overageMicros: acc.overageMicros.toString(),
      currency: acc.currency,
      lowBalanceMicros: acc.lowBalanceMicros.toString(),
      lowBalance: acc.balanceMicros < acc.lowBalanceMicros,
      runwayDays: r.days,
      runwayBasis: r.basis,
      averageDailySpendMicros: r.averageDailyMicros?.toString() ?? null,
      daysWithSpend: window.daysWithSpend,
      spentLast7DaysMicros: window.spentMicros.toString(),
    };
  });
