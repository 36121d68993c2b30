import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  applyTopUp,
  cardExpired,
  declineCode,
  declineMessage,
  DomainError,
  lowBalanceCrossing,
  parsePositiveMicros,
} from '@trellis/domain';
import { credits, type TopUp } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, pinAccount } from '../../trpc';
import { id } from '../shapes';
import { text } from '../inputs';
import { amountIn, loadClient, topUpOut, toTopUpOut } from './load';

const CARD_MISSING = 'Payment method not found.';

/** The answer a finished top-up gives to every request with its key: the top-up, or its decline as an error. */
function answer(t: TopUp) {
  if (t.status === 'declined') {
    const reason = t.declineReason as Parameters<typeof declineMessage>[0];
    throw new DomainError(declineCode(reason), declineMessage(reason), { paymentMethodId: declineMessage(reason) });
  }
  return toTopUpOut(t);
}

function assertSameRequest(t: TopUp, fingerprint: string) {
  if (t.fingerprint !== fingerprint) {
    throw new DomainError(
      'IDEMPOTENCY_CONFLICT',
      'This idempotency key was already used for a different top-up; use a new key for a new top-up.',
      { idempotencyKey: 'already used for a different top-up' },
    );
  }
}

/**
 * Tops up a client's credits with one of its cards (admins and operators; not on an archived client). Idempotent by
 * key, even under concurrent retries: the first request claims the key by inserting the top-up under a unique index
 * and keeps it locked while the provider charges; concurrent requests with the key wait on that index and then answer
 * with the first one's result. The same key with a different request is a CONFLICT. Keys are scoped to the client's
 * current connection, so an agency never meets a key used before it connected (SPEC 2.2). A decline writes no ledger entry
 * (it is remembered with the key, so a retry answers the same). A successful charge settles outstanding overage first
 * (SPEC 6), then raises the balance, in the same transaction as the top-up's status.
 */
export const topUpRoute = authedProcedure
  .input(z.object({ clientId: id, amountMicros: amountIn, paymentMethodId: id, idempotencyKey: text(200) }))
  .output(topUpOut)
  .mutation(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.topUp');
    const amountMicros = parsePositiveMicros(input.amountMicros, 'amountMicros');
    const pm = await credits.findPaymentMethod(ctx.db, input.paymentMethodId);
    if (!pm || pm.clientId !== account.id || pm.removedAt)
      throw new DomainError('NOT_FOUND', CARD_MISSING, { paymentMethodId: 'not a card of this client' });
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([account.id, amountMicros.toString(), pm.id]))
      .digest('hex');

    // keys are scoped to the client's current connection: an agency never meets a key used before it connected
    const keyScope = await credits.topUpKeyScope(ctx.db, account.id);
    const earlier = await credits.findTopUpByKey(ctx.db, account.id, keyScope, input.idempotencyKey);
    if (earlier) {
      assertSameRequest(earlier, fingerprint);
      return answer(earlier);
    }
    if (cardExpired(pm, ctx.now()))
      throw new DomainError('CARD_INVALID', 'This card has expired: add a current card.', {
        paymentMethodId: 'the card has expired',
      });

    const result = await ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      const now = ctx.now();
      const claimed = await credits.claimTopUp(trx, {
        rootId: account.rootId,
        clientId: account.id,
        keyScope,
        idempotencyKey: input.idempotencyKey,
        fingerprint,
        amountMicros,
        paymentMethodId: pm.id,
        by: ctx.user.id,
        at: now,
      });
      if (!claimed) return undefined; // another request holds the key: read its result below
      const outcome = await ctx.payments.charge({
        ref: pm.providerRef,
        amountMicros,
        currency: account.currency,
        idempotencyKey: keyScope
          ? `topup@${keyScope}:${account.id}:${input.idempotencyKey}`
          : `topup:${account.id}:${input.idempotencyKey}`,
        description: `Trellis credits for ${account.name}`,
      });
      if (outcome.status === 'declined') {
        const declined = await credits.settleTopUp(trx, claimed.id, {
          status: 'declined',
          reason: outcome.reason,
          chargeId: outcome.chargeId,
          at: now,
        });
        await recordAudit(trx, ctx, {
          rootId: account.rootId,
          accountId: account.id,
          action: 'credits.topUpDeclined',
          entityType: 'top_up',
          entityId: claimed.id,
          after: { ...toTopUpOut(declined), card: `${pm.brand} ${pm.last4}` },
        });
        return declined;
      }
      const acc = await credits.lockCreditAccount(trx, account.id);
      const r = applyTopUp(acc, amountMicros);
      const low = lowBalanceCrossing({
        armed: acc.lowAlertArmed,
        thresholdMicros: acc.lowBalanceMicros,
        balanceAfterMicros: r.balanceAfterMicros,
      });
      const base = {
        rootId: account.rootId,
        clientId: account.id,
        actorUserId: ctx.user.id,
        topUpId: claimed.id,
        at: now,
      };
      await credits.insertEntries(trx, [
        { ...base, kind: 'top_up', amountMicros, balanceAfterMicros: acc.balanceMicros + amountMicros },
        ...(r.settledMicros > 0n
          ? [
              {
                ...base,
                kind: 'overage_settlement' as const,
                amountMicros: -r.settledMicros,
                balanceAfterMicros: r.balanceAfterMicros,
              },
            ]
          : []),
      ]);
      await credits.setCreditState(trx, account.id, {
        balanceMicros: r.balanceAfterMicros,
        overageMicros: r.overageAfterMicros,
        lowAlertArmed: low.armed,
        at: now,
      });
      const done = await credits.settleTopUp(trx, claimed.id, {
        status: 'succeeded',
        chargeId: outcome.chargeId,
        at: now,
      });
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.topUp',
        entityType: 'top_up',
        entityId: claimed.id,
        before: { balanceMicros: acc.balanceMicros.toString(), overageMicros: acc.overageMicros.toString() },
        after: {
          ...toTopUpOut(done),
          card: `${pm.brand} ${pm.last4}`,
          settledOverageMicros: r.settledMicros.toString(),
          balanceMicros: r.balanceAfterMicros.toString(),
          overageMicros: r.overageAfterMicros.toString(),
        },
      });
      return done;
    });
    if (result) return answer(result);
    const winner = await credits.findTopUpByKey(ctx.db, account.id, keyScope, input.idempotencyKey);
    if (!winner)
      throw new DomainError(
        'IDEMPOTENCY_CONFLICT',
        'Another request with this idempotency key did not finish; retry.',
        { idempotencyKey: 'retry' },
      );
    assertSameRequest(winner, fingerprint);
    return answer(winner);
  });
