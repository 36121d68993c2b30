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
      /** Days the balance lasts at the last 7 days' average daily spend; null without spend. */
      runwayDays: z.number().nullable(),
      spentLast7DaysMicros: micros,
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const acc = (await credits.findCreditAccount(ctx.db, account.id))!;
    const spent = await credits.spentSince(ctx.db, account.id, new Date(ctx.now().getTime() - 7 * DAY));
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
