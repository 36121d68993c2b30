import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSeatTarget, classifySeatMove, validateExternalSeatId, type SeatPlace } from './seats';
import { codeOf } from './test-support';

// H > A > (A1, A2); H > B > B1
const place = (path: string[]): SeatPlace => ({ id: path.at(-1)!, level: path.length as 1 | 2 | 3, path });
const H = place(['H']);
const A = place(['H', 'A']);
const A1 = place(['H', 'A', 'A1']);
const A2 = place(['H', 'A', 'A2']);
const B = place(['H', 'B']);
const B1 = place(['H', 'B', 'B1']);

const move = (holder: SeatPlace, target: SeatPlace, previousHolder: string | null = null) => {
  try {
    const m = classifySeatMove({ linkedBy: 'H', holder, previousHolder }, target);
    return `${m.kind} on ${m.authorizeOn} (${m.action})`;
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('seat moves (SPEC 4)', () => {
  it.each([
    ['L1 maps its seat to an agency', H, A, null, 'assign-down on H (seats.assign)'],
    ['L1 maps its seat straight to a client', H, A1, null, 'assign-down on H (seats.assign)'],
    ['L2 passes its seat to its own client', A, A1, 'H', 'assign-down on A (seats.assign)'],
    ['L2 takes back a seat it passed to its client', A1, A, 'A', 'take-back-to-agency on A (seats.assign)'],
    ['L2 cannot take a seat the holding put on its client', A1, A, 'H', 'FORBIDDEN_BY_SEAT_RULE'],
    ['L1 takes any seat back', A1, H, 'A', 'reclaim-to-root on H (seats.reclaim)'],
    ['L1 takes a seat back from an agency', A, H, 'H', 'reclaim-to-root on H (seats.reclaim)'],
    ['sideways between clients', A1, A2, 'A', 'FORBIDDEN_BY_SEAT_RULE'],
    ['sideways between agencies', A, B, 'H', 'FORBIDDEN_BY_SEAT_RULE'],
    ["sideways into another agency's client", A, B1, 'H', 'FORBIDDEN_BY_SEAT_RULE'],
    ['up from a client to another agency', A1, B, 'A', 'FORBIDDEN_BY_SEAT_RULE'],
    ['to where it already sits', A, A, 'H', 'SEAT_ALREADY_THERE'],
  ] as const)('%s', (_label, holder, target, previous, expected) => {
    expect(move(holder, target, previous)).toBe(expected);
  });

  it('keeps an L3 to one seat per DSP and refuses archived targets', () => {
    expect(codeOf(() => assertSeatTarget({ level: 3, archived: false }, 0))).toBe('ok');
    expect(codeOf(() => assertSeatTarget({ level: 3, archived: false }, 1))).toBe('SEAT_ONE_PER_DSP');
    expect(codeOf(() => assertSeatTarget({ level: 2, archived: false }, 3))).toBe('ok');
    expect(codeOf(() => assertSeatTarget({ level: 2, archived: true }, 0))).toBe('ACCOUNT_ARCHIVED');
  });

  it('accepts DSP seat ids of letters, digits and . _ : - only', () => {
    expect(validateExternalSeatId(' 12345 ')).toBe('12345');
    expect(codeOf(() => validateExternalSeatId(''))).toBe('INVALID_INPUT');
    expect(codeOf(() => validateExternalSeatId('has space'))).toBe('INVALID_INPUT');
    expect(codeOf(() => validateExternalSeatId('x'.repeat(65)))).toBe('INVALID_INPUT');
  });

  it('agrees with a naive reference on random holders, targets and histories', () => {
    const all = [H, A, A1, A2, B, B1];
    const parentOf = (p: SeatPlace) => (p.path.length > 1 ? p.path.at(-2)! : null);
    const isAncestor = (a: string, p: SeatPlace): boolean => p.path.slice(0, -1).includes(a);
    fc.assert(
      fc.property(
        fc.constantFrom(...all),
        fc.constantFrom(...all),
        fc.option(fc.constantFrom('H', 'A', 'B', 'A1')),
        (holder, target, prev) => {
          let want: string;
          if (holder.id === target.id) want = 'SEAT_ALREADY_THERE';
          else if (isAncestor(holder.id, target)) want = `assign-down on ${holder.id} (seats.assign)`;
          else if (holder.level === 3 && parentOf(holder) === target.id && prev === target.id)
            want = `take-back-to-agency on ${target.id} (seats.assign)`;
          else if (target.id === 'H') want = 'reclaim-to-root on H (seats.reclaim)';
          else want = 'FORBIDDEN_BY_SEAT_RULE';
          expect(move(holder, target, prev)).toBe(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});
