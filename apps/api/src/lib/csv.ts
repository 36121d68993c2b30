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

/** A number we produced ourselves (digits, a sign, a point): written as is. */
export function numberCell(v: string | number | bigint | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  if (!/^-?\d+(\.\d+)?(e-?\d+)?$/.test(s)) throw new RangeError(`not a number cell: ${s}`);
  return s;
}

export const csvLine = (cells: readonly string[]): string => `${cells.join(',')}\r\n`;
