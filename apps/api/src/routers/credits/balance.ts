import { z } from 'zod';
import { runwayDays } from '@trellis/domain';
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
       * Days the balance lasts at the last 7 days' average daily spend; null without spend. Seen from above, a premium
       * client's spend counts from its current connection on (so do spentLast7DaysMicros and the ledger).
       */
      runwayDays: z.number().nullable(),
      spentLast7DaysMicros: micros,
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const acc = (await credits.findCreditAccount(ctx.db, account.id))!;
    // seen from above, a premium client's spend counts from its current connection on (SPEC 2.2), as its ledger does
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    const weekAgo = new Date(ctx.now().getTime() - 7 * DAY);
    const spent = await credits.spentSince(ctx.db, account.id, since && since > weekAgo ? since : weekAgo);
    return {
      clientId: account.id,
      balanceMicros: acc.balanceMicros.toString(),
      overageMicros: acc.overageMicros.toString(),
      currency: acc.currency,
      lowBalanceMicros: acc.lowBalanceMicros.toString(),
      lowBalance: acc.balanceMicros < acc.lowBalanceMicros,
      runwayDays: runwayDays(acc.balanceMicros, spent),
      spentLast7DaysMicros: spent.toString(),
    };
  });
