import { DomainError } from './errors';
import type { Level } from './levels';

/**
 * Spend reports (SPEC 7): who sees which rows, what a report query may ask, and the metrics, all without I/O.
 * The database applies the same table in SQL (packages/db/src/repos/reports.ts builds its predicate from
 * ROW_VISIBILITY); the tests hold both against a naive filter.
 */

export const AUCTION_TYPES = ['open_auction', 'private_auction', 'preferred_deal', 'programmatic_guaranteed'] as const;
export type AuctionType = (typeof AUCTION_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Row visibility (SPEC 7's table)

/** Which attributed accounts a level's report covers. */
export type AccountScope = 'self' | 'self_and_descendants';
/** Which of those rows: all of them, or only those on the viewer's own deals or on seats it linked itself. */
export type RowScope = 'all' | 'own_deals_or_own_seats';

/**
 * SPEC 7, "who sees which rows, for a report run on account A", one entry per line of the table:
 * - L1: everything attributed to A or any descendant: all DSPs, deals, private auctions, open auction (unified report)
 * - L2: everything attributed to A or its descendants, including open auction
 * - L3: rows attributed to A whose deal was created by A, plus every row on a seat that A linked itself; nothing
 *   else: no open-auction rows and no rows on ancestors' deals on seats assigned from above.
 * A standalone premium client is an L3 too: the seats it linked itself give it its full DSP reporting (SPEC 2.1).
 */
export const ROW_VISIBILITY = {
  1: { accounts: 'self_and_descendants', rows: 'all' },
  2: { accounts: 'self_and_descendants', rows: 'all' },
  3: { accounts: 'self', rows: 'own_deals_or_own_seats' },
} as const satisfies Record<Level, { accounts: AccountScope; rows: RowScope }>;

/** The account a report runs on. */
export interface ReportViewer {
  level: Level;
  /** A root account (a holding, or a standalone premium client): the rule is the same, listed for the table. */
  root: boolean;
}

/** The facts of one spend row, relative to the viewer account A. */
export interface RowFacts {
  /** The account the row is attributed to: A itself, one of A's descendants, or any other account. */
  account: 'self' | 'descendant' | 'other';
  /** The account that created the row's deal, relative to A; null for a row without a deal (open auction). */
  dealOwner: 'self' | 'other' | null;
  /** The account that linked the row's seat, relative to A. */
  seatLinker: 'self' | 'other';
  auctionType: AuctionType;
  /**
   * The row is a premium client's from before the start of its current connection, and the report reaches that
   * client from above (through its agency or holding): SPEC 2.2 hides it.
   */
  beforeCurrentConnection: boolean;
}

/** Whether a report run on A includes the row (SPEC 7, 2.2). */
export function rowVisible(viewer: ReportViewer, row: RowFacts): boolean {
  if (row.beforeCurrentConnection) return false;
  const rule: { accounts: AccountScope; rows: RowScope } = ROW_VISIBILITY[viewer.level];
  switch (rule.accounts) {
    case 'self':
      if (row.account !== 'self') return false;
      break;
    case 'self_and_descendants':
      if (row.account === 'other') return false;
      break;
    default:
      return unreachable(rule.accounts);
  }
  switch (rule.rows) {
    case 'all':
      return true;
    case 'own_deals_or_own_seats':
      return row.dealOwner === 'self' || row.seatLinker === 'self';
    default:
      return unreachable(rule.rows);
  }
}

/**
 * A shared report (SPEC 7): evaluated with the sharer's visibility (the report's account) restricted to the rows
 * attributed to the client it is shared with.
 */
export function sharedRowVisible(
  reportAccount: ReportViewer,
  row: RowFacts & { attributedToSharedClient: boolean },
): boolean {
  return row.attributedToSharedClient && rowVisible(reportAccount, row);
}

function unreachable(x: never): never {
  throw new Error(`unreachable: ${String(x)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The query model

/**
 * What a report groups by. `account` is rolled up per level: on a report run on A, a row's account is the account
 * directly below A on the path to the account the spend is attributed to (a holding's report lists its agencies, an
 * agency's its clients), or A itself for A's own spend. The `account` filter takes any account A may see and keeps
 * its whole subtree (a drill-down).
 */
export const REPORT_DIMENSIONS = [
  'hour',
  'day',
  'month',
  'account',
  'dsp',
  'seat',
  'deal',
  'auctionType',
  'campaign',
] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];
export const TIME_DIMENSIONS = ['hour', 'day', 'month'] as const satisfies readonly ReportDimension[];
/** Filters: on the same dimensions except time (the range is the time filter). */
export const FILTER_DIMENSIONS = [
  'account',
  'dsp',
  'seat',
  'deal',
  'auctionType',
  'campaign',
] as const satisfies readonly ReportDimension[];
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];
export type ReportFilters = Partial<Record<FilterDimension, readonly string[]>>;

export const RANGE_PRESETS = ['today', 'yesterday', 'last7', 'last30', 'thisMonth', 'lastMonth'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** At most this many days in one report; hourly rows over at most this many. */
export const MAX_REPORT_DAYS = 400;
export const MAX_HOURLY_DAYS = 92;
/** At most this many values in one filter. */
export const MAX_FILTER_VALUES = 200;

/** A report query as the API takes it: days in the account's time zone, both inclusive. */
export interface ReportQuery {
  from: string;
  to: string;
  groupBy: readonly ReportDimension[];
  filters: ReportFilters;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Days since 1970-01-01 of a valid YYYY-MM-DD, or null. */
export function dayNumber(day: string): number | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3]))
    return null;
  return t / 86_400_000;
}
export const dayOfNumber = (n: number): string => new Date(n * 86_400_000).toISOString().slice(0, 10);

/**
 * The days a report may cover (as credits.usage's): a range's end plus a day, in any zone, stays a time every layer
 * reads back (the last days of year 9999 do not: their next midnight is in year 10000).
 */
const FIRST_REPORT_DAY = dayNumber('1970-01-01')!;
const LAST_REPORT_DAY = dayNumber('2199-12-31')!;
const REPORT_DAYS_MESSAGE = 'must be between 1970-01-01 and 2199-12-31';

/** Checks a report query (SPEC 7); refuses with a message per field. */
export function validateReportQuery(q: ReportQuery): ReportQuery {
  const fields: Record<string, string> = {};
  const from = dayNumber(q.from);
  const to = dayNumber(q.to);
  if (from === null) fields.from = 'must be a day (YYYY-MM-DD)';
  else if (from < FIRST_REPORT_DAY || from > LAST_REPORT_DAY) fields.from = REPORT_DAYS_MESSAGE;
  if (to === null) fields.to = 'must be a day (YYYY-MM-DD)';
  else if (to < FIRST_REPORT_DAY || to > LAST_REPORT_DAY) fields.to = REPORT_DAYS_MESSAGE;
  if (!fields.from && !fields.to && from !== null && to !== null) {
    if (to < from) fields.to = 'must not be before from';
    else if (to - from + 1 > MAX_REPORT_DAYS) fields.to = `a report spans at most ${MAX_REPORT_DAYS} days`;
    else if (q.groupBy.includes('hour') && to - from + 1 > MAX_HOURLY_DAYS)
      fields.to = `an hourly report spans at most ${MAX_HOURLY_DAYS} days`;
  }
  if (new Set(q.groupBy).size !== q.groupBy.length) fields.groupBy = 'names a dimension twice';
  for (const g of q.groupBy)
    if (!(REPORT_DIMENSIONS as readonly string[]).includes(g)) fields.groupBy = `unknown dimension ${g}`;
  for (const [k, v] of Object.entries(q.filters)) {
    if (!(FILTER_DIMENSIONS as readonly string[]).includes(k)) fields[`filters.${k}`] = 'unknown filter';
    else if (!v || v.length === 0) fields[`filters.${k}`] = 'names no value';
    else if (v.length > MAX_FILTER_VALUES) fields[`filters.${k}`] = `at most ${MAX_FILTER_VALUES} values`;
    else if (k === 'auctionType' && v.some((x) => !(AUCTION_TYPES as readonly string[]).includes(x)))
      fields[`filters.${k}`] = 'unknown auction type';
  }
  if (Object.keys(fields).length) throw new DomainError('INVALID_INPUT', 'The report query is not valid.', fields);
  return q;
}

/** The days a preset covers, given today's day in the account's time zone (both inclusive). */
export function presetRange(preset: RangePreset, today: string): { from: string; to: string } {
  const t = dayNumber(today);
  if (t === null) throw new RangeError(`not a day: ${today}`);
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: dayOfNumber(t - 1), to: dayOfNumber(t - 1) };
    case 'last7':
      return { from: dayOfNumber(t - 6), to: today };
    case 'last30':
      return { from: dayOfNumber(t - 29), to: today };
    case 'thisMonth':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case 'lastMonth': {
      // the calendar month before today's: the day before this month's first, and that day's month's first
      const last = dayOfNumber(dayNumber(`${today.slice(0, 8)}01`)! - 1);
      return { from: `${last.slice(0, 8)}01`, to: last };
    }
    default:
      return unreachable(preset);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics: integers only for money (micros); CTR a ratio rounded to 6 decimals.

/** a / b rounded half up, for non-negative integers. */
export function roundDiv(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

export interface Metrics {
  /** clicks / impressions, 6 decimals; null without impressions. */
  ctr: number | null;
  /** spend per thousand impressions in micros, rounded half up; null without impressions. */
  ecpmMicros: bigint | null;
}

export function metrics(impressions: bigint, clicks: bigint, spendMicros: bigint): Metrics {
  if (impressions <= 0n) return { ctr: null, ecpmMicros: null };
  return {
    ctr: Number(roundDiv(clicks * 1_000_000n, impressions)) / 1_000_000,
    ecpmMicros: roundDiv(spendMicros * 1000n, impressions),
  };
}

export interface Sums {
  currency: string;
  impressions: bigint;
  clicks: bigint;
  spendMicros: bigint;
}

/** Totals split by currency (spend is never summed across currencies), in currency order. */
export function totalsByCurrency(rows: Iterable<Sums>): (Sums & Metrics)[] {
  const by = new Map<string, Sums>();
  for (const r of rows) {
    const t = by.get(r.currency) ?? { currency: r.currency, impressions: 0n, clicks: 0n, spendMicros: 0n };
    t.impressions += r.impressions;
    t.clicks += r.clicks;
    t.spendMicros += r.spendMicros;
    by.set(r.currency, t);
  }
  return [...by.values()]
    .sort((a, b) => (a.currency < b.currency ? -1 : 1))
    .map((t) => ({ ...t, ...metrics(t.impressions, t.clicks, t.spendMicros) }));
}

/** Micros as a decimal amount of currency units ("1234.5", "0.000001"), exact, at least two decimals. */
export function microsToDecimal(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const units = abs / 1_000_000n;
  let frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${units}.${frac}`;
}

/**
 * Whether a saved report's filters can return rows of a client, so that sharing it with that client can show anything
 * (the shared report is restricted to the client's own rows): an account filter must name the client or an account
 * above it; a campaign filter must name one of the client's campaigns. `clientPath` is the client's path from its root
 * (itself last); `campaignClients` the clients of the filtered campaigns.
 */
export function filtersCanReturnClient(
  filters: ReportFilters,
  clientPath: readonly string[],
  campaignClients: readonly string[],
): boolean {
  const clientId = clientPath.at(-1);
  if (filters.account?.length && !filters.account.some((id) => clientPath.includes(id))) return false;
  if (filters.campaign?.length && !campaignClients.some((id) => id === clientId)) return false;
  return true;
}
