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

/** How a figure of a period not over yet is marked (today's spend, this month's, this hour's): "8 Dec (so far)". */
export const soFar = (label: string, partial: boolean) => (partial ? `${label} (so far)` : label);

const calendarDays = new Map<string, Intl.DateTimeFormat>();
const calendar = (locale: string | undefined, opts: Intl.DateTimeFormatOptions) => {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = calendarDays.get(key);
  if (!f) calendarDays.set(key, (f = new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' })));
  return f;
};

/**
 * A calendar day (YYYY-MM-DD, a day of the account's zone) in a table cell: the same medium date as every other
 * date of the tables ("Dec 8, 2026"), marked when it is `today` ("Dec 8, 2026 (so far)").
 */
export const formatCalendarDay = (day: string, opts: { locale?: string; today?: string } = {}) =>
  soFar(calendar(opts.locale, { dateStyle: 'medium' }).format(new Date(`${day}T00:00:00Z`)), day === opts.today);

/** A calendar day on a chart's axis: short ("8 Dec", "Dec 8"), the year only when not `currentYear`, today marked. */
export const formatChartDay = (day: string, opts: { locale?: string; currentYear?: number; today?: string } = {}) =>
  soFar(formatDayRange(day, day, opts), day === opts.today);

/** A calendar month (YYYY-MM) in a table or on a chart ("Dec 2026"), the current one marked. */
export const formatMonth = (month: string, opts: { locale?: string; thisMonth?: string } = {}) =>
  soFar(
    calendar(opts.locale, { year: 'numeric', month: 'short' }).format(new Date(`${month}-01T00:00:00Z`)),
    month === opts.thisMonth,
  );

/** An hour (its start, an instant) in the account's zone, the hour under way marked. */
export const formatHour = (iso: string, timeZone: string, now?: Date) => {
  const t = Date.parse(iso);
  return soFar(formatDateTime(iso, timeZone), now !== undefined && t <= now.getTime() && now.getTime() < t + 3_600_000);
};
