import { describe, expect, it } from 'vitest';
import { formatLag, reasonLabel } from './format';

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
