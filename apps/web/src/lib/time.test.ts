import { describe, expect, it } from 'vitest';
import { formatCalendarDay, formatChartDay, formatDayRange, formatHour, formatMonth } from './time';

describe('dates read one way per kind of place, the period under way marked as partial', () => {
  it('writes a day in a table as a medium date, today marked "so far"', () => {
    expect(formatCalendarDay('2026-12-07', { locale: 'en-US', today: '2026-12-08' })).toBe('Dec 7, 2026');
    expect(formatCalendarDay('2026-12-08', { locale: 'en-US', today: '2026-12-08' })).toBe('Dec 8, 2026 (so far)');
    expect(formatCalendarDay('2026-12-08', { locale: 'en-GB' })).toBe('8 Dec 2026');
  });

  it('writes a day on a chart short, the year only when it is not this one, today marked', () => {
    const opts = { locale: 'en-GB', currentYear: 2026, today: '2026-12-08' };
    expect(formatChartDay('2026-12-07', opts)).toBe('7 Dec');
    expect(formatChartDay('2026-12-08', opts)).toBe('8 Dec (so far)');
    expect(formatChartDay('2025-12-31', opts)).toBe('31 Dec 2025');
    expect(formatChartDay('2026-12-07', opts)).toBe(formatDayRange('2026-12-07', '2026-12-07', opts));
  });

  it('marks the month and the hour under way', () => {
    expect(formatMonth('2026-11', { locale: 'en-US', thisMonth: '2026-12' })).toBe('Nov 2026');
    expect(formatMonth('2026-12', { locale: 'en-US', thisMonth: '2026-12' })).toBe('Dec 2026 (so far)');
    const now = new Date('2026-12-08T10:20:00Z');
    expect(formatHour('2026-12-08T10:00:00Z', 'UTC', now)).toMatch(/\(so far\)$/);
    expect(formatHour('2026-12-08T09:00:00Z', 'UTC', now)).not.toMatch(/so far/);
    expect(formatHour('2026-12-08T10:00:00Z', 'UTC')).not.toMatch(/so far/);
  });
});
