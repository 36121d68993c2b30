import { DomainError } from './errors';

/**
 * Credits (SPEC 6): every client has a prepaid balance kept as an append-only ledger of integer micros.
 * These are the rules; the database applies the same ones to many debits at once (packages/db repos/credits.ts),
 * and its tests check it against these functions.
 */

/** Ledger entry kinds and the sign of their effect on the balance. */
export const ENTRY_SIGNS = {
  top_up: 'positive',
  spend: 'negative',
  refund: 'negative',
  adjustment: 'either',
  overage_settlement: 'negative',
  spend_correction: 'either',
} as const satisfies Record<string, 'positive' | 'negative' | 'either'>;
export type EntryKind = keyof typeof ENTRY_SIGNS;
export const ENTRY_KINDS = Object.keys(ENTRY_SIGNS) as EntryKind[];

/**
 * Whether an amount has the sign its kind requires. A spend entry may be zero: a debit taken wholly as overage is
 * still recorded (with its overage) so that spend = spend entries + overage. An adjustment is never zero.
 */
export function entrySignValid(kind: EntryKind, amountMicros: bigint): boolean {
  switch (ENTRY_SIGNS[kind]) {
    case 'positive':
      return amountMicros > 0n;
    case 'negative':
      return kind === 'spend' ? amountMicros <= 0n : amountMicros < 0n;
    case 'either':
      // a correction wholly absorbed by overage (or paying it off) changes no balance and is still recorded
      return kind === 'spend_correction' || amountMicros !== 0n;
    default: {
      const never: never = ENTRY_SIGNS[kind];
      return never;
    }
  }
}

/** The largest single amount accepted anywhere (10^15 micros = one billion currency units): no sum can overflow. */
export const MAX_AMOUNT_MICROS = 1_000_000_000_000_000n;

const invalid = (field: string, message: string) =>
  new DomainError('INVALID_INPUT', `${field}: ${message}`, { [field]: message });

/** A positive whole number of micros (a number or a string of digits), at most MAX_AMOUNT_MICROS. */
export function parsePositiveMicros(raw: unknown, field = 'amountMicros'): bigint {
  let value: bigint;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) throw invalid(field, 'must be a whole number of micros');
    if (!Number.isSafeInteger(raw)) throw invalid(field, `must be at most ${MAX_AMOUNT_MICROS} micros`);
    value = BigInt(raw);
  } else if (typeof raw === 'string' && /^\s*-?\d{1,40}\s*$/.test(raw)) {
    value = BigInt(raw.trim());
  } else {
    throw invalid(field, 'must be a whole number of micros');
  }
  if (value <= 0n) throw invalid(field, 'must be more than zero');
  if (value > MAX_AMOUNT_MICROS) throw invalid(field, `must be at most ${MAX_AMOUNT_MICROS} micros`);
  return value;
}

/** A non-zero whole number of micros, either sign (adjustments). */
export function parseSignedMicros(raw: unknown, field = 'amountMicros'): bigint {
  const negative = (typeof raw === 'number' && raw < 0) || (typeof raw === 'string' && raw.trim().startsWith('-'));
  const magnitude = parsePositiveMicros(
    typeof raw === 'number' ? Math.abs(raw) : typeof raw === 'string' ? raw.trim().replace(/^-/, '') : raw,
    field,
  );
  return negative ? -magnitude : magnitude;
}

export const OUT_OF_CREDIT_REASON = 'paused: out of credit';

export interface DebitResult {
  /** What the balance gave (the spend entry is minus this). */
  takenMicros: bigint;
  /** The rest, recorded as unbilled overage. */
  overageMicros: bigint;
  balanceAfterMicros: bigint;
  /** Every active campaign of the client pauses when any overage is recorded. */
  pauseCampaigns: boolean;
}

/** Spend takes what the balance allows; the remainder is overage and pauses the client's campaigns (SPEC 6). */
export function applyDebit(balanceMicros: bigint, amountMicros: bigint): DebitResult {
  if (amountMicros <= 0n) throw invalid('amountMicros', 'must be more than zero');
  if (balanceMicros < 0n) throw new RangeError('a balance is never negative');
  const takenMicros = amountMicros < balanceMicros ? amountMicros : balanceMicros;
  const overageMicros = amountMicros - takenMicros;
  return {
    takenMicros,
    overageMicros,
    balanceAfterMicros: balanceMicros - takenMicros,
    pauseCampaigns: overageMicros > 0n,
  };
}

