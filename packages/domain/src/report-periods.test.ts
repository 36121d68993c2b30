import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignPrevious,
  checkComparison,
  compareRows,
  compareTotals,
  dayIn,
  monthPeriod,
  previousPeriod,
  spendChange,
  wholeMonths,
  type Figures,
} from './report-periods';
import { dayNumber, dayOfNumber, presetRange, validateReportQuery } from './reports';
import { codeOf } from './test-support';

describe('the Last month preset', () => {
  it.each([
    ['in March', '2026-03-29', '2026-02-01', '2026-02-28'],
    ['in a leap year', '2028-03-01', '2028-02-01', '2028-02-29'],
    ['in January (December of the year before)', '2026-01-15', '2025-12-01', '2025-12-31'],
    ['on a month first day', '2026-05-01', '2026-04-01', '2026-04-30'],
    ['on a month last day', '2026-08-31', '2026-07-01', '2026-07-31'],
  ])('%s: on %s covers %s .. %s', (_l, today, from, to) => {
    expect(presetRange('lastMonth', today)).toEqual({ from, to });
  });

  it.each([
    // the same instant is the 1st of March in Tokyo and still February 28th in Los Angeles
    ['Asia/Tokyo', '2026-02-28T16:30:00Z', '2026-03-01', '2026-02-01', '2026-02-28'],
    ['America/Los_Angeles', '2026-02-28T16:30:00Z', '2026-02-28', '2026-01-01', '2026-01-31'],
    ['America/Los_Angeles', '2026-03-01T07:59:59Z', '2026-02-28', '2026-01-01', '2026-01-31'],
    ['America/Los_Angeles', '2026-03-01T08:00:00Z', '2026-03-01', '2026-02-01', '2026-02-28'],
    // India (+05:30) and Nepal (+05:45) turn the month mid-hour
    ['Asia/Kolkata', '2026-04-30T18:29:00Z', '2026-04-30', '2026-03-01', '2026-03-31'],
    ['Asia/Kolkata', '2026-04-30T18:30:00Z', '2026-05-01', '2026-04-01', '2026-04-30'],
    ['Asia/Kathmandu', '2026-04-30T18:15:00Z', '2026-05-01', '2026-04-01', '2026-04-30'],
    // the nights of a DST change (US on 2026-03-08 and 2026-11-01, Europe on 2026-03-29 and 2026-10-25)
    ['America/New_York', '2026-03-08T07:30:00Z', '2026-03-08', '2026-02-01', '2026-02-28'],
    ['America/New_York', '2026-11-01T05:30:00Z', '2026-11-01', '2026-10-01', '2026-10-31'],
    ['America/New_York', '2026-11-01T03:59:00Z', '2026-10-31', '2026-09-01', '2026-09-30'],
    ['Europe/Berlin', '2026-10-31T22:59:00Z', '2026-10-31', '2026-09-01', '2026-09-30'],
    ['Europe/Berlin', '2026-10-31T23:00:00Z', '2026-11-01', '2026-10-01', '2026-10-31'],
    ['Pacific/Kiritimati', '2026-06-30T10:00:00Z', '2026-07-01', '2026-06-01', '2026-06-30'],
  ])('in %s at %s today is %s and last month %s .. %s', (zone, at, today, from, to) => {
    expect(dayIn(zone, new Date(at))).toBe(today);
    expect(presetRange('lastMonth', dayIn(zone, new Date(at)))).toEqual({ from, to });
  });
});

describe('calendar months', () => {
  it.each([
    ['2026-02', '2026-02-01', '2026-02-28'],
    ['2028-02', '2028-02-01', '2028-02-29'],
    ['2100-02', '2100-02-01', '2100-02-28'],
    ['2000-02', '2000-02-01', '2000-02-29'],
    ['2026-04', '2026-04-01', '2026-04-30'],
    ['2026-12', '2026-12-01', '2026-12-31'],
  ])('the month %s is %s .. %s', (month, from, to) => {
    expect(monthPeriod(month)).toEqual({ from, to });
  });

  it.each(['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '', '９９９９-01'])('%j is no month', (m) => {
    expect(monthPeriod(m)).toBeNull();
  });

  it.each([
    [{ from: '2026-02-01', to: '2026-02-28' }, 1],
    [{ from: '2026-01-01', to: '2026-03-31' }, 3],
    [{ from: '2026-02-01', to: '2026-02-27' }, 0],
    [{ from: '2026-02-02', to: '2026-02-28' }, 0],
    [{ from: '2026-03-01', to: '2026-03-29' }, 0],
  ])('%j covers %i whole months', (p, n) => {
    expect(wholeMonths(p)).toBe(n);
  });
});

