import { describe, expect, it } from 'vitest';
import { formatChange } from '../../lib/money';
import { chartResolution, lastMonthOf, monthDays, presetDays, rangeWords, wholeMonth } from './range';

describe('the chart follows the table', () => {
  it("takes the grouping's own time dimension, else the range's", () => {
    expect(chartResolution('2026-09-01', '2026-11-26', ['month'])).toBe('month');
    expect(chartResolution('2026-11-25', '2026-11-26', ['day', 'account'])).toBe('day');
    // an hourly table is charted by hour over a day or two only: over 30 days, 720 bars would be noise
    expect(chartResolution('2026-11-25', '2026-11-26', ['hour'])).toBe('hour');
    expect(chartResolution('2026-11-01', '2026-11-30', ['hour'])).toBe('day');
    expect(chartResolution('2026-01-01', '2026-11-26', ['hour'])).toBe('month');
    expect(chartResolution('2026-11-25', '2026-11-26', ['account'])).toBe('hour');
    expect(chartResolution('2026-11-01', '2026-11-26', [])).toBe('day');
    expect(chartResolution('2026-01-01', '2026-11-26')).toBe('month');
  });
});

describe('months', () => {
  it('gives Last month in the account zone, and the days of any month', () => {
    // 1 March 03:00 UTC is still February in Los Angeles: last month is January there, February in Tokyo
    const at = new Date('2026-03-01T03:00:00Z');
    expect(presetDays('lastMonth', 'America/Los_Angeles', at)).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(presetDays('lastMonth', 'Asia/Tokyo', at)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(lastMonthOf('2026-01-15')).toBe('2025-12');
    expect(monthDays('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthDays('2026-11')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(wholeMonth('2026-11-01', '2026-11-30')).toBe('2026-11');
    expect(wholeMonth('2026-11-01', '2026-11-29')).toBeNull();
    expect(rangeWords({ from: '2026-09-01', to: '2026-09-30' })).toMatch(/2026/);
    expect(rangeWords({ from: '2026-09-02', to: '2026-09-30' })).toBe('2026-09-02 – 2026-09-30');
    expect(rangeWords({ preset: 'lastMonth' })).toBe('Last month');
  });

  it('writes a change with its sign and whole percentage, "new" when nothing was spent before', () => {
    expect(formatChange('2000000', 50, 'EUR', 'en-US')).toBe('+€2.00 (+50%)');
    expect(formatChange('-4000000', -100, 'EUR', 'en-US')).toBe('-€4.00 (-100%)');
    expect(formatChange('5000000', null, 'EUR', 'en-US')).toBe('+€5.00 (new)');
    expect(formatChange('0', null, 'EUR', 'en-US')).toBe('€0.00');
    expect(formatChange('0', 0, 'EUR', 'en-US')).toBe('€0.00 (0%)');
  });
});