export interface CorrectionResult {
  /** The balance's change: the entry's amount (minus what a higher figure took, plus what a lower one gave back). */
  amountMicros: bigint;
  /** The recorded overage's change: plus what a higher figure could not take, minus what a credit paid off. */
  overageMicros: bigint;
  balanceAfterMicros: bigint;
  overageAfterMicros: bigint;
  /** A higher figure that runs into overage pauses the client's campaigns, as spend does. */
  pauseCampaigns: boolean;
}

/**
 * A restated figure's difference (SPEC 13): a higher one (`deltaMicros` > 0) is debited like spend (what the balance
 * cannot give is overage); a lower one gives credit back, first reducing outstanding overage, then raising the
 * balance. Either way, spend attributed = -(spend and correction amounts) + overage recorded still holds.
 */
export function applyCorrection(
  state: { balanceMicros: bigint; overageMicros: bigint },
  deltaMicros: bigint,
): CorrectionResult {
  if (state.balanceMicros < 0n || state.overageMicros < 0n) throw new RangeError('a balance is never negative');
  if (deltaMicros === 0n) throw invalid('deltaMicros', 'must not be zero');
  if (deltaMicros > 0n) {
    const d = applyDebit(state.balanceMicros, deltaMicros);
    return {
      amountMicros: -d.takenMicros,
      overageMicros: d.overageMicros,
      balanceAfterMicros: d.balanceAfterMicros,
      overageAfterMicros: state.overageMicros + d.overageMicros,
      pauseCampaigns: d.pauseCampaigns,
    };
  }
  const credit = -deltaMicros;
  const paidOff = credit < state.overageMicros ? credit : state.overageMicros;
  return {
    amountMicros: credit - paidOff,
    overageMicros: -paidOff,
    balanceAfterMicros: state.balanceMicros + credit - paidOff,
    overageAfterMicros: state.overageMicros - paidOff,
    pauseCampaigns: false,
  };
}

export interface TopUpResult {
  /** Settles outstanding overage first (an overage_settlement entry of minus this). */
  settledMicros: bigint;
  overageAfterMicros: bigint;
  balanceAfterMicros: bigint;
}

/** A top-up settles the overage first; only the rest raises the balance (SPEC 6). */
export function applyTopUp(state: { balanceMicros: bigint; overageMicros: bigint }, amountMicros: bigint): TopUpResult {
  if (amountMicros <= 0n) throw invalid('amountMicros', 'must be more than zero');
  const settledMicros = amountMicros < state.overageMicros ? amountMicros : state.overageMicros;
  return {
    settledMicros,
    overageAfterMicros: state.overageMicros - settledMicros,
    balanceAfterMicros: state.balanceMicros + amountMicros - settledMicros,
  };
}

/** A refund returns part or all of one top-up, never more than what is left of it and never more than the balance. */
export function assertRefundAllowed(r: {
  topUpMicros: bigint;
  refundedMicros: bigint;
  balanceMicros: bigint;
  amountMicros: bigint;
}): void {
  if (r.amountMicros <= 0n) throw invalid('amountMicros', 'must be more than zero');
  const left = r.topUpMicros - r.refundedMicros;
  if (r.amountMicros > left) {
    throw new DomainError(
      'REFUND_TOO_LARGE',
      `A refund may return at most what is left of the top-up (${left} micros).`,
      { amountMicros: `at most ${left} micros (what is left of this top-up)` },
    );
  }
  if (r.amountMicros > r.balanceMicros) {
    throw new DomainError(
      'REFUND_TOO_LARGE',
      `A refund may return at most the current balance (${r.balanceMicros} micros).`,
      { amountMicros: `at most ${r.balanceMicros} micros (the balance)` },
    );
  }
}

