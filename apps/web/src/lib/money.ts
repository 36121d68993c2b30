/**
 * Money in the browser is integer micros carried as strings (SPEC: never a float). Parsing is locale-aware and
 * refuses what it cannot read for sure; formatting goes through Intl.NumberFormat with the account's currency.
 */

const MAX_MICROS = 9_223_372_036_854_775_807n; // PostgreSQL bigint

export type MoneyParse = { ok: true; micros: string } | { ok: false; error: string };

/** The grouping and decimal characters of a locale ("en-US" -> [",", "."], "de-DE" -> [".", ","]). */
export function separators(locale?: string): { group: string; decimal: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
  const group = parts.find((p) => p.type === 'group')?.value ?? ',';
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  // Some locales group with a (narrow) no-break space: accept a plain space for it.
  return { group: /\s/.test(group) ? ' ' : group, decimal };
}

const NON_NEGATIVE = 'a non-negative amount with at most 6 decimals';

/**
 * "1,000" (en) -> one thousand; "1.000,50" -> 1000.50 whatever the locale; "2.5" -> 2.5; "12,75" -> 12.75 (a comma
 * that cannot be grouping is a decimal comma). A lone separator followed by exactly three digits that is the
 * locale's decimal mark ("1,000" in German) is refused as ambiguous, with a hint. Exponents, signs other than the
 * allowed minus, more than 6 decimals and amounts beyond a bigint of micros are refused.
 */
