import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyCorrection,
  applyDebit,
  creditFlag,
  applyTopUp,
  assertAdjustmentAllowed,
  assertMayResume,
  assertRefundAllowed,
  cardBrand,
  ENTRY_KINDS,
  entrySignValid,
  lowBalanceCrossing,
  luhnValid,
  MAX_AMOUNT_MICROS,
  OUT_OF_CREDIT_REASON,
  parsePositiveMicros,
  parseSignedMicros,
  parseThreshold,
  runway,
  runwayDays,
  validateCard,
} from './credits';
import { codeOf } from './test-support';

describe('ledger entry kinds and signs (SPEC 6)', () => {
  it.each([
    ['top_up', 'positive only', [1n, 0n, -1n], [true, false, false]],
    ['spend', 'negative or zero (all overage)', [1n, 0n, -1n], [false, true, true]],
    ['refund', 'negative only', [1n, 0n, -1n], [false, false, true]],
    ['adjustment', 'either sign, never zero', [1n, 0n, -1n], [true, false, true]],
    ['overage_settlement', 'negative only', [1n, 0n, -1n], [false, false, true]],
  ] as const)('%s: %s', (kind, _label, amounts, want) => {
    expect(amounts.map((a) => entrySignValid(kind, a))).toEqual(want);
  });

  it('covers every kind', () => {
    expect(ENTRY_KINDS.sort()).toEqual([
      'adjustment',
      'overage_settlement',
      'refund',
      'spend',
      'spend_correction',
      'top_up',
    ]);
  });
});

describe('amounts', () => {
  it.each([
    ['a number', 5, 'ok'],
    ['a string of digits', '5000000', 'ok'],
    ['the maximum', MAX_AMOUNT_MICROS.toString(), 'ok'],
    ['zero', 0, 'INVALID_INPUT'],
    ['negative', -1, 'INVALID_INPUT'],
    ['fractional', 1.5, 'INVALID_INPUT'],
    ['fractional string', '1.5', 'INVALID_INPUT'],
    ['above the maximum', (MAX_AMOUNT_MICROS + 1n).toString(), 'INVALID_INPUT'],
    ['over bigint', '99999999999999999999999', 'INVALID_INPUT'],
    ['unsafe number', 2 ** 60, 'INVALID_INPUT'],
    ['NaN', Number.NaN, 'INVALID_INPUT'],
    ['Infinity', Number.POSITIVE_INFINITY, 'INVALID_INPUT'],
    ['text', 'ten', 'INVALID_INPUT'],
    ['null', null, 'INVALID_INPUT'],
  ] as const)('a positive amount given as %s: %s', (_l, raw, want) => {
    expect(codeOf(() => parsePositiveMicros(raw))).toBe(want);
  });

  it('reads signed adjustments and thresholds', () => {
    expect(parseSignedMicros('-25')).toBe(-25n);
    expect(parseSignedMicros(25)).toBe(25n);
    expect(codeOf(() => parseSignedMicros('-0'))).toBe('INVALID_INPUT');
    expect(parseThreshold(0)).toBe(0n);
    expect(parseThreshold('10')).toBe(10n);
    expect(codeOf(() => parseThreshold(-1))).toBe('INVALID_INPUT');
  });
});

