import { describe, expect, it } from 'vitest';
import { axisFormatter, axisTicks, formatCount, formatCtr } from './numbers';

describe('counts and rates read the same on every screen', () => {
  it.each([
    [0, 'en-US', '0'],
    [999, 'en-US', '999'],
    [14000, 'en-US', '14,000'],
    [1234567, 'en-US', '1,234,567'],
    [14000, 'de-DE', '14.000'],
  ])('counts %d in %s as %s', (n, locale, want) => expect(formatCount(n, locale)).toBe(want));

  it.each([
    [0.01, '1.00%'],
    [0.1, '10.00%'],
    [0.012345, '1.23%'],
    [0, '0.00%'],
    [1, '100.00%'],
    [null, '—'],
  ])('writes a CTR of %s as %s: a percent with two decimals', (ctr, want) =>
    expect(formatCtr(ctr, 'en-US')).toBe(want),
  );
});

describe('chart axes never repeat a tick', () => {
  it.each([
    ['a few impressions', 3, 1, [0, 1, 2, 3]],
    ['one impression', 1, 1, [0, 1]],
    ['nothing at all', 0, 1, [0, 1]],
    ['two cents', 0.02, 0.01, [0, 0.01, 0.02]],
    ['€32', 32, 0.01, [0, 10, 20, 30, 40]],
    ['14,000 impressions', 14000, 1, [0, 5000, 10000, 15000]],
  ])('%s: ticks on steps of 1, 2 or 5, never finer than the unit', (_label, max, minStep, want) =>
    expect(axisTicks(max, minStep)).toEqual(want),
  );

  it.each([
    ['small counts', 3, 1, undefined, ['0', '1', '2', '3']],
    ['cents', 0.02, 0.01, 'EUR', ['€0.00', '€0.01', '€0.02']],
    ['euros', 32, 0.01, 'EUR', ['€0', '€10', '€20', '€30', '€40']],
    ['thousands', 14000, 1, undefined, ['0', '5K', '10K', '15K']],
    ['a million and a bit', 1_150_000, 0.01, 'EUR', ['€0', '€500K', '€1M', '€1.5M']],
  ])('labels %s apart', (_label, max, minStep, currency, want) => {
    const ticks = axisTicks(max, minStep);
    const f = axisFormatter(ticks, { locale: 'en-US', ...(currency ? { currency } : {}) });
    expect(ticks.map(f)).toEqual(want);
  });

  it('reads every tick apart for any maximum, money or counts', () => {
    for (const max of [0, 0.004, 0.03, 0.7, 1, 2.5, 9, 11, 99, 150, 999, 1234, 9999, 10_001, 49_999, 1.05e6, 3.3e9]) {
      for (const [minStep, currency] of [
        [0.01, 'EUR'],
        [1, undefined],
      ] as const) {
        const ticks = axisTicks(max, minStep);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
        const labels = ticks.map(axisFormatter(ticks, { locale: 'en-US', ...(currency ? { currency } : {}) }));
        expect(new Set(labels).size, `${max}: ${labels.join(', ')}`).toBe(labels.length);
      }
    }
  });
});
