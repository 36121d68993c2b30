import { sql, type RawBuilder } from 'kysely';

/**
 * CSV cells (RFC 4180) that are safe to open in a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is prefixed with `'` so it is never read as a formula (OWASP "CSV injection"); a cell with a comma,
 * quote or line break is quoted, its quotes doubled. Lines end with CRLF.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell (names, ids): escaped against formulas, quoted when needed. */
export function textCell(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  const safe = FORMULA_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The same cells computed by PostgreSQL, for exports written by `COPY ... TO STDOUT WITH (FORMAT csv)` (which quotes a
 * cell with a comma, quote, CR or LF as RFC 4180 does and writes NULL as an empty cell): `textCellSql` is `textCell`
 * (the `'` before a formula start; an empty text is written like NULL, unquoted), `moneyCellSql` is `microsToDecimal`
 * of a whole number of micros (at least two decimals, no trailing zeros beyond), `ratioSql` is the CTR `metrics` gives
 * (`a / b` rounded half up to 6 decimals, written as JavaScript writes that number), null without impressions.
 */
export const textCellSql = (v: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`nullif(case when left(${v}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${v} else ${v} end, '')`;
/** round(a / b) half up for non-negative integers (domain `roundDiv`), null when b is not positive. */
export const roundDivSql = (a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<unknown> => sql`(case when ${b} > 0 then div(2 * ${a} + ${b}, 2 * ${b}) end)`;
export const ratioSql = (clicks: RawBuilder<unknown>, impressions: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`trim_scale(${roundDivSql(sql`${clicks} * 1000000`, impressions)} * 0.000001)::text`;

/**
 * The export's number cells, each as `microsToDecimal` / `metrics` write it, cheaply: to_char writes money (the value
 * has at most 6 decimals, so nothing rounds), and CTR and eCPM are computed in bigint arithmetic (an order cheaper than
 * numeric's `div`) from the sums parsed as bigint (`smallSumsSql`: only when they are small enough that no product
 * can overflow, fewer than 16 digits of impressions and micros and 13 of clicks), in numeric otherwise.
 */
const MONEY_FORMAT = 'FM99999999999999999999999990.009999';
export const moneyCellSql = (micros: RawBuilder<unknown>): RawBuilder<string | null> => sql`to_char(${micros} * 0.000001, ${sql.lit(MONEY_FORMAT)})`;
/** Whether the sums (decimal text) fit the bigint paths of `ctrCellSql` and `ecpmCellSql`. */
export const smallSumsSql = (impressions: RawBuilder<unknown>, clicks: RawBuilder<unknown>, micros: RawBuilder<unknown>): RawBuilder<boolean> =>
  sql`(octet_length(${impressions}) <= 15 and octet_length(${clicks}) <= 12 and octet_length(${micros}) <= 15)`;
/** The sums as bigint (`i`, `c`, `s`; null unless small) and as numeric (`n_i`, `n_c`, `n_s`), of a row `r` of text sums. */
export const parsedSumsSql = (r: string): RawBuilder<unknown> => {
  const [i, c, s] = ['impressions', 'clicks', 'spend_micros'].map((col) => sql.ref(`${r}.${col}`));
  return sql`case when ${smallSumsSql(i!, c!, s!)} then ${i}::int8 end as i8, case when ${smallSumsSql(i!, c!, s!)} then ${c}::int8 end as c8,
    case when ${smallSumsSql(i!, c!, s!)} then ${s}::int8 end as s8`;
};
/** CTR from bigint sums (`i8`/`c8`, null when not small) or else numeric ones. */
export const ctrCellSql = (c8: RawBuilder<unknown>, i8: RawBuilder<unknown>, c: RawBuilder<unknown>, i: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`(case when ${i8} is null then ${ratioSql(c, i)} when ${i8} > 0 then trim_scale(((2000000 * ${c8} + ${i8}) / (2 * ${i8})) * 0.000001)::text end)`;
/** eCPM in currency units, from bigint sums (`s8`/`i8`, null when not small) or else numeric ones. */
export const ecpmCellSql = (s8: RawBuilder<unknown>, i8: RawBuilder<unknown>, s: RawBuilder<unknown>, i: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`(case when ${i8} is null then ${moneyCellSql(roundDivSql(sql`${s} * 1000`, i))} when ${i8} > 0 then ${moneyCellSql(sql`((2000 * ${s8} + ${i8}) / (2 * ${i8}))`)} end)`;

/**
 * `COPY ... (FORMAT csv)` ends lines with LF; RFC 4180 wants CRLF. Rewrites every LF outside a quoted cell (a quoted
 * cell keeps its own line breaks) as CRLF, across chunk boundaries: doubled quotes inside a cell toggle twice, so
 * counting quotes is enough to know where a cell ends.
 */
export function crlfRecords(): (chunk: Buffer) => Buffer {
  let quoted = false;
  return (chunk) => {
    // Buffer#indexOf (native) finds the next quote and line feed; quotes are rare, so each is looked up once
    const positions: number[] = [];
    let quote = chunk.indexOf(0x22);
    let i = 0;
    while (i < chunk.length) {
      if (quoted) {
        if (quote < 0) break;
        quoted = false;
        i = quote + 1;
        quote = chunk.indexOf(0x22, i);
        continue;
      }
      const lf = chunk.indexOf(0x0a, i);
      if (quote >= 0 && (lf < 0 || quote < lf)) {
        quoted = true;
        i = quote + 1;
        quote = chunk.indexOf(0x22, i);
        continue;
      }
      if (lf < 0) break;
      positions.push(lf);
      i = lf + 1;
    }
    if (positions.length === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + positions.length);
    let from = 0;
    let to = 0;
    for (const p of positions) {
      to += chunk.copy(out, to, from, p);
      out[to++] = 0x0d;
      out[to++] = 0x0a;
      from = p + 1;
    }
    chunk.copy(out, to, from);
    return out;
  };
}