describe('debits (SPEC 6)', () => {
  it.each([
    [
      'within the balance',
      100n,
      30n,
      { takenMicros: 30n, overageMicros: 0n, balanceAfterMicros: 70n, pauseCampaigns: false },
    ],
    [
      'exactly the balance',
      100n,
      100n,
      { takenMicros: 100n, overageMicros: 0n, balanceAfterMicros: 0n, pauseCampaigns: false },
    ],
    [
      'one micro over the balance',
      100n,
      101n,
      { takenMicros: 100n, overageMicros: 1n, balanceAfterMicros: 0n, pauseCampaigns: true },
    ],
    [
      'on an empty balance',
      0n,
      5n,
      { takenMicros: 0n, overageMicros: 5n, balanceAfterMicros: 0n, pauseCampaigns: true },
    ],
  ] as const)('take what the balance allows: %s', (_l, balance, amount, want) => {
    expect(applyDebit(balance, amount)).toEqual(want);
  });

  it('never lets the balance go negative and loses nothing (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { maxLength: 50 }),
        (start, debits) => {
          let balance = start;
          let taken = 0n;
          let overage = 0n;
          for (const d of debits) {
            const r = applyDebit(balance, d);
            expect(r.balanceAfterMicros).toBeGreaterThanOrEqual(0n);
            balance = r.balanceAfterMicros;
            taken += r.takenMicros;
            overage += r.overageMicros;
          }
          const spent = debits.reduce((a, b) => a + b, 0n);
          expect(taken + overage).toBe(spent);
          expect(start - taken).toBe(balance);
        },
      ),
    );
  });
});

describe('spend corrections (SPEC 13)', () => {
  it.each([
    ['a credit with no overage raises the balance', { balanceMicros: 10n, overageMicros: 0n }, -4n, [4n, 0n, 14n, 0n]],
    ['a credit pays off overage first', { balanceMicros: 0n, overageMicros: 5n }, -3n, [0n, -3n, 0n, 2n]],
    ['then raises the balance', { balanceMicros: 0n, overageMicros: 5n }, -8n, [3n, -5n, 3n, 0n]],
    ['a higher figure is debited', { balanceMicros: 10n, overageMicros: 0n }, 4n, [-4n, 0n, 6n, 0n]],
    ['beyond the balance it is overage', { balanceMicros: 3n, overageMicros: 1n }, 5n, [-3n, 2n, 0n, 3n]],
  ] as const)('%s', (_, state, delta, [amount, overage, balance, overageAfter]) => {
    const r = applyCorrection(state, delta);
    expect([r.amountMicros, r.overageMicros, r.balanceAfterMicros, r.overageAfterMicros]).toEqual([
      amount,
      overage,
      balance,
      overageAfter,
    ]);
    expect(r.pauseCampaigns).toBe(overage > 0n);
  });

  it('refuses a zero difference', () => {
    expect(() => applyCorrection({ balanceMicros: 1n, overageMicros: 0n }, 0n)).toThrow(/zero/);
  });

  it('keeps spend attributed = -(entries) + overage recorded, and no balance below zero (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('spend' as const), v: fc.bigInt({ min: 1n, max: 10n ** 8n }) }),
            fc.record({ k: fc.constant('top_up' as const), v: fc.bigInt({ min: 1n, max: 10n ** 8n }) }),
            fc.record({ k: fc.constant('correction' as const), v: fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }) }),
          ),
          { maxLength: 60 },
        ),
        (start, ops) => {
          let state = { balanceMicros: start, overageMicros: 0n };
          let attributed = 0n;
          let entries = 0n; // the spend and correction entries' amounts
          let recorded = 0n; // overage recorded by them
          for (const op of ops) {
            if (op.k === 'spend') {
              const d = applyDebit(state.balanceMicros, op.v);
              state = { balanceMicros: d.balanceAfterMicros, overageMicros: state.overageMicros + d.overageMicros };
              attributed += op.v;
              entries -= d.takenMicros;
              recorded += d.overageMicros;
            } else if (op.k === 'top_up') {
              const t = applyTopUp(state, op.v);
              state = { balanceMicros: t.balanceAfterMicros, overageMicros: t.overageAfterMicros };
            } else {
              // a credit never exceeds what was attributed (a figure never goes below zero)
              const delta = op.v < -attributed ? -attributed : op.v;
              if (delta === 0n) continue;
              const c = applyCorrection(state, delta);
              state = { balanceMicros: c.balanceAfterMicros, overageMicros: c.overageAfterMicros };
              attributed += delta;
              entries += c.amountMicros;
              recorded += c.overageMicros;
            }
            expect(state.balanceMicros).toBeGreaterThanOrEqual(0n);
            expect(state.overageMicros).toBeGreaterThanOrEqual(0n);
            expect(-entries + recorded).toBe(attributed);
          }
        },
      ),
    );
  });
});

