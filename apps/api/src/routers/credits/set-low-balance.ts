import { z } from 'zod';
import { parseThreshold } from '@trellis/domain';
import { credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, pinAccount } from '../../trpc';
import { id } from '../shapes';
import { amountIn, loadClient, micros } from './load';

/**
 * Sets a client's low-balance threshold (admins and operators; 0 turns it off). Crossing it downward later sends one
 * mail; setting it above the current balance shows the banner at once but sends no mail (no crossing happened).
 */
export const setLowBalanceRoute = authedProcedure
  .input(z.object({ clientId: id, thresholdMicros: amountIn }))
  .output(z.object({ clientId: z.string(), lowBalanceMicros: micros, lowBalance: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.topUp');
    const threshold = parseThreshold(input.thresholdMicros);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      const acc = await credits.lockCreditAccount(trx, account.id);
      const below = acc.balanceMicros < threshold;
      await credits.setCreditState(trx, account.id, {
        balanceMicros: acc.balanceMicros,
        overageMicros: acc.overageMicros,
        lowAlertArmed: !below,
        lowBalanceMicros: threshold,
        at: ctx.now(),
      });
      const out = { clientId: account.id, lowBalanceMicros: threshold.toString(), lowBalance: below };
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.setLowBalance',
        entityType: 'credit_account',
        entityId: account.id,
        before: { lowBalanceMicros: acc.lowBalanceMicros.toString() },
        after: out,
      });
      return out;
    });
  });
