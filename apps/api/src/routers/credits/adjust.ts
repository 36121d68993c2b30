import { z } from 'zod';
import {
  assertAdjustmentAllowed,
  assertPlatformOperator,
  DomainError,
  lowBalanceCrossing,
  parseSignedMicros,
} from '@trellis/domain';
import { credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, loadVisibleAccount, pinAccount } from '../../trpc';
import { id, iso } from '../shapes';
import { text } from '../inputs';
import { micros, signedAmountIn } from './load';

/**
 * A platform operator's correction of a client's balance, up or down, always with a reason (SPEC 6). The operator
 * reads no ledger: the answer is the adjustment itself, not the balance.
 */
export const adjustRoute = authedProcedure
  .input(z.object({ clientId: id, amountMicros: signedAmountIn, reason: text(2000, { multiline: true }) }))
  .output(z.object({ clientId: z.string(), amountMicros: micros, reason: z.string(), createdAt: iso }))
  .mutation(async ({ ctx, input }) => {
    assertPlatformOperator(ctx.actor);
    const { account } = await loadVisibleAccount(ctx, input.clientId);
    if (account.kind !== 'client')
      throw new DomainError('INVALID_INPUT', 'Credits belong to a client account: choose a client.', {
        clientId: 'choose a client account',
      });
    const amountMicros = parseSignedMicros(input.amountMicros, 'amountMicros');
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      const now = ctx.now();
      const acc = await credits.lockCreditAccount(trx, account.id);
      const reason = assertAdjustmentAllowed({ balanceMicros: acc.balanceMicros, amountMicros, reason: input.reason });
      const balance = acc.balanceMicros + amountMicros;
      const low = lowBalanceCrossing({
        armed: acc.lowAlertArmed,
        thresholdMicros: acc.lowBalanceMicros,
        balanceAfterMicros: balance,
      });
      await credits.insertEntries(trx, [
        {
          rootId: account.rootId,
          clientId: account.id,
          kind: 'adjustment',
          amountMicros,
          balanceAfterMicros: balance,
          reason,
          actorUserId: ctx.user.id,
          at: now,
        },
      ]);
      await credits.setCreditState(trx, account.id, {
        balanceMicros: balance,
        overageMicros: acc.overageMicros,
        lowAlertArmed: low.armed,
        at: now,
      });
      if (low.alert) await credits.sendLowBalanceMails(trx, [account.id]);
      const out = { clientId: account.id, amountMicros: amountMicros.toString(), reason, createdAt: now.toISOString() };
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.adjust',
        entityType: 'credit_account',
        entityId: account.id,
        after: out,
      });
      return out;
    });
  });