export function parseMoney(raw: string, opts: { locale?: string; allowNegative?: boolean } = {}): MoneyParse {
  let s = raw.trim().replace(/[\u00a0\u202f]/g, ' ');
  if (s === '') return { ok: false, error: 'required' };
  let negative = false;
  if (s.startsWith('-')) {
    if (!opts.allowNegative) return { ok: false, error: NON_NEGATIVE };
    negative = true;
    s = s.slice(1).trim();
  }
  if (/[eE]/.test(s)) return { ok: false, error: 'write the amount in digits, e.g. 1000 (no exponent)' };
  if (!/^[\d.,' ]+$/.test(s) || !/\d/.test(s))
    return { ok: false, error: opts.allowNegative ? 'an amount with at most 6 decimals' : NON_NEGATIVE };
  const { group, decimal } = separators(opts.locale);
  const marks = [...s.matchAll(/[.,' ]/g)].map((m) => ({ ch: m[0], at: m.index }));
  let intPart = s;
  let fracPart = '';
  if (marks.length > 0) {
    const last = marks[marks.length - 1]!;
    const kinds = new Set(marks.map((m) => m.ch));
    let decimalAt: number | null;
    if (kinds.size > 1) {
      // Two kinds of mark: the last one is the decimal mark, the others group ("1.000,50", "1,000.50").
      decimalAt = last.at;
      if (marks.slice(0, -1).some((m) => m.ch === last.ch))
        return { ok: false, error: `cannot read "${raw.trim()}": use one decimal mark` };
    } else if (marks.length > 1) {
      // The same mark several times can only be grouping ("1,000,000").
      if (last.ch !== ' ' && last.ch !== "'" && last.ch !== ',' && last.ch !== '.')
        return { ok: false, error: NON_NEGATIVE };
      decimalAt = null;
    } else {
      const after = s.length - last.at - 1;
      if (last.ch === ' ' || last.ch === "'") decimalAt = null;
      else if (after !== 3)
        decimalAt = last.at; // "2.5", "12,75", "0.000001": cannot be grouping
      else if (last.ch === group)
        decimalAt = null; // "1,000" in English: one thousand
      else if (last.ch === decimal && group !== '.' && group !== ',')
        decimalAt = last.at; // e.g. a space-grouping locale
      else {
        const n = s.slice(0, last.at);
        // the decimal reading written so it cannot be grouping: trailing zeros dropped, or one added ("12.3450")
        const frac = s.slice(last.at + 1).replace(/0+$/, '') || '0';
        return {
          ok: false,
          error:
            `"${raw.trim()}" is ambiguous: write ${n}${s.slice(last.at + 1)} for the thousands, ` +
            `or ${n}${decimal}${frac.length === 3 ? `${frac}0` : frac} for the decimal`,
        };
      }
    }
    intPart = decimalAt === null ? s : s.slice(0, decimalAt);
    fracPart = decimalAt === null ? '' : s.slice(decimalAt + 1);
    // Grouping must be in threes after the first group.
    const groups = intPart.split(/[.,' ]/);
    if (
      groups.length > 1 &&
      (groups[0]!.length === 0 || groups[0]!.length > 3 || groups.slice(1).some((g) => g.length !== 3))
    ) {
      return { ok: false, error: `cannot read "${raw.trim()}": group thousands in threes, or leave them out` };
    }
    intPart = groups.join('');
    if (!/^\d*$/.test(fracPart)) return { ok: false, error: `cannot read "${raw.trim()}"` };
  }
  if (intPart === '') intPart = '0';
  if (fracPart.length > 6) return { ok: false, error: 'at most 6 decimals' };
  const micros = BigInt(intPart) * 1_000_000n + BigInt((fracPart || '0').padEnd(6, '0'));
  if (micros > MAX_MICROS) return { ok: false, error: 'this amount is too large' };
  return { ok: true, micros: (negative && micros !== 0n ? -micros : micros).toString() };
}

/** "2.5" -> "2500000", or null: kept for callers that only need yes/no. */
export function unitsToMicros(input: string): string | null {
  const r = parseMoney(input);
  return r.ok ? r.micros : null;
}

/** "2500000" micros -> "2.5" as an exact decimal string (for Intl and for form defaults). */
export function microsToDecimal(micros: string): string {
  const neg = micros.startsWith('-');
  const digits = (neg ? micros.slice(1) : micros).padStart(7, '0');
  const whole = digits.slice(0, -6).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(-6).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** "2500000" micros -> "2.50" units (at least two decimals), kept for plain displays. */
export function microsToUnits(micros: string): string {
  const d = microsToDecimal(micros);
  const [w, f = ''] = d.split('.');
  return `${w}.${f.padEnd(2, '0')}`;
}

const formatters = new Map<string, Intl.NumberFormat>();
/** Micros in a currency, e.g. formatMoney("50000000000", "EUR") -> "€50,000.00" (in the user's locale). */
export function formatMoney(micros: string | number | bigint, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: 2,
        maximumFractionDigits: 6,
      });
    } catch {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 6 });
    }
    formatters.set(key, f);
  }
  // A decimal string keeps every digit (Intl formats strings exactly); never through a float.
  return f.format(microsToDecimal(String(micros)) as unknown as number);
}

/**
 * Micros rounded to the cent (half away from zero) and formatted: what the screens show ("€2,765.67" reads better
 * than "€2,765.666895"), with `formatMoney`'s every digit in a tooltip (components/money.tsx). The API and the CSV
 * export keep every digit.
 */
export function formatCents(micros: string | number | bigint, currency: string, locale?: string): string {
  const m = BigInt(micros);
  const abs = m < 0n ? -m : m;
  const cents = ((abs + 5_000n) / 10_000n) * 10_000n;
  return formatMoney(m < 0n ? -cents : cents, currency, locale);
}

/** ISO 4217 currencies the pickers offer (Intl knows them all; a short list of common ones first). */
export function currencies(): string[] {
  const common = ['EUR', 'USD', 'GBP', 'DKK', 'SEK', 'NOK', 'CHF', 'PLN', 'JPY', 'AUD', 'CAD'];
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : common;
  return [...common, ...all.filter((c) => !common.includes(c))];
}

const percentFormats = new Map<string, Intl.NumberFormat>();
const changePercent = (locale?: string) => {
  let f = percentFormats.get(locale ?? '');
  if (!f)
    percentFormats.set(
      locale ?? '',
      (f = new Intl.NumberFormat(locale, { style: 'percent', signDisplay: 'exceptZero' })),
    );
  return f;
};
/**
 * A change of an amount against an earlier one, rounded to the cent with its sign, and its whole percentage ("+€2.00
 * (+50%)", "−€4.00 (−100%)"); a percentage of null (nothing before) reads "new" when there is spend now.
 */
export function formatChange(micros: string | bigint, percent: number | null, currency: string, locale?: string) {
  const m = BigInt(micros);
  const amount = `${m > 0n ? '+' : ''}${formatCents(m, currency, locale)}`;
  const pct = percent === null ? (m > 0n ? 'new' : null) : changePercent(locale).format(percent / 100);
  return pct === null ? amount : `${amount} (${pct})`;
}
