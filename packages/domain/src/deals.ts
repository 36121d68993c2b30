import { DomainError } from './errors';
import { validateAccountName, validateCurrency } from './hierarchy';
import type { Level } from './levels';
import { DSPS, type Dsp } from './seats';

export const DEAL_TYPES = ['preferred_deal', 'private_auction', 'programmatic_guaranteed'] as const;
export type DealType = (typeof DEAL_TYPES)[number];

/** The largest CPM accepted: 1,000,000 currency units, in micros. */
export const MAX_CPM_MICROS = 1_000_000_000_000n;

export interface DealInput {
  name: string;
  publisher: string;
  type: DealType;
  /** Integer micros: a JSON number or a string of digits (or already parsed). */
  cpmMicros: number | string | bigint;
  currency: string;
  dsps: readonly string[];
  startsAt: Date | null;
  endsAt: Date | null;
  /** The universal deal id; the api makes one when absent. */
  dealId: string;
}

export interface ValidDeal extends Omit<DealInput, 'cpmMicros' | 'dsps'> {
  cpmMicros: bigint;
  dsps: Dsp[];
}

/** The largest value a bigint column holds. */
export const MAX_MICROS = 2n ** 63n - 1n;

/** Integer micros, never a float (SPEC 10: money as strings or numbers in JSON), within a bigint column. */
export function parseMicros(raw: number | string | bigint, field = 'cpmMicros'): bigint {
  let value: bigint;
  if (typeof raw === 'bigint') {
    value = raw;
  } else if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) throw invalid(field, 'must be a whole number of micros');
    value = BigInt(raw);
  } else {
    if (!/^-?\d{1,19}$/.test(raw.trim())) throw invalid(field, 'must be a whole number of micros');
    value = BigInt(raw.trim());
  }
  if (value < 0n) throw invalid(field, 'must not be negative');
  if (value > MAX_MICROS) throw invalid(field, 'is too large');
  return value;
}

/**
 * The deal rules of SPEC 5: name and publisher 1-120 characters, a known type, integer non-negative CPM micros, an
 * ISO currency, one or more known DSPs (several only on a level-1 deal), and a flight that does not end before it
 * starts.
 */
export function validateDeal(input: DealInput, owner: { level: Level }): ValidDeal {
  const name = validateAccountName(input.name);
  let publisher: string;
  try {
    publisher = validateAccountName(input.publisher);
  } catch {
    throw invalid('publisher', 'must be 1-120 characters');
  }
  const cpmMicros = parseMicros(input.cpmMicros);
  if (cpmMicros > MAX_CPM_MICROS) throw invalid('cpmMicros', 'is larger than any real CPM');
  const currency = validateCurrency(input.currency);
  const dsps = [...new Set(input.dsps)];
  if (dsps.length === 0) throw invalid('dsps', 'name at least one DSP');
  const unknown = dsps.find((d) => !(DSPS as readonly string[]).includes(d));
  if (unknown !== undefined) throw invalid('dsps', `unknown DSP "${unknown}"`);
  if (dsps.length > 1 && owner.level !== 1) {
    throw new DomainError('FORBIDDEN_BY_LEVEL', 'Only a level-1 deal may span several DSPs; name one DSP.', {
      dsps: 'one DSP below level 1',
    });
  }
  if (input.startsAt && input.endsAt && input.endsAt.getTime() < input.startsAt.getTime()) {
    throw invalid('endsAt', 'the flight ends before it starts');
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.dealId)) throw invalid('dealId', '1-64 letters, digits or . _ -');
  return {
    name,
    publisher,
    type: input.type,
    cpmMicros,
    currency,
    dsps: dsps as Dsp[],
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    dealId: input.dealId,
  };
}

export interface DealPlace {
  ownerId: string;
  /** The owner's path, root first. */
  ownerPath: readonly string[];
}

/** A deal is usable by its owner and the owner's descendants, and by no one else (an L3's deal: that L3 alone). */
export const dealUsableBy = (deal: DealPlace, accountPath: readonly string[]): boolean =>
  accountPath.includes(deal.ownerId);

/** Terms are visible to those who may use the deal and to the owner's ancestors; never to a sibling branch. */
export const dealTermsVisibleTo = (deal: DealPlace, account: { id: string; path: readonly string[] }): boolean =>
  dealUsableBy(deal, account.path) || deal.ownerPath.includes(account.id);

/** Where a deal in an account's list comes from. */
export const dealSource = (deal: DealPlace, accountId: string): 'owned' | 'inherited' =>
  deal.ownerId === accountId ? 'owned' : 'inherited';

/** A deal's flight covers an instant (open ends are unbounded). */
export const flightCovers = (deal: { startsAt: Date | null; endsAt: Date | null }, at: Date): boolean =>
  (deal.startsAt === null || deal.startsAt.getTime() <= at.getTime()) &&
  (deal.endsAt === null || at.getTime() <= deal.endsAt.getTime());

/**
 * A seat may transact on a deal at an instant only while it is mapped to an account that may use the deal, on one of
 * the deal's DSPs, within its flight (SPEC 5).
 */
export function seatMayTransact(
  seat: { dsp: string; holderPath: readonly string[] },
  deal: DealPlace & { dsps: readonly string[]; startsAt: Date | null; endsAt: Date | null },
  at: Date,
): boolean {
  return dealUsableBy(deal, seat.holderPath) && deal.dsps.includes(seat.dsp) && flightCovers(deal, at);
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', `${field}: ${message}`, { [field]: message });
}