describe('top-ups settle overage first (SPEC 6)', () => {
  it.each([
    [
      'no overage',
      { balanceMicros: 10n, overageMicros: 0n },
      50n,
      { settledMicros: 0n, overageAfterMicros: 0n, balanceAfterMicros: 60n },
    ],
    [
      'overage smaller than the top-up',
      { balanceMicros: 0n, overageMicros: 20n },
      50n,
      { settledMicros: 20n, overageAfterMicros: 0n, balanceAfterMicros: 30n },
    ],
    [
      'overage equal to the top-up',
      { balanceMicros: 0n, overageMicros: 50n },
      50n,
      { settledMicros: 50n, overageAfterMicros: 0n, balanceAfterMicros: 0n },
    ],
    [
      'overage larger than the top-up',
      { balanceMicros: 0n, overageMicros: 80n },
      50n,
      { settledMicros: 50n, overageAfterMicros: 30n, balanceAfterMicros: 0n },
    ],
  ] as const)('%s', (_l, state, amount, want) => {
    expect(applyTopUp(state, amount)).toEqual(want);
  });

  it('keeps top-ups = balance + settled overage (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (balance, overage, amount) => {
          const r = applyTopUp({ balanceMicros: balance, overageMicros: overage }, amount);
          expect(r.balanceAfterMicros - balance + r.settledMicros).toBe(amount);
          expect(r.overageAfterMicros + r.settledMicros).toBe(overage);
          expect(r.overageAfterMicros > 0n && r.balanceAfterMicros > balance).toBe(false);
        },
      ),
    );
  });
});

describe('refunds, adjustments and resuming', () => {
  it.each([
    ['part of a top-up', { topUpMicros: 100n, refundedMicros: 0n, balanceMicros: 100n, amountMicros: 40n }, 'ok'],
    [
      'the rest of a partly refunded top-up',
      { topUpMicros: 100n, refundedMicros: 60n, balanceMicros: 100n, amountMicros: 40n },
      'ok',
    ],
    [
      'more than is left of the top-up',
      { topUpMicros: 100n, refundedMicros: 60n, balanceMicros: 100n, amountMicros: 41n },
      'REFUND_TOO_LARGE',
    ],
    [
      'more than the top-up',
      { topUpMicros: 100n, refundedMicros: 0n, balanceMicros: 500n, amountMicros: 101n },
      'REFUND_TOO_LARGE',
    ],
    [
      'more than the balance',
      { topUpMicros: 100n, refundedMicros: 0n, balanceMicros: 30n, amountMicros: 31n },
      'REFUND_TOO_LARGE',
    ],
    ['zero', { topUpMicros: 100n, refundedMicros: 0n, balanceMicros: 100n, amountMicros: 0n }, 'INVALID_INPUT'],
  ] as const)('a refund of %s: %s', (_l, r, want) => {
    expect(codeOf(() => assertRefundAllowed(r))).toBe(want);
  });

  it.each([
    ['a credit', 0n, 10n, 'a goodwill credit', 'ok'],
    ['a debit within the balance', 10n, -10n, 'correction', 'ok'],
    ['a debit below zero', 10n, -11n, 'correction', 'INSUFFICIENT_CREDIT'],
    ['no reason', 10n, 5n, '  ', 'INVALID_INPUT'],
  ] as const)('an adjustment: %s', (_l, balance, amount, reason, want) => {
    expect(codeOf(() => assertAdjustmentAllowed({ balanceMicros: balance, amountMicros: amount, reason }))).toBe(want);
  });

  it.each([
    ['paused for lack of credit, balance zero', OUT_OF_CREDIT_REASON, 0n, 'INSUFFICIENT_CREDIT'],
    ['paused for lack of credit, balance above zero', OUT_OF_CREDIT_REASON, 1n, 'ok'],
    ['paused by a member, balance zero', 'Paused by a member.', 0n, 'ok'],
  ] as const)('resuming a campaign %s: %s', (_l, reason, balance, want) => {
    expect(codeOf(() => assertMayResume({ pausedReason: reason }, balance))).toBe(want);
  });
});

