import { describe, expect, it } from 'vitest';
import { chartResolution } from './range';

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