/** An adjustment may not take the balance below zero, and always carries a reason. */
export function assertAdjustmentAllowed(a: { balanceMicros: bigint; amountMicros: bigint; reason: string }): string {
  const reason = a.reason.trim();
  if (reason.length < 3 || reason.length > 500) throw invalid('reason', 'say why, in 3-500 characters');
  if (a.balanceMicros + a.amountMicros < 0n) {
    // the message does not say the balance: the platform operator who adjusts reads no ledger
    throw new DomainError('INSUFFICIENT_CREDIT', 'An adjustment may not take the balance below zero.', {
      amountMicros: 'would take the balance below zero',
    });
  }
  return reason;
}

/**
 * Runway: the days the balance lasts at the average daily spend of the last 7 days, to one decimal (rounded down).
 * Null when nothing was spent in those days.
 */
export function runwayDays(balanceMicros: bigint, spentMicros: bigint, days = 7): number | null {
  if (spentMicros <= 0n || days <= 0) return null;
  // days = balance / (spent / days), in tenths, in integers: no float ever touches money
  const tenths = (balanceMicros * BigInt(days) * 10n) / spentMicros;
  return Number(tenths) / 10;
}

/** What a runway is estimated from: nothing, less than a day of spend, or the average of the days that had spend. */
export type RunwayBasis = 'no_spend' | 'not_enough_spend' | 'average';

/**
 * The runway (SPEC 6, issue 19): the balance at the average daily spend of the last 7 days, averaged over the days of
 * that window that had spend (a client that spent on two days of seven is not diluted by the five idle ones). No
 * estimate until the history the viewer sees holds a full day of spend: a client that began minutes ago has no
 * daily rate yet.
 */
export function runway(
  balanceMicros: bigint,
  w: { spentMicros: bigint; daysWithSpend: number; firstSpendAt: Date | null },
  now: Date,
): { basis: RunwayBasis; days: number | null; averageDailyMicros: bigint | null } {
  if (w.spentMicros <= 0n || w.daysWithSpend === 0 || w.firstSpendAt === null)
    return { basis: 'no_spend', days: null, averageDailyMicros: null };
  if (now.getTime() - w.firstSpendAt.getTime() < 86_400_000)
    return { basis: 'not_enough_spend', days: null, averageDailyMicros: null };
  return {
    basis: 'average',
    days: runwayDays(balanceMicros, w.spentMicros, w.daysWithSpend),
    averageDailyMicros: w.spentMicros / BigInt(w.daysWithSpend),
  };
}

/**
 * The low-balance rule: one alert per crossing downward, not one per debit. Below means balance < threshold (so a
 * threshold of 0 never alerts); the alert is armed again once the balance is back at or above the threshold.
 */
export function lowBalanceCrossing(s: { armed: boolean; thresholdMicros: bigint; balanceAfterMicros: bigint }): {
  alert: boolean;
  armed: boolean;
} {
  const below = s.balanceAfterMicros < s.thresholdMicros;
  return { alert: s.armed && below, armed: !below };
}

/** A low-balance threshold: zero (off) or a positive amount. */
export function parseThreshold(raw: unknown): bigint {
  if (raw === 0 || raw === '0') return 0n;
  return parsePositiveMicros(raw, 'thresholdMicros');
}

/** A campaign paused for lack of credit may be resumed only once the balance is above zero. */
export function assertMayResume(c: { pausedReason: string | null }, balanceMicros: bigint): void {
  if (c.pausedReason === OUT_OF_CREDIT_REASON && balanceMicros <= 0n) {
    throw new DomainError(
      'INSUFFICIENT_CREDIT',
      'This campaign was paused because the client ran out of credit: top up first, then resume it.',
      { status: 'top up first' },
    );
  }
}

// ---- cards ----

export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The brand a card number belongs to, by its leading digits and length; null when no known brand matches. */
export function cardBrand(digits: string): CardBrand | null {
  const n = digits.length;
  if (/^4/.test(digits) && (n === 13 || n === 16 || n === 19)) return 'visa';
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (n === 16 && ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))) return 'mastercard';
  if (n === 15 && (two === 34 || two === 37)) return 'amex';
  if (n === 16 && (/^6011/.test(digits) || /^65/.test(digits))) return 'discover';
  return null;
}

