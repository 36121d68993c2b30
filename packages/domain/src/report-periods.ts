import { DomainError } from './errors';
import { dayNumber, dayOfNumber, type ReportDimension } from './reports';

/**
 * Report periods (SPEC 7): the day an instant falls on in an account's time zone, calendar months, and the period a
 * report is compared with. Days are the account's days (YYYY-MM-DD, both ends inclusive); turning them into instants
 * (where a day of a DST change lasts 23 or 25 hours) is the database's job, with the same zone.
 */

export interface Period {
  from: string;
  to: string;
}

/** What a report may be compared with: the period of the same length just before it. */
export const COMPARISONS = ['previous_period'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** The day (YYYY-MM-DD) an instant falls on in an IANA time zone. */
export function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

const MONTH = /^(\d{4})-(\d{2})$/;

/** The days of a calendar month ('YYYY-MM'), or null when it is not one. */
export function monthPeriod(month: string): Period | null {
  const m = MONTH.exec(month);
  if (!m || dayNumber(`${month}-01`) === null) return null;
  const next = Number(m[2]) === 12 ? `${Number(m[1]) + 1}-01` : `${m[1]}-${String(Number(m[2]) + 1).padStart(2, '0')}`;
  const nextFirst = dayNumber(`${next.padStart(7, '0')}-01`);
  if (nextFirst === null) return null;
  return { from: `${month}-01`, to: dayOfNumber(nextFirst - 1) };
}

/** The number of whole calendar months a period covers exactly (from a month's first to a month's last day), or 0. */
export function wholeMonths(p: Period): number {
  if (!p.from.endsWith('-01')) return 0;
  const end = monthPeriod(p.to.slice(0, 7));
  if (!end || end.to !== p.to) return 0;
  const months =
    (Number(p.to.slice(0, 4)) - Number(p.from.slice(0, 4))) * 12 +
    Number(p.to.slice(5, 7)) -
    Number(p.from.slice(5, 7));
  return months >= 0 ? months + 1 : 0;
}

/** A 'YYYY-MM' month moved by whole months. */
export function shiftMonth(month: string, months: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The period a report is compared with: the same length immediately before it; for whole calendar months, the same
 * number of calendar months before (October for November, 31 days for 30; Oct–Dec for Jan–Mar). It always ends the
 * day before the report starts.
 */
export function previousPeriod(p: Period): Period {
  const from = dayNumber(p.from);
  const to = dayNumber(p.to);
  if (from === null || to === null || to < from) throw new RangeError(`not a period: ${p.from} .. ${p.to}`);
  const months = wholeMonths(p);
  if (months > 0) return { from: `${shiftMonth(p.from.slice(0, 7), -months)}-01`, to: dayOfNumber(from - 1) };
  return { from: dayOfNumber(from - (to - from + 1)), to: dayOfNumber(from - 1) };
}

/**
 * Where a previous period's time bucket lines up in the report: the n-th day of the previous period with the report's
 * n-th day (for calendar months: the same day of the month), the n-th month with the n-th month. Null when it falls
 * past the report's end (October 31st against November). Hours are not compared (a DST change makes the n-th hour of
 * two days different hours of the clock): `checkComparison` refuses them.
 */
export function alignPrevious(dim: 'day' | 'month', value: string, report: Period, previous: Period): string | null {
  if (dim === 'day') {
    const d = dayNumber(value);
    if (d === null) return null;
    const aligned = dayOfNumber(d - dayNumber(previous.from)! + dayNumber(report.from)!);
    return aligned <= report.to ? aligned : null;
  }
  const months =
    (Number(report.from.slice(0, 4)) - Number(previous.from.slice(0, 4))) * 12 +
    Number(report.from.slice(5, 7)) -
    Number(previous.from.slice(5, 7));
  const aligned = shiftMonth(value, months);
  return aligned <= report.to.slice(0, 7) ? aligned : null;
}

/**
 * Checks that a report can be compared (a comparison of hours is refused: see `alignPrevious`) and returns the period
 * it is compared with, which must itself be a period a report may cover (`valid`: the report query's own check).
 */
export function checkComparison(
  p: Period,
  groupBy: readonly ReportDimension[],
  valid: (previous: Period) => void,
): Period {
  if (groupBy.includes('hour'))
    throw new DomainError('INVALID_INPUT', 'A comparison with the previous period groups by day or month, not hour.', {
      compare: 'group by day or month to compare with the previous period',
    });
  const previous = previousPeriod(p);
  try {
    valid(previous);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    throw new DomainError(
      'INVALID_INPUT',
      `The previous period (${previous.from} – ${previous.to}) is not one a report may cover.`,
      { compare: Object.values(e.fields ?? {}).join('; ') || e.message },
    );
  }
  return previous;
}

/** The largest percentage a change reports: a whole number JSON carries exactly (a rise from 1 micro can be larger). */
export const MAX_CHANGE_PERCENT = Number.MAX_SAFE_INTEGER;

/**
 * The change of spend against the previous period: micros, and a whole percentage rounded half away from zero (null:
 * nothing before, "new"; at most `MAX_CHANGE_PERCENT`).
 */
export function spendChange(
  spendMicros: bigint,
  previousSpendMicros: bigint,
): { spendChangeMicros: bigint; spendChangePercent: number | null } {
  const change = spendMicros - previousSpendMicros;
  if (previousSpendMicros === 0n) return { spendChangeMicros: change, spendChangePercent: null };
  // rounded half away from zero, in integers (spend is never negative; the sign is the change's)
  const abs = change < 0n ? -change : change;
  const rounded = (abs * 200n + previousSpendMicros) / (2n * previousSpendMicros);
  const pct = rounded > BigInt(MAX_CHANGE_PERCENT) ? BigInt(MAX_CHANGE_PERCENT) : rounded;
  return { spendChangeMicros: change, spendChangePercent: Number(change < 0n ? -pct : pct) };
}

export interface Figures {
  currency: string;
  impressions: bigint;
  clicks: bigint;
  spendMicros: bigint;
}

export interface Compared {
  previousImpressions: bigint;
  previousClicks: bigint;
  previousSpendMicros: bigint;
  spendChangeMicros: bigint;
  spendChangePercent: number | null;
}

const compared = (cur: Figures | null, prev: Figures | null): Compared => ({
  previousImpressions: prev?.impressions ?? 0n,
  previousClicks: prev?.clicks ?? 0n,
  previousSpendMicros: prev?.spendMicros ?? 0n,
  ...spendChange(cur?.spendMicros ?? 0n, prev?.spendMicros ?? 0n),
});

/**
 * A report's rows beside the previous period's: each row with the figures of the previous row of the same group
 * (`keyOf`: its grouping values and currency; a previous row's time value lined up first by `alignOf`, null when it
 * has no place in the report), then the previous period's groups the report has no row for, as rows of zero (`zeroOf`
 * builds one from the previous row, its time value lined up; null when the report's rows are cut short, so a group
 * past the cut is never shown as one with nothing now). Every previous row is used at most once.
 */
export function compareRows<R extends Figures>(
  rows: readonly R[],
  previous: readonly R[],
  keyOf: (r: R) => string,
  alignOf: (r: R) => R | null,
  zeroOf: ((aligned: R) => R) | null,
): (R & Compared)[] {
  const prev = new Map<string, R>();
  for (const p of previous) {
    const aligned = alignOf(p);
    if (aligned) prev.set(keyOf(aligned), p);
  }
  const out: (R & Compared)[] = [];
  for (const r of rows) {
    const k = keyOf(r);
    out.push({ ...r, ...compared(r, prev.get(k) ?? null) });
    prev.delete(k);
  }
  if (zeroOf) for (const p of prev.values()) out.push({ ...zeroOf(alignOf(p)!), ...compared(null, p) });
  return out;
}

/** Totals per currency beside the previous period's (a currency of either period), in currency order. */
export function compareTotals<T extends Figures>(
  totals: readonly T[],
  previous: readonly T[],
  zeroOf: (currency: string) => T,
): (T & Compared)[] {
  const rows = compareRows(
    totals,
    previous,
    (t) => t.currency,
    (t) => t,
    (t) => zeroOf(t.currency),
  );
  return rows.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}
