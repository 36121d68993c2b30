/**
 * Counts, rates and chart axes as the screens show them, in the user's locale (STYLE: formatted in one place). Money
 * itself is in money.ts; these are the figures beside it.
 */

const formats = new Map<string, Intl.NumberFormat>();
function nf(locale: string | undefined, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, opts);
    } catch {
      // an unknown currency code: the number without its symbol
      f = new Intl.NumberFormat(locale, { ...opts, style: 'decimal', currency: undefined });
    }
    formats.set(key, f);
  }
  return f;
}

/** A count with the locale's thousands separators: 14000 -> "14,000" (en), "14.000" (de). */
export const formatCount = (n: number | bigint, locale?: string) => nf(locale, { maximumFractionDigits: 0 }).format(n);

/** A click-through rate (a fraction) as a percent with exactly two decimals everywhere: 0.01 -> "1.00%"; none "—". */
export const formatCtr = (ctr: number | null, locale?: string) =>
  ctr === null ? '—' : nf(locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(ctr);

/** The number of decimals a step needs to be written exactly (0.05 -> 2, 0.2 -> 1, 5 -> 0). */
function decimalsOf(step: number): number {
  for (let d = 0; d <= 6; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return 6;
}

/**
 * Ticks of a chart axis from 0 to at least `max`: about `count` of them, a step of 1, 2 or 5 times a power of ten and
 * never below `minStep` (a cent for money, 1 for counts), so no two ticks can read the same ("0, 0, 1, 1" over small
 * values). An axis of zeros still has a step, so it is an axis and not a line.
 */
export function axisTicks(max: number, minStep: number, count = 5): number[] {
  const raw = Math.max(max, 0) / Math.max(count - 1, 1);
  let step = minStep;
  if (raw > minStep) {
    const pow = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw - 1e-12) ?? 10 * pow;
  }
  const d = decimalsOf(step);
  const ticks = [0];
  while (ticks.at(-1)! < max - 1e-12) ticks.push(Number((ticks.length * step).toFixed(d)));
  if (ticks.length === 1) ticks.push(Number(step.toFixed(d)));
  return ticks;
}

/**
 * The label of a tick of `axisTicks`: money in the currency, or a count; compact ("€12K", "1.5M") from ten thousand
 * on, written to the step's own precision, so the ticks of one axis always read apart.
 */
export function axisFormatter(ticks: number[], opts: { currency?: string; locale?: string } = {}) {
  const top = ticks.at(-1) ?? 0;
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const unit = top >= 1e9 ? 1e9 : top >= 1e6 ? 1e6 : top >= 1e4 ? 1e3 : 1;
  const digits = Math.min(decimalsOf(Number((step / unit).toPrecision(12))), 6);
  const f = nf(opts.locale, {
    ...(opts.currency ? { style: 'currency', currency: opts.currency } : {}),
    ...(unit > 1 ? { notation: 'compact', compactDisplay: 'short' } : {}),
    minimumFractionDigits: unit > 1 ? 0 : digits,
    maximumFractionDigits: digits,
  });
  return (v: number) => f.format(v);
}
