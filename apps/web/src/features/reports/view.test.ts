import { describe, expect, it } from 'vitest';
import { chartPoints, dimensionText } from './view';

interface Row {
  day?: string;
  month?: string;
  currency: string;
  impressions: number;
  clicks: number;
  spendMicros: string;
  correctionMicros: string;
  ctr: number;
  ecpmMicros: string;
}
const row = (day: string, spendMicros: string, currency = 'EUR'): Row => ({
  day,
  currency,
  impressions: 10,
  clicks: 1,
  spendMicros,
  correctionMicros: '0',
  ctr: 0.1,
  ecpmMicros: '1000',
});
const report = (from: string, to: string, rows: Row[]) => ({
  rows,
  totals: [],
  truncated: false,
  completeUntil: null,
  timeZone: 'UTC',
  from,
  to,
  groupBy: ['day' as const],
  previous: null,
  charged: null,
});

describe('the report chart', () => {
  it('spans the whole range: a day without spend is a point at zero, in order', () => {
    const points = chartPoints(
      report('2026-11-01', '2026-11-30', [row('2026-11-26', '5000000'), row('2026-11-03', '7000000')]),
      'day',
      'EUR',
      'UTC',
    );
    expect(points).toHaveLength(30);
    expect(points.filter((p) => p.spendMicros !== '0').map((p) => p.spendMicros)).toEqual(['7000000', '5000000']);
    expect(points[2]!.spendMicros).toBe('7000000');
    expect(points[25]!.spendMicros).toBe('5000000');
  });

  it('spans months by month, and keeps to one currency', () => {
    const data = {
      ...report('2026-09-15', '2026-11-02', [
        { ...row('', '3000000'), day: undefined, month: '2026-10' },
        { ...row('', '9', 'NOK'), day: undefined, month: '2026-09' },
      ]),
      groupBy: ['month' as const],
    };
    expect(chartPoints(data, 'month', 'EUR', 'UTC').map((p) => p.spendMicros)).toEqual(['0', '3000000', '0']);
    expect(chartPoints(data, 'month', 'NOK', 'UTC').map((p) => p.spendMicros)).toEqual(['9', '0', '0']);
  });
});

describe('a day not over yet', () => {
  it('reads "(so far)" in the table and on the chart, and only today', () => {
    const now = new Date('2026-12-08T10:00:00Z');
    const data = report('2026-12-07', '2026-12-08', [row('2026-12-07', '5000000'), row('2026-12-08', '7000000')]);
    const labels = chartPoints(data, 'day', 'EUR', 'UTC', now).map((p) => p.label);
    expect(labels[0]).not.toMatch(/so far/);
    expect(labels[1]).toMatch(/ \(so far\)$/);
    expect(dimensionText('day', row('2026-12-08', '1') as never, 'UTC', { now })).toMatch(/ \(so far\)$/);
    expect(dimensionText('day', row('2026-12-07', '1') as never, 'UTC', { now })).not.toMatch(/so far/);
  });
});
