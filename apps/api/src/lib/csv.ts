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
 * (the `'` before a formula start; an empty text is written like NULL, unquoted), `decimalSql` is `microsToDecimal`
 * of a whole number of micros (at least two decimals, no trailing zeros beyond), `ratioSql` is the CTR `metrics` gives
 * (`a / b` rounded half up to 6 decimals, written as JavaScript writes that number), null without impressions.
 */
export const textCellSql = (v: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`nullif(case when left(${v}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${v} else ${v} end, '')`;
/** Currency units of a whole number of micros (numeric), without trailing zeros: `decimalOfUnitsSql` writes it. */
export const unitsSql = (micros: RawBuilder<unknown>): RawBuilder<unknown> => sql`trim_scale(${micros} * 0.000001)`;
export const decimalOfUnitsSql = (units: RawBuilder<unknown>): RawBuilder<string | null> => sql`round(${units}, greatest(scale(${units}), 2))::text`;
export const decimalSql = (micros: RawBuilder<unknown>): RawBuilder<string | null> => decimalOfUnitsSql(unitsSql(micros));
/** round(a / b) half up for non-negative integers (domain `roundDiv`), null when b is not positive. */
export const roundDivSql = (a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<unknown> => sql`(case when ${b} > 0 then div(2 * ${a} + ${b}, 2 * ${b}) end)`;
export const ratioSql = (clicks: RawBuilder<unknown>, impressions: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`trim_scale(${roundDivSql(sql`${clicks} * 1000000`, impressions)} * 0.000001)::text`;

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