describe('runway and low balance (SPEC 6)', () => {
  it.each([
    ['no spend in 7 days', 100n, 0n, null],
    ['7 spent over 7 days, balance 10', 10_000_000n, 7_000_000n, 10],
    ['balance lasts less than a day', 1n, 7_000_000n, 0],
    ['rounded down to a tenth', 10n, 21n, 3.3],
    ['empty balance', 0n, 7n, 0],
  ] as const)('runway: %s', (_l, balance, spent, want) => {
    expect(runwayDays(balance, spent)).toBe(want);
  });

  const at = new Date('2026-03-10T12:00:00Z');
  const hoursAgo = (h: number) => new Date(at.getTime() - h * 3_600_000);
  it.each([
    ['no spend', { spentMicros: 0n, daysWithSpend: 0, firstSpendAt: null }, 'no_spend', null],
    [
      'spend began an hour ago',
      { spentMicros: 5n, daysWithSpend: 1, firstSpendAt: hoursAgo(1) },
      'not_enough_spend',
      null,
    ],
    [
      '23.9 hours of spend',
      { spentMicros: 5n, daysWithSpend: 1, firstSpendAt: hoursAgo(23.9) },
      'not_enough_spend',
      null,
    ],
    [
      'a full day: 10 over 1 day, balance 100',
      { spentMicros: 10n, daysWithSpend: 1, firstSpendAt: hoursAgo(24) },
      'average',
      10,
    ],
    [
      '20 over the 2 days with spend, balance 100',
      { spentMicros: 20n, daysWithSpend: 2, firstSpendAt: hoursAgo(200) },
      'average',
      10,
    ],
  ] as const)('runway from a window: %s', (_l, w, basis, days) => {
    expect(runway(100n, w, at)).toMatchObject({ basis, days });
  });

  it.each([
    [
      'armed, stays above',
      { armed: true, thresholdMicros: 100n, balanceAfterMicros: 100n },
      { alert: false, armed: true },
    ],
    [
      'armed, crosses below: one alert',
      { armed: true, thresholdMicros: 100n, balanceAfterMicros: 99n },
      { alert: true, armed: false },
    ],
    [
      'disarmed, still below: no second alert',
      { armed: false, thresholdMicros: 100n, balanceAfterMicros: 50n },
      { alert: false, armed: false },
    ],
    [
      'disarmed, back at the threshold: re-armed',
      { armed: false, thresholdMicros: 100n, balanceAfterMicros: 100n },
      { alert: false, armed: true },
    ],
    [
      'threshold zero: never alerts',
      { armed: true, thresholdMicros: 0n, balanceAfterMicros: 0n },
      { alert: false, armed: true },
    ],
  ] as const)('low balance: %s', (_l, s, want) => {
    expect(lowBalanceCrossing(s)).toEqual(want);
  });

  it('alerts once per downward crossing over any sequence of balances (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 200n }), { maxLength: 60 }), (balances) => {
        let armed = true;
        let prevBelow = false;
        let alerts = 0;
        let crossings = 0;
        for (const b of balances) {
          const r = lowBalanceCrossing({ armed, thresholdMicros: 100n, balanceAfterMicros: b });
          const below = b < 100n;
          if (below && !prevBelow) crossings++;
          prevBelow = below;
          if (r.alert) alerts++;
          armed = r.armed;
        }
        expect(alerts).toBe(crossings);
      }),
    );
  });
});

