import { isoDayIn } from '../../lib/time';
import type { MovingPreset, Preset } from './search';

export const PRESET_LABEL: Record<Preset, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  last7: 'Last 7 days (today included)',
  last30: 'Last 30 days (today included)',
  thisMonth: 'This month',
  lastMonth: 'Last month',
  month: 'Previous month (pick one)',
  custom: 'Custom range',
};

/** The days of a calendar month (YYYY-MM), both inclusive. */
export function monthDays(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return { from: `${month}-01`, to: last };
}

/** The calendar month a range covers exactly (YYYY-MM), or null: "September 2026" reads better than its days. */
export function wholeMonth(from: string, to: string): string | null {
  const month = from.slice(0, 7);
  return from.endsWith('-01') && monthDays(month).to === to ? month : null;
}

const monthLabel = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
/** A saved or shared report's range in words: its preset, its month, or its days. */
export function rangeWords(range: { preset: MovingPreset } | { from: string; to: string }): string {
  if ('preset' in range) return PRESET_LABEL[range.preset];
  const month = wholeMonth(range.from, range.to);
  return month ? monthLabel.format(new Date(`${month}-01T00:00:00Z`)) : `${range.from} – ${range.to}`;
}

const DAY = 86_400_000;
/** A calendar day (YYYY-MM-DD) moved by whole days. */
export const shiftDay = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The days a preset covers in the account's zone (both inclusive), as the server's presets do. */
export function presetDays(preset: MovingPreset, timeZone: string, now = new Date()): { from: string; to: string } {
  const today = isoDayIn(now.toISOString(), timeZone);
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: shiftDay(today, -1), to: shiftDay(today, -1) };
    case 'last7':
      return { from: shiftDay(today, -6), to: today };
    case 'last30':
      return { from: shiftDay(today, -29), to: today };
    case 'thisMonth':
      return { from: `${today.slice(0, 8)}01`, to: today };
    case 'lastMonth':
      return monthDays(lastMonthOf(today));
  }
}

/** The calendar month (YYYY-MM) before a day's. */
export const lastMonthOf = (day: string) => shiftDay(`${day.slice(0, 8)}01`, -1).slice(0, 7);

/**
 * The time resolution of the chart: the grouping's own day or month if it has one, else hours over a day or two, days
 * up to a quarter, months beyond. An hourly table over more than two days is charted by day: 720 hourly bars over 30
 * days read as noise.
 */
export function chartResolution(from: string, to: string, groupBy: readonly string[] = []): 'hour' | 'day' | 'month' {
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
  // the table's own time grouping, when it has one (hours only over a day or two)
  if (groupBy.includes('month')) return 'month';
  if (groupBy.includes('day')) return 'day';
  return days <= 2 ? 'hour' : days <= 92 ? 'day' : 'month';
}
