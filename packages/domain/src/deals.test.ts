import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dealSource,
  dealTermsVisibleTo,
  dealUsableBy,
  parseMicros,
  seatMayTransact,
  validateDeal,
  type DealInput,
} from './deals';
import { codeOf } from './test-support';

const base: DealInput = {
  name: 'Spring PMP',
  publisher: 'Daily Planet',
  type: 'private_auction',
  cpmMicros: 2_500_000,
  currency: 'EUR',
  dsps: ['dv360'],
  startsAt: new Date('2026-03-01T00:00:00Z'),
  endsAt: new Date('2026-05-31T23:59:59Z'),
  dealId: 'DP-2026-001',
};

describe('deal creation rules (SPEC 5)', () => {
  it.each([
    ['a single-DSP deal at L3', {}, 3, 'ok'],
    ['a multi-DSP deal at L1', { dsps: ['dv360', 'ttd'] }, 1, 'ok'],
    ['a multi-DSP deal at L2', { dsps: ['dv360', 'ttd'] }, 2, 'FORBIDDEN_BY_LEVEL'],
    ['a multi-DSP deal at L3', { dsps: ['dv360', 'xandr'] }, 3, 'FORBIDDEN_BY_LEVEL'],
    ['a negative CPM', { cpmMicros: -1 }, 1, 'INVALID_INPUT'],
    ['a fractional CPM', { cpmMicros: 2.5 }, 1, 'INVALID_INPUT'],
    ['a fractional CPM as a string', { cpmMicros: '2.5' }, 1, 'INVALID_INPUT'],
    ['a CPM as a string of digits', { cpmMicros: '2500000' }, 1, 'ok'],
    ['a flight ending before it starts', { endsAt: new Date('2026-02-01T00:00:00Z') }, 1, 'INVALID_INPUT'],
    ['no DSP', { dsps: [] }, 1, 'INVALID_INPUT'],
    ['an unknown DSP', { dsps: ['myspace'] }, 1, 'INVALID_INPUT'],
    ['an unknown currency', { currency: 'EURO' }, 1, 'INVALID_INPUT'],
    ['an empty publisher', { publisher: ' ' }, 1, 'INVALID_INPUT'],
    ['a deal id with spaces', { dealId: 'a b' }, 1, 'INVALID_INPUT'],
  ] as const)('%s: %s', (_l, patch, level, expected) => {
    expect(codeOf(() => validateDeal({ ...base, ...patch }, { level }))).toBe(expected);
  });

  it('keeps money as integer micros', () => {
    expect(validateDeal(base, { level: 1 }).cpmMicros).toBe(2_500_000n);
    expect(parseMicros('9007199254740993')).toBe(9007199254740993n);
  });

  it('refuses micros beyond a bigint column, and takes the largest one', () => {
    expect(parseMicros('9223372036854775807', 'budgetMicros')).toBe(9223372036854775807n);
    expect(codeOf(() => parseMicros('9223372036854775808', 'budgetMicros'))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseMicros(2n ** 63n, 'budgetMicros'))).toBe('INVALID_INPUT');
  });
});

// H > A > (A1, A2); H > B > B1
const paths: Record<string, string[]> = {
  H: ['H'],
  A: ['H', 'A'],
  A1: ['H', 'A', 'A1'],
  A2: ['H', 'A', 'A2'],
  B: ['H', 'B'],
  B1: ['H', 'B', 'B1'],
};
const deal = (owner: string) => ({ ownerId: owner, ownerPath: paths[owner]! });
const acct = (id: string) => ({ id, path: paths[id]! });

describe('who may use and see a deal (SPEC 5)', () => {
  // owner, then: accounts that may use it, accounts that see its terms
  it.each([
    ['H', ['H', 'A', 'A1', 'A2', 'B', 'B1'], ['H', 'A', 'A1', 'A2', 'B', 'B1']],
    ['A', ['A', 'A1', 'A2'], ['H', 'A', 'A1', 'A2']],
    ['A1', ['A1'], ['H', 'A', 'A1']],
    ['B1', ['B1'], ['H', 'B', 'B1']],
  ])('a deal of %s', (owner, usable, visible) => {
    const ids = Object.keys(paths);
    expect(ids.filter((id) => dealUsableBy(deal(owner), paths[id]!))).toEqual(usable);
    expect(ids.filter((id) => dealTermsVisibleTo(deal(owner), acct(id)))).toEqual(visible);
  });

  it('marks a deal owned or inherited', () => {
    expect(dealSource(deal('A'), 'A')).toBe('owned');
    expect(dealSource(deal('A'), 'A1')).toBe('inherited');
  });

  it('lets a seat transact only while mapped to an account that may use the deal, on its DSP, in its flight', () => {
    const d = {
      ...deal('A'),
      dsps: ['dv360'],
      startsAt: new Date('2026-03-01T00:00:00Z'),
      endsAt: new Date('2026-03-31T00:00:00Z'),
    };
    const mid = new Date('2026-03-15T00:00:00Z');
    expect(seatMayTransact({ dsp: 'dv360', holderPath: paths.A1! }, d, mid)).toBe(true);
    expect(seatMayTransact({ dsp: 'dv360', holderPath: paths.B1! }, d, mid)).toBe(false);
    expect(seatMayTransact({ dsp: 'dv360', holderPath: paths.H! }, d, mid)).toBe(false);
    expect(seatMayTransact({ dsp: 'ttd', holderPath: paths.A1! }, d, mid)).toBe(false);
    expect(seatMayTransact({ dsp: 'dv360', holderPath: paths.A1! }, d, new Date('2026-04-01T00:00:00Z'))).toBe(false);
  });

  it('never shows a sibling branch a deal: property against a naive reference', () => {
    const ids = Object.keys(paths);
    const parent = (id: string) => (paths[id]!.length > 1 ? paths[id]!.at(-2)! : null);
    const isAncestorOrSelf = (a: string, b: string): boolean =>
      a === b || (parent(b) !== null && isAncestorOrSelf(a, parent(b)!));
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.constantFrom(...ids), (owner, viewer) => {
        const related = isAncestorOrSelf(owner, viewer) || isAncestorOrSelf(viewer, owner);
        expect(dealTermsVisibleTo(deal(owner), acct(viewer))).toBe(related);
        expect(dealUsableBy(deal(owner), paths[viewer]!)).toBe(isAncestorOrSelf(owner, viewer));
      }),
    );
  });
});