describe('the previous period', () => {
  it.each([
    ['a day: the day before', '2026-03-29', '2026-03-29', '2026-03-28', '2026-03-28'],
    ['7 days: the 7 before', '2026-03-23', '2026-03-29', '2026-03-16', '2026-03-22'],
    ['30 days over a month end', '2026-02-28', '2026-03-29', '2026-01-29', '2026-02-27'],
    ['a 30-day month: the 31 days of the month before', '2026-11-01', '2026-11-30', '2026-10-01', '2026-10-31'],
    ['a 31-day month: the 30 days of the month before', '2026-12-01', '2026-12-31', '2026-11-01', '2026-11-30'],
    ['March: February (28 days)', '2026-03-01', '2026-03-31', '2026-02-01', '2026-02-28'],
    ['March of a leap year: February (29 days)', '2028-03-01', '2028-03-31', '2028-02-01', '2028-02-29'],
    ['February: January', '2026-02-01', '2026-02-28', '2026-01-01', '2026-01-31'],
    ['January: December of the year before', '2026-01-01', '2026-01-31', '2025-12-01', '2025-12-31'],
    ['a quarter: the quarter before', '2026-01-01', '2026-03-31', '2025-10-01', '2025-12-31'],
    ['month to date: the same number of days before', '2026-03-01', '2026-03-10', '2026-02-19', '2026-02-28'],
    ['a week over the US DST change (days, not hours)', '2026-03-08', '2026-03-14', '2026-03-01', '2026-03-07'],
    ['366 days over a leap day: as many days before', '2028-01-15', '2029-01-14', '2027-01-14', '2028-01-14'],
  ])('%s: %s .. %s against %s .. %s', (_l, from, to, pf, pt) => {
    expect(previousPeriod({ from, to })).toEqual({ from: pf, to: pt });
  });

  it('always ends the day before the report and is as long, unless both are whole months', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: dayNumber('1971-06-01')!, max: dayNumber('2199-01-01')! }),
        fc.integer({ min: 0, max: 399 }),
        (start, len) => {
          const p = { from: dayOfNumber(start), to: dayOfNumber(start + len) };
          const prev = previousPeriod(p);
          expect(dayNumber(prev.to)).toBe(start - 1);
          const prevLen = dayNumber(prev.to)! - dayNumber(prev.from)!;
          if (wholeMonths(p) > 0) expect(wholeMonths(prev)).toBe(wholeMonths(p));
          else expect(prevLen).toBe(len);
        },
      ),
    );
  });

  it('refuses a comparison of hours, and a previous period before 1970 names the compare field', () => {
    const valid = (p: { from: string; to: string }) =>
      void validateReportQuery({ ...p, groupBy: ['day'], filters: {} });
    expect(() => checkComparison({ from: '2026-03-01', to: '2026-03-02' }, ['hour'], valid)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', fields: { compare: expect.stringMatching(/day or month/) } }),
    );
    expect(() => checkComparison({ from: '1970-01-01', to: '1970-01-31' }, ['day'], valid)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', fields: { compare: expect.stringMatching(/1970-01-01/) } }),
    );
    expect(codeOf(() => checkComparison({ from: '1970-01-05', to: '1970-01-10' }, [], valid))).toBe('INVALID_INPUT');
    expect(checkComparison({ from: '1970-01-05', to: '1970-01-06' }, ['day'], valid)).toEqual({
      from: '1970-01-03',
      to: '1970-01-04',
    });
  });
});

describe('lining up the previous period', () => {
  const nov = { from: '2026-11-01', to: '2026-11-30' };
  const oct = { from: '2026-10-01', to: '2026-10-31' };
  it.each([
    ['day', '2026-10-01', nov, oct, '2026-11-01'],
    ['day', '2026-10-30', nov, oct, '2026-11-30'],
    ['day', '2026-10-31', nov, oct, null],
    [
      'day',
      '2026-02-28',
      { from: '2026-03-01', to: '2026-03-31' },
      { from: '2026-02-01', to: '2026-02-28' },
      '2026-03-28',
    ],
    [
      'day',
      '2026-03-16',
      { from: '2026-03-23', to: '2026-03-29' },
      { from: '2026-03-16', to: '2026-03-22' },
      '2026-03-23',
    ],
    ['month', '2026-10', nov, oct, '2026-11'],
    ['month', '2025-10', { from: '2026-01-01', to: '2026-03-31' }, { from: '2025-10-01', to: '2025-12-31' }, '2026-01'],
    ['month', '2025-12', { from: '2026-01-01', to: '2026-03-31' }, { from: '2025-10-01', to: '2025-12-31' }, '2026-03'],
  ] as const)('the %s %s of the previous period lines up with %s', (dim, value, report, previous, aligned) => {
    expect(alignPrevious(dim, value, report, previous)).toBe(aligned);
  });
});

