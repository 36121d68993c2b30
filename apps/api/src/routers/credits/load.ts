import { z } from 'zod';
import { DomainError, type AccountFacts, type Action, type Actor } from '@trellis/domain';
import type { AccountWithPath, CreditEntry, PaymentMethod, TopUp } from '@trellis/db';
import type { Context } from '../../context';
import { assertMay, loadVisibleAccount } from '../../trpc';
import { BIGINT_MAX, micros as microsIn } from '../inputs';
import { iso } from '../shapes';

/** Money on the wire: integer micros as a string (SPEC 10). */
export const micros = z.string();
/**
 * An amount as input: a whole number of micros, as a number or a string of digits, within a bigint (inputs.ts),
 * handed on as a string of digits to the domain rules (more than zero, at most the largest amount).
 */
export const amountIn = microsIn().transform((v) => v.toString());
/** A signed amount (an adjustment), the same way. */
export const signedAmountIn = microsIn({ min: -BIGINT_MAX }).transform((v) => v.toString());

/**
 * Loads a client the actor may see and checks the action on it. Credits belong to clients only: any other visible
 * account is a BAD_REQUEST naming the field.
 */
export async function loadClient(
  ctx: { db: Context['db']; actor: Actor },
  clientId: string,
  action: Action,
  field = 'clientId',
): Promise<{ account: AccountWithPath; facts: AccountFacts }> {
  const { account, facts } = await loadVisibleAccount(ctx, clientId);
  assertMay(ctx.actor, facts, action);
  if (account.kind !== 'client')
    throw new DomainError('INVALID_INPUT', 'Credits belong to a client account: choose a client.', {
      [field]: 'choose a client account',
    });
  return { account, facts };
}

export const paymentMethodOut = z.object({
  id: z.string(),
  clientId: z.string(),
  brand: z.enum(['visa', 'mastercard', 'amex', 'discover']),
  last4: z.string(),
  expMonth: z.number(),
  expYear: z.number(),
  expired: z.boolean(),
  createdAt: iso,
});
export const toPaymentMethodOut = (p: PaymentMethod, now: Date): z.infer<typeof paymentMethodOut> => ({
  id: p.id,
  clientId: p.clientId,
  brand: p.brand,
  last4: p.last4,
  expMonth: p.expMonth,
  expYear: p.expYear,
  expired:
    p.expYear < now.getUTCFullYear() || (p.expYear === now.getUTCFullYear() && p.expMonth < now.getUTCMonth() + 1),
  createdAt: p.createdAt.toISOString(),
});

export const topUpOut = z.object({
  id: z.string(),
  clientId: z.string(),
  amountMicros: micros,
  paymentMethodId: z.string(),
  status: z.enum(['pending', 'succeeded', 'declined']),
  declineReason: z.string().nullable(),
  refundedMicros: micros,
  idempotencyKey: z.string(),
  createdAt: iso,
});
export const toTopUpOut = (t: TopUp): z.infer<typeof topUpOut> => ({
  id: t.id,
  clientId: t.clientId,
  amountMicros: t.amountMicros.toString(),
  paymentMethodId: t.paymentMethodId,
  status: t.status,
  declineReason: t.declineReason,
  refundedMicros: t.refundedMicros.toString(),
  idempotencyKey: t.idempotencyKey,
  createdAt: t.createdAt.toISOString(),
});

export const entryOut = z.object({
  id: z.string(),
  kind: z.enum(['top_up', 'spend', 'refund', 'adjustment', 'overage_settlement', 'spend_correction']),
  amountMicros: micros,
  overageMicros: micros,
  balanceAfterMicros: micros,
  /** A spend entry's first reference; `debits` says how many debits (references) the entry covers. */
  reference: z.string().nullable(),
  debits: z.number().int().nullable(),
  topUpId: z.string().nullable(),
  reason: z.string().nullable(),
  actorEmail: z.string().nullable(),
  /**
   * A spend correction (SPEC 13): per reason, how many events, their first and last day (the client's zone) and the
   * net difference in micros; null for other kinds.
   */
  correction: z
    .object({
      reasons: z.array(
        z.object({
          reason: z.enum(['restatement', 'invalid_traffic', 'overdelivery']),
          events: z.number().int(),
          firstDay: z.string(),
          lastDay: z.string(),
          micros,
        }),
      ),
    })
    .nullable(),
  createdAt: iso,
});
export const toEntryOut = (e: CreditEntry): z.infer<typeof entryOut> => ({
  id: e.id,
  kind: e.kind,
  amountMicros: e.amountMicros.toString(),
  overageMicros: e.overageMicros.toString(),
  balanceAfterMicros: e.balanceAfterMicros.toString(),
  reference: e.reference,
  debits: e.debits,
  topUpId: e.topUpId,
  reason: e.reason,
  actorEmail: e.actorEmail,
  // the batches stay out: they name the root's ingestion, which a client or its agency need not see
  correction: e.detail
    ? {
        reasons: e.detail.reasons.map((r) => ({
          reason: r.reason as 'restatement' | 'invalid_traffic' | 'overdelivery',
          events: r.events,
          firstDay: r.firstDay,
          lastDay: r.lastDay,
          micros: r.micros,
        })),
      }
    : null,
  createdAt: e.createdAt.toISOString(),
});