describe('cards (SPEC 6)', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    ['4242424242424242', true, 'visa'],
    ['5555555555554444', true, 'mastercard'],
    ['4000000000000002', true, 'visa'],
    ['4000000000009995', true, 'visa'],
    ['378282246310005', true, 'amex'],
    ['6011111111111117', true, 'discover'],
    ['2223003122003222', true, 'mastercard'],
    ['4242424242424241', false, 'visa'],
    ['1234567812345678', false, null],
  ] as const)('%s: Luhn %s, brand %s', (n, luhn, brand) => {
    expect(luhnValid(n)).toBe(luhn);
    expect(cardBrand(n)).toBe(brand);
  });

  it.each([
    ['a valid Visa, spaces allowed', { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' }, 'ok'],
    [
      'expiring this month (valid through its end)',
      { number: '4242424242424242', expMonth: 11, expYear: 2026, cvc: '123' },
      'ok',
    ],
    ['expired last month', { number: '4242424242424242', expMonth: 10, expYear: 2026, cvc: '123' }, 'CARD_INVALID'],
    ['expired last year', { number: '4242424242424242', expMonth: 12, expYear: 2025, cvc: '123' }, 'CARD_INVALID'],
    ['failing Luhn', { number: '4242424242424241', expMonth: 12, expYear: 2030, cvc: '123' }, 'CARD_INVALID'],
    ['too short', { number: '4242', expMonth: 12, expYear: 2030, cvc: '123' }, 'CARD_INVALID'],
    ['letters', { number: '4242abcd42424242', expMonth: 12, expYear: 2030, cvc: '123' }, 'CARD_INVALID'],
    ['an unknown brand', { number: '1234567812345670', expMonth: 12, expYear: 2030, cvc: '123' }, 'CARD_INVALID'],
    ['month 13', { number: '4242424242424242', expMonth: 13, expYear: 2030, cvc: '123' }, 'INVALID_INPUT'],
    ['a two-digit CVC', { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '12' }, 'INVALID_INPUT'],
    [
      'a four-digit CVC on a Visa',
      { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '1234' },
      'INVALID_INPUT',
    ],
    ['a four-digit CVC on an Amex', { number: '378282246310005', expMonth: 12, expYear: 2030, cvc: '1234' }, 'ok'],
  ] as const)('validates %s: %s', (_l, card, want) => {
    expect(codeOf(() => validateCard(card, now))).toBe(want);
  });

  it('keeps brand, last four and expiry, and never echoes the number or CVC in an error', () => {
    expect(validateCard({ number: '5555-5555-5555-4444', expMonth: 1, expYear: 2031, cvc: '987' }, now)).toMatchObject({
      brand: 'mastercard',
      last4: '4444',
      expMonth: 1,
      expYear: 2031,
    });
    for (const card of [
      { number: '4242424242424241', expMonth: 1, expYear: 2020, cvc: '98' },
      { number: '4242424242424242', expMonth: 1, expYear: 2020, cvc: '9876' },
    ]) {
      const e = (() => {
        try {
          validateCard(card, now);
        } catch (err) {
          return err as Error & { fields?: Record<string, string> };
        }
      })()!;
      const text = e.message + JSON.stringify(e.fields);
      expect(text).not.toContain(card.number);
      expect(text).not.toContain(card.cvc);
    }
  });
});

describe('the credit flag of a client in a list', () => {
  it.each([
    ['nothing left', 0n, 0n, 'out_of_credit'],
    ['nothing left, even with a threshold', 0n, 5n, 'out_of_credit'],
    ['below the threshold', 4n, 5n, 'low_balance'],
    ['at the threshold', 5n, 5n, 'ok'],
    ['no threshold', 1n, 0n, 'ok'],
  ] as const)('%s', (_l, balanceMicros, lowBalanceMicros, flag) => {
    expect(creditFlag({ balanceMicros, lowBalanceMicros })).toBe(flag);
  });
});
