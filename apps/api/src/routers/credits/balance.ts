import { z } from 'zod';
import { authedProcedure } from '../../trpc';
import { id } from '../shapes';
import { loadClient, micros } from './load';
import { clientStanding } from './standing';

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
    const s = await clientStanding(ctx, account);
    return {
      clientId: account.id,
      balanceMicros: s.balanceMicros.toString(),
      overageMicros: s.overageMicros.toString(),
      currency: s.currency,
      lowBalanceMicros: s.lowBalanceMicros.toString(),
      lowBalance: s.lowBalance,
      runwayDays: s.runwayDays,
      runwayBasis: s.runwayBasis,
      averageDailySpendMicros: s.averageDailyMicros?.toString() ?? null,
      daysWithSpend: s.daysWithSpend,
      spentLast7DaysMicros: s.spentLast7DaysMicros.toString(),
    };
  });