describe('the change of spend', () => {
  it.each([
    [150n, 100n, 50n, 50],
    [50n, 100n, -50n, -50],
    [100n, 100n, 0n, 0],
    [0n, 100n, -100n, -100],
    [2n, 3n, -1n, -33],
    [1n, 200n, -199n, -100], // -99.5 rounds away from zero
    [3n, 200n, -197n, -99], // -98.5 -> -99
    [201n, 200n, 1n, 1], // 0.5 -> 1
    [5n, 0n, 5n, null], // new: nothing before
    [0n, 0n, 0n, null],
    [9_000_000_000_000_000_000n, 1n, 8_999_999_999_999_999_999n, Number.MAX_SAFE_INTEGER], // capped: exact in JSON
  ])('%s against %s is %s micros, %s %', (cur, prev, micros, pct) => {
    expect(spendChange(cur, prev)).toEqual({ spendChangeMicros: micros, spendChangePercent: pct });
  });

  it('is the whole percentage nearest the exact change, whatever the figures', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (c, p) => {
        const r = spendChange(c, p);
        expect(Number.isSafeInteger(r.spendChangePercent)).toBe(true);
        expect(r.spendChangeMicros).toBe(c - p);
        // |pct - 100 (c - p) / p| <= 1/2, in integers
        const err = BigInt(r.spendChangePercent!) * p - (c - p) * 100n;
        expect(2n * (err < 0n ? -err : err)).toBeLessThanOrEqual(p);
      }),
    );
  });
});

describe('rows beside the previous period', () => {
  type Row = Figures & { day?: string; dsp: string };
  const row = (over: Partial<Row>): Row => ({
    dsp: 'dv360',
    currency: 'EUR',
    impressions: 10n,
    clicks: 1n,
    spendMicros: 1_000_000n,
    ...over,
  });
  const keyOf = (r: Row) => JSON.stringify([r.day ?? null, r.dsp, r.currency]);
  const report = { from: '2026-11-01', to: '2026-11-30' };
  const previous = { from: '2026-10-01', to: '2026-10-31' };
  const alignOf = (r: Row) => {
    if (r.day === undefined) return r;
    const day = alignPrevious('day', r.day, report, previous);
    return day === null ? null : { ...r, day };
  };
  const zeroOf = (r: Row): Row => ({ ...r, impressions: 0n, clicks: 0n, spendMicros: 0n });

  it('matches groups and currencies, adds the previous groups the report lacks, and leaves out what has no place', () => {
    const out = compareRows(
      [row({ day: '2026-11-01' }), row({ day: '2026-11-01', currency: 'USD' }), row({ day: '2026-11-02' })],
      [
        row({ day: '2026-10-01', spendMicros: 500_000n, impressions: 4n }),
        row({ day: '2026-10-03', spendMicros: 2_000_000n }),
        row({ day: '2026-10-31', spendMicros: 7_000_000n }),
      ],
      keyOf,
      alignOf,
      zeroOf,
    );
    expect(out).toEqual([
      expect.objectContaining({
        day: '2026-11-01',
        currency: 'EUR',
        previousImpressions: 4n,
        previousSpendMicros: 500_000n,
        spendChangeMicros: 500_000n,
        spendChangePercent: 100,
      }),
      expect.objectContaining({
        day: '2026-11-01',
        currency: 'USD',
        previousSpendMicros: 0n,
        spendChangePercent: null,
      }),
      expect.objectContaining({ day: '2026-11-02', previousSpendMicros: 0n, spendChangeMicros: 1_000_000n }),
      expect.objectContaining({
        day: '2026-11-03',
        spendMicros: 0n,
        previousSpendMicros: 2_000_000n,
        spendChangeMicros: -2_000_000n,
        spendChangePercent: -100,
      }),
    ]);
    // October 31st has no November day: only the totals count it
    expect(out.some((r) => r.previousSpendMicros === 7_000_000n)).toBe(false);
  });

  it('adds no rows of zero when the report is cut short (a group past the cut is not one without spend)', () => {
    const out = compareRows([row({ day: '2026-11-01' })], [row({ day: '2026-10-03' })], keyOf, alignOf, null);
    expect(out.map((r) => r.day)).toEqual(['2026-11-01']);
  });

  it('totals per currency of either period, in currency order', () => {
    const t = (currency: string, spendMicros: bigint) => ({ currency, impressions: 1n, clicks: 0n, spendMicros });
    expect(
      compareTotals([t('USD', 3n), t('EUR', 1n)], [t('GBP', 2n), t('EUR', 4n)], (c) => t(c, 0n)).map((x) => [
        x.currency,
        x.spendMicros,
        x.previousSpendMicros,
        x.spendChangePercent,
      ]),
    ).toEqual([
      ['EUR', 1n, 4n, -75],
      ['GBP', 0n, 2n, -100],
      ['USD', 3n, 0n, null],
    ]);
  });
});
