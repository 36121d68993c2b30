import { randomBytes } from 'node:crypto';
import type { CardBrand, ChargeOutcome } from '@trellis/domain';

/**
 * The payment provider interface (SPEC 6). Trellis never keeps a card number or CVC: `addCard` hands the validated
 * details to the provider once and keeps only its opaque reference (with brand, last four and expiry). A real
 * processor (Stripe, Adyen ...) implements these three calls with its own API and is passed to `createApp({ payments
 * })`; every call carries an idempotency key, which real processors accept, so a retried top-up can never charge
 * twice even if Trellis crashed between the charge and its commit.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Stores the card with the provider; returns its opaque reference, or a decline. */
  addCard(card: {
    digits: string;
    brand: CardBrand;
    expMonth: number;
    expYear: number;
    cvc: string;
  }): Promise<{ ok: true; ref: string } | { ok: false; reason: 'card_declined' }>;
  charge(req: {
    ref: string;
    amountMicros: bigint;
    currency: string;
    idempotencyKey: string;
    description: string;
  }): Promise<ChargeOutcome>;
  refund(req: {
    chargeId: string;
    amountMicros: bigint;
    currency: string;
    idempotencyKey: string;
  }): Promise<{ ok: true; refundId: string } | { ok: false; reason: string }>;
}

/** What a call to the test processor looked like (for tests: how often was it charged, with what). */
export interface ProcessorCall {
  kind: 'addCard' | 'charge' | 'refund';
  idempotencyKey: string | null;
  amountMicros: bigint | null;
  outcome: string;
}

type Behaviour = 'ok' | 'declined' | 'nofunds';

/** The test cards of SPEC 6; any other valid card succeeds. */
const TEST_CARDS: Record<string, Behaviour> = {
  '4242424242424242': 'ok',
  '5555555555554444': 'ok',
  '4000000000000002': 'declined',
  '4000000000009995': 'nofunds',
};

/**
 * The built-in local test processor: no network, no real money. Its reference encodes only how the card behaves
 * (`tok_local_<ok|declined|nofunds>_<random>`), never the number, so it survives restarts without storing anything.
 * Charges and refunds are idempotent per key, like a real processor's.
 */
export function createLocalTestProcessor(): PaymentProvider & { readonly calls: ProcessorCall[] } {
  const calls: ProcessorCall[] = [];
  const charges = new Map<string, ChargeOutcome>();
  const refunds = new Map<string, { ok: true; refundId: string }>();
  const log = (c: ProcessorCall) => {
    if (calls.length >= 10_000) calls.splice(0, 1_000);
    calls.push(c);
  };
  const id = (prefix: string) => `${prefix}_local_${randomBytes(12).toString('hex')}`;
  return {
    name: 'local-test',
    calls,
    async addCard(card) {
      const behaviour = TEST_CARDS[card.digits] ?? 'ok';
      log({ kind: 'addCard', idempotencyKey: null, amountMicros: null, outcome: behaviour });
      return { ok: true, ref: `tok_local_${behaviour}_${randomBytes(12).toString('hex')}` };
    },
    async charge(req) {
      const earlier = charges.get(req.idempotencyKey);
      if (earlier) return earlier;
      const behaviour = /^tok_local_(ok|declined|nofunds)_/.exec(req.ref)?.[1] as Behaviour | undefined;
      const outcome: ChargeOutcome =
        behaviour === 'ok'
          ? { status: 'succeeded', chargeId: id('ch') }
          : {
              status: 'declined',
              reason: behaviour === 'nofunds' ? 'insufficient_funds' : 'card_declined',
              chargeId: null,
            };
      charges.set(req.idempotencyKey, outcome);
      log({
        kind: 'charge',
        idempotencyKey: req.idempotencyKey,
        amountMicros: req.amountMicros,
        outcome: outcome.status === 'succeeded' ? 'succeeded' : outcome.reason,
      });
      return outcome;
    },
    async refund(req) {
      const earlier = refunds.get(req.idempotencyKey);
      if (earlier) return earlier;
      const r = { ok: true as const, refundId: id('re') };
      refunds.set(req.idempotencyKey, r);
      log({ kind: 'refund', idempotencyKey: req.idempotencyKey, amountMicros: req.amountMicros, outcome: 'succeeded' });
      return r;
    },
  };
}

/** The processor an installation uses unless another is configured. */
export const localTestProcessor = createLocalTestProcessor();
