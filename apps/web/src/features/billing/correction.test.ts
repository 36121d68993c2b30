import { describe, expect, it } from 'vitest';
import { formatDayRange } from '../../lib/time';
import { correctionDirection, describeCorrection } from './correction';

// ICU puts thin or no-break spaces around the range dash: compared with plain spaces
const plain = (s: string) => s.replace(/\s/g, ' ');
const part = (over: Partial<Parameters<typeof describeCorrection>[0]>) => ({
  reason: 'restatement' as const,
  events: 3,
  firstDay: '2026-12-04',
  lastDay: '2026-12-04',
  micros: '-500000',
  ...over,
});

describe('a spend correction in words (SPEC 13)', () => {
  it.each([
    [
      'invalid-traffic credit over days',
      { reason: 'invalid_traffic', events: 12, firstDay: '2026-12-03', lastDay: '2026-12-05', micros: '-3000000' },
      'Invalid-traffic credit, 12 events of 3 – 5 Dec',
    ],
    [
      'overdelivery credit, one event',
      { reason: 'overdelivery', events: 1, micros: '-1' },
      'Overdelivery credit, 1 event of 4 Dec',
    ],
    ['restated lower', { micros: '-500000' }, 'Restated lower, 3 events of 4 Dec'],
    ['restated higher (a debit)', { micros: '500000' }, 'Restated higher, 3 events of 4 Dec'],
    [
      'invalid traffic that raised spend',
      { reason: 'invalid_traffic', micros: '10' },
      'Invalid traffic restated higher, 3 events of 4 Dec',
    ],
    ['figures changed, money not', { micros: '0' }, 'Restated, no change in spend, 3 events of 4 Dec'],
    ['across months', { firstDay: '2026-11-30', lastDay: '2026-12-02' }, 'Restated lower, 3 events of 30 Nov – 2 Dec'],
    ['thousands of events', { events: 12345 }, 'Restated lower, 12,345 events of 4 Dec'],
  ] as const)('%s', (_, over, text) => {
    expect(plain(describeCorrection(part(over), { locale: 'en-GB', currentYear: 2026 }))).toBe(text);
  });

  it('writes the days in the locale of the reader', () => {
    const p = part({ firstDay: '2026-12-03', lastDay: '2026-12-05' });
    expect(plain(describeCorrection(p, { locale: 'en-US', currentYear: 2026 }))).toBe(
      'Restated lower, 3 events of Dec 3 – 5',
    );
    expect(plain(describeCorrection(p, { locale: 'de-DE', currentYear: 2026 }))).toBe(
      'Restated lower, 3 events of 3.–5. Dez.',
    );
  });

  it('names the year only when the days are not in the current one, or span two', () => {
    expect(plain(formatDayRange('2025-12-30', '2025-12-31', { locale: 'en-GB', currentYear: 2026 }))).toBe(
      '30 – 31 Dec 2025',
    );
    expect(plain(formatDayRange('2025-12-31', '2026-01-02', { locale: 'en-GB', currentYear: 2026 }))).toBe(
      '31 Dec 2025 – 2 Jan 2026',
    );
    expect(plain(formatDayRange('2026-01-02', '2026-01-02', { locale: 'en-GB', currentYear: 2026 }))).toBe('2 Jan');
    // given in either order, the span reads forwards
    expect(plain(formatDayRange('2026-01-05', '2026-01-02', { locale: 'en-GB', currentYear: 2026 }))).toBe('2 – 5 Jan');
  });

  it('a lower figure is a credit, a higher one a debit, an equal one neither', () => {
    expect(['-1', '1', '0', '-9223372036854775807'].map(correctionDirection)).toEqual([
      'credit',
      'debit',
      'none',
      'credit',
    ]);
  });
});