/** Digits of a card number as typed (spaces and dashes allowed between groups). */
export const cardDigits = (raw: string): string => raw.replace(/[\s-]/g, '');

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}
export interface ValidCard {
  /** Only for the provider call; never stored, logged or put in an error. */
  digits: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
}

/**
 * Checks a card before anything reaches a provider: Luhn, a known brand, expiry against `now` (a card is valid
 * through the last day of its expiry month, UTC), CVC 3 digits (4 for Amex). Errors never echo the number or CVC.
 */
export function validateCard(input: CardInput, now: Date): ValidCard {
  const digits = cardDigits(input.number);
  const fields: Record<string, string> = {};
  let brand: CardBrand | null = null;
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) fields.number = 'is not a valid card number';
  else if ((brand = cardBrand(digits)) === null)
    fields.number = 'is not a card brand we accept (Visa, Mastercard, Amex, Discover)';
  if (!Number.isInteger(input.expMonth) || input.expMonth < 1 || input.expMonth > 12)
    fields.expMonth = 'must be a month, 1-12';
  if (!Number.isInteger(input.expYear) || input.expYear < 2000 || input.expYear > 2100)
    fields.expYear = 'must be a four-digit year';
  if (!fields.expMonth && !fields.expYear) {
    const y = now.getUTCFullYear();
    const m = now.getUTCMonth() + 1;
    if (input.expYear < y || (input.expYear === y && input.expMonth < m)) fields.expYear = 'the card has expired';
  }
  const cvcLength = brand === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${brand === null ? '3,4' : cvcLength}}$`).test(input.cvc))
    fields.cvc = brand === null ? 'must be 3 or 4 digits' : `must be ${cvcLength} digits`;
  const keys = Object.keys(fields);
  if (keys.length) {
    const code = fields.number || fields.expYear === 'the card has expired' ? 'CARD_INVALID' : 'INVALID_INPUT';
    throw new DomainError(code, keys.map((k) => `${k}: ${fields[k]}`).join('; '), fields);
  }
  return { digits, brand: brand!, last4: digits.slice(-4), expMonth: input.expMonth, expYear: input.expYear };
}

/** Whether a stored card (brand, last four, expiry) is still usable at `now`. */
export const cardExpired = (c: { expMonth: number; expYear: number }, now: Date): boolean =>
  c.expYear < now.getUTCFullYear() || (c.expYear === now.getUTCFullYear() && c.expMonth < now.getUTCMonth() + 1);

/** The outcome of a provider charge, as the product reports it. */
export type ChargeOutcome =
  | { readonly status: 'succeeded'; readonly chargeId: string }
  | {
      readonly status: 'declined';
      readonly reason: 'card_declined' | 'insufficient_funds' | 'expired_card' | 'processing_error';
      readonly chargeId: string | null;
    };

/** The readable message for a provider decline (never with card data). */
export function declineMessage(reason: Extract<ChargeOutcome, { status: 'declined' }>['reason']): string {
  switch (reason) {
    case 'card_declined':
      return 'The card was declined by its bank. Try another card.';
    case 'insufficient_funds':
      return 'The card was declined: insufficient funds.';
    case 'expired_card':
      return 'The card was declined: it has expired.';
    case 'processing_error':
      return 'The payment could not be processed; nothing was charged. Try again.';
    default: {
      const never: never = reason;
      return never;
    }
  }
}

export const declineCode = (reason: Extract<ChargeOutcome, { status: 'declined' }>['reason']) =>
  reason === 'insufficient_funds' ? ('INSUFFICIENT_FUNDS' as const) : ('PAYMENT_DECLINED' as const);

/** How a client's credit stands in a list of clients: out of credit (nothing left), below its threshold, or fine. */
export type CreditFlag = 'out_of_credit' | 'low_balance' | 'ok';

export function creditFlag(s: { balanceMicros: bigint; lowBalanceMicros: bigint }): CreditFlag {
  if (s.balanceMicros <= 0n) return 'out_of_credit';
  if (s.balanceMicros < s.lowBalanceMicros) return 'low_balance';
  return 'ok';
}
