import { describe, expect, it } from 'vitest';
import { CORRECTION_WINDOW, correctionWindowText, formatLag, parseWindowDays, reasonLabel } from './format';

describe('ingestion formatting', () => {
  it('writes a lag in the largest two units, and zero as none', () => {
    expect([0, 1, 59, 60, 61, 3599, 3600, 3660, 86_399, 86_400, 90_000].map(formatLag)).toEqual([
      'none',
      '1 s',
      '59 s',
      '1 min',
      '1 min 1 s',
      '59 min 59 s',
      '1 h',
      '1 h 1 min',
      '23 h 59 min',
      '1 d',
      '1 d 1 h',
    ]);
  });

  it('names every reject reason the api knows, and shows an unknown one as it came', async () => {
    const { spend } = await import('@trellis/db');
    for (const r of spend.REJECT_REASONS) expect(reasonLabel(r), r).not.toBe(r);
    expect(reasonLabel('something_new')).toBe('something_new');
  });
});

describe('the correction window (SPEC 13)', () => {
  it.each([
    [60, 'Corrections accepted for records up to 60 days old'],
    [1, 'Corrections accepted for records up to 1 day old'],
    [180, 'Corrections accepted for records up to 180 days old'],
    [0, 'Corrections not accepted: the correction window is closed (0 days)'],
  ])('%i days reads "%s"', (days, text) => {
    expect(correctionWindowText(days)).toBe(text);
  });

  it.each([
    ['60', { ok: true, days: 60 }],
    [' 0 ', { ok: true, days: 0 }],
    ['180', { ok: true, days: 180 }],
    ['181', { ok: false, error: 'between 0 and 180 days' }],
    ['-1', { ok: false, error: 'a whole number of days, e.g. 60' }],
    ['7.5', { ok: false, error: 'a whole number of days, e.g. 60' }],
    ['sixty', { ok: false, error: 'a whole number of days, e.g. 60' }],
    ['', { ok: false, error: 'required' }],
  ])('the form reads "%s" as %o', (raw, out) => {
    expect(parseWindowDays(raw)).toEqual(out);
  });

  it("keeps the api's bounds", async () => {
    const { spend } = await import('@trellis/db');
    expect(CORRECTION_WINDOW).toEqual({ min: spend.CORRECTION_WINDOW.min, max: spend.CORRECTION_WINDOW.max });
  });
});
