import { sql, type RawBuilder } from 'kysely';
import { metrics, microsToDecimal } from '@trellis/domain';

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
 * The same text cell computed by PostgreSQL, for exports written by `COPY ... TO STDOUT WITH (FORMAT csv)` (which
 * quotes a cell with a comma, quote, CR or LF as RFC 4180 does and writes NULL as an empty cell): the `'` before a
 * formula start; an empty text is written like NULL, unquoted.
 */
export const textCellSql = (v: RawBuilder<unknown>): RawBuilder<string | null> =>
  sql`nullif(case when left(${v}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${v} else ${v} end, '')`;

/**
 * The export's number cells from a record's sums (decimal text of whole numbers): impressions, clicks, spend in
 * currency units (`microsToDecimal`), CTR and eCPM (`metrics`), exactly as the domain writes them. Small sums take
 * float arithmetic that is exact at their size (every operand below 2^53), the rest the domain's own bigint
 * functions. Written by the api rather than PostgreSQL: numeric formatting was a third of the export statement's
 * time, while the api's core waited.
 */
export function numberCells(impressions: string, clicks: string, spend: string): string {
  if (
    impressions.length > 15 ||
    clicks.length > 9 ||
    spend.length > 12 ||
    !(DIGITS.test(impressions) && DIGITS.test(clicks) && DIGITS.test(spend))
  ) {
    const m = metrics(BigInt(impressions), BigInt(clicks), BigInt(spend));
    const ecpm = m.ecpmMicros === null ? '' : microsToDecimal(m.ecpmMicros);
    return `${impressions},${clicks},${microsToDecimal(BigInt(spend))},${m.ctr ?? ''},${ecpm}`;
  }
  const i = Number(impressions);
  if (i === 0) return `${impressions},${clicks},${decimalOfMicros(spend)},,`;
  // roundDiv(a, b) = floor((2a + b) / 2b); here clicks < 10^9, spend < 10^12 and impressions < 10^15 keep a and b
  // whole numbers below 2^53, where the float quotient's floor is exact (a quotient within 1/b of the whole number k
  // above it would need k * b > 2^53 to round up to k)
  const ctr = Math.floor((2_000_000 * Number(clicks) + i) / (2 * i)) / 1_000_000;
  const ecpm = Math.floor((2000 * Number(spend) + i) / (2 * i));
  return `${impressions},${clicks},${decimalOfMicros(spend)},${ctr},${decimalOfMicros(String(ecpm))}`;
}
const DIGITS = /^[0-9]+$/;

/** `microsToDecimal` of a whole number of micros in digits: at least two decimals, no trailing zeros beyond. */
function decimalOfMicros(digits: string): string {
  const units = digits.length > 6 ? digits.slice(0, -6) : '0';
  const frac = digits.length > 6 ? digits.slice(-6) : digits.padStart(6, '0');
  let end = 6;
  while (end > 2 && frac.charCodeAt(end - 1) === 48) end--;
  return `${units}.${end < 6 ? frac.slice(0, end) : frac}`;
}

/**
 * The export's records, from `COPY ... (FORMAT csv, HEADER true)` of rows whose last three columns are the sums
 * (impressions, clicks, spend in micros): each record gets its number cells (`numberCells`) and ends with CRLF, as
 * RFC 4180 wants (COPY ends lines with LF; a quoted cell keeps its own line breaks); the header gains `ctr,ecpm`.
 * Stateful across chunks: a record cut by a chunk's end waits for the next chunk; `rest()` is what is left (nothing
 * after a complete COPY).
 */
export function csvRecords(): { push: (chunk: Buffer) => Buffer; rest: () => Buffer } {
  let carry: Buffer | null = null;
  let header = true;
  const push = (chunk: Buffer): Buffer => {
    const data: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const prefixes: Buffer[] = [];
    const tails: string[] = [];
    let size = 0;
    let start = 0;
    let i = 0;
    let quote = data.indexOf(0x22);
    // a record ends at an LF outside quotes (a record starts outside them; a doubled quote closes and reopens)
    for (;;) {
      const lf = data.indexOf(0x0a, i);
      if (lf < 0) break;
      if (quote >= 0 && quote < lf) {
        const close = data.indexOf(0x22, quote + 1);
        if (close < 0) break;
        i = close + 1;
        quote = data.indexOf(0x22, i);
        continue;
      }
      let prefixEnd: number;
      let tail: string;
      if (header) {
        header = false;
        prefixEnd = lf;
        tail = ',ctr,ecpm\r\n';
      } else {
        // the sums are digits: the record's last three commas are theirs
        const c3 = data.lastIndexOf(0x2c, lf - 1);
        const c2 = c3 > start ? data.lastIndexOf(0x2c, c3 - 1) : -1;
        const c1 = c2 > start ? data.lastIndexOf(0x2c, c2 - 1) : -1;
        if (c1 < start) throw new Error('export: a record without its three sums');
        prefixEnd = c1 + 1;
        const field = (from: number, to: number) => data.toString('latin1', from + 1, to);
        tail = `${numberCells(field(c1, c2), field(c2, c3), field(c3, lf))}\r\n`;
      }
      prefixes.push(data.subarray(start, prefixEnd));
      tails.push(tail);
      size += prefixEnd - start + tail.length;
      start = i = lf + 1;
    }
    carry = start < data.length ? Buffer.from(data.subarray(start)) : null;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let k = 0; k < prefixes.length; k++) {
      at += prefixes[k]!.copy(out, at);
      at += out.write(tails[k]!, at, 'latin1');
    }
    return out;
  };
  return {
    push,
    rest: () => {
      const r = carry ?? Buffer.alloc(0);
      carry = null;
      return r;
    },
  };
}
