/** Times shown in the account's time zone, in the user's locale (STYLE: formatted in one place). */
const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(timeZone: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(undefined, { ...opts, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(undefined, opts);
    }
    cache.set(key, f);
  }
  return f;
}

export const formatDateTime = (iso: string, timeZone?: string) =>
  fmt(timeZone, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
export const formatDate = (iso: string, timeZone?: string) =>
  fmt(timeZone, { dateStyle: 'medium' }).format(new Date(iso));
/** The calendar day (YYYY-MM-DD) an instant falls on in a zone, for date filters. */
export const dayIn = (iso: string, timeZone?: string) =>
  fmt(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(iso))
    .reduce((acc, p) => ({ ...acc, [p.type]: p.value }), {} as Record<string, string>);
export const isoDayIn = (iso: string, timeZone?: string) => {
  const p = dayIn(iso, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
};

/** IANA zones the pickers offer. */
export function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The instant a wall-clock time on a day begins in a zone ("2026-03-01", "Europe/Copenhagen" -> ISO in UTC). */
export function zonedToIso(day: string, time: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, hh, mm, ss);
  const offsetAt = (t: number) => {
    const p = dayIn(new Date(t).toISOString(), timeZone);
    const parts = fmt(timeZone, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(t))
      .reduce((acc, x) => ({ ...acc, [x.type]: x.value }), {} as Record<string, string>);
    return (
      Date.UTC(
        Number(p.year),
        Number(p.month) - 1,
        Number(p.day),
        Number(parts.hour),
        Number(parts.minute),
        Number(parts.second),
      ) - t
    );
  };
  const first = guess - offsetAt(guess);
  return new Date(guess - offsetAt(first)).toISOString();
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * Calendar days (YYYY-MM-DD, already days of the account's zone) as people write a span of them, in the user's locale:
 * "4 Dec", "3–5 Dec", "30 Nov – 2 Dec" (en-GB), "Dec 3 – 5" (en-US). The year is written only when the span crosses
 * one, or is not `currentYear`.
 */
export function formatDayRange(first: string, last: string, opts: { locale?: string; currentYear?: number } = {}) {
  const [from, to] = first <= last ? [first, last] : [last, first];
  const year =
    from.slice(0, 4) !== to.slice(0, 4) || (opts.currentYear ?? Number(from.slice(0, 4))) !== Number(from.slice(0, 4));
  const key = `${opts.locale ?? ''}|${year}`;
  let f = dayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(opts.locale, {
      day: 'numeric',
      month: 'short',
      ...(year ? { year: 'numeric' } : {}),
      timeZone: 'UTC',
    });
    dayFormats.set(key, f);
  }
  const d = (day: string) => new Date(`${day}T00:00:00Z`);
  return from === to ? f.format(d(from)) : f.formatRange(d(from), d(to));
}
