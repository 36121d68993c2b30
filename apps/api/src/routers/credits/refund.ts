import { z } from 'zod';
import { assertRefundAllowed, DomainError, lowBalanceCrossing, parsePositiveMicros } from '@trellis/domain';
import { credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, assertMayOf, authedProcedure, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id } from '../shapes';
import { text } from '../inputs';
import { amountIn, topUpOut, toTopUpOut } from './load';

const MISSING = 'Top-up not found.';

/**
 * Returns part or all of a top-up to its card (admins and operators, also on an archived client, whose leftover
 * balance is typically refunded): never more than is left of that top-up and never more than the balance (SPEC 6).
 */
export const refundRoute = authedProcedure
  .input(z.object({ topUpId: id, amountMicros: amountIn, reason: text(500) }))
  .output(topUpOut)
  .mutation(async ({ ctx, input }) => {
    const found = await credits.findTopUp(ctx.db, input.topUpId);
    if (!found) throw new DomainError('NOT_FOUND', MISSING);
    const { account, facts } = await loadVisibleAccountOf(ctx, found.clientId, MISSING);
    assertMayOf(ctx.actor, facts, 'credits.view', MISSING);
    // a top-up from before the client's current connection is not there for a viewer from above (SPEC 2.2)
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    if (since && found.createdAt < since) throw new DomainError('NOT_FOUND', MISSING);
    assertMay(ctx.actor, { ...facts, archived: false }, 'credits.topUp');
    const amountMicros = parsePositiveMicros(input.amountMicros, 'amountMicros');
    const reason = input.reason.trim();
    if (reason.length < 3)
      throw new DomainError('INVALID_INPUT', 'reason: say why, in 3-500 characters', {
        reason: 'say why, in 3-500 characters',
      });
    if (found.status !== 'succeeded')
      throw new DomainError('INVALID_INPUT', 'Only a paid top-up can be refunded.', {
        topUpId: 'this top-up was not paid',
      });
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account, MISSING);
      const now = ctx.now();
      const acc = await credits.lockCreditAccount(trx, account.id);
      const topUp = (await credits.findTopUp(trx, found.id, { forUpdate: true }))!;
      assertRefundAllowed({
        topUpMicros: topUp.amountMicros,
        refundedMicros: topUp.refundedMicros,
        balanceMicros: acc.balanceMicros,
        amountMicros,
      });
      const r = await ctx.payments.refund({
        chargeId: topUp.providerChargeId!,
        amountMicros,
        currency: acc.currency,
        idempotencyKey: `refund:${topUp.id}:${topUp.refundedMicros}:${amountMicros}`,
      });
      if (!r.ok) throw new DomainError('PAYMENT_DECLINED', `The payment provider refused the refund: ${r.reason}`);
      const balance = acc.balanceMicros - amountMicros;
      const low = lowBalanceCrossing({
        armed: acc.lowAlertArmed,
        thresholdMicros: acc.lowBalanceMicros,
        balanceAfterMicros: balance,
      });
      await credits.insertEntries(trx, [
        {
          rootId: account.rootId,
          clientId: account.id,
          kind: 'refund',
          amountMicros: -amountMicros,
          balanceAfterMicros: balance,
          topUpId: topUp.id,
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
      const after = await credits.addRefunded(trx, topUp.id, amountMicros, now);
      if (low.alert) await credits.sendLowBalanceMails(trx, [account.id]);
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.refund',
        entityType: 'top_up',
        entityId: topUp.id,
        before: toTopUpOut(topUp),
        after: {
          ...toTopUpOut(after),
          refundMicros: amountMicros.toString(),
          reason,
          balanceMicros: balance.toString(),
        },
      });
      return toTopUpOut(after);
    });
  });
