import { describe, expect, it } from 'vitest';
import { actionLabel } from './describe';

describe('audit action labels', () => {
  it('names every credits, ingest-key and report action in words, and reads any other in lower-case words', () => {
    for (const [action, label] of [
      ['credits.topUp', 'Credits topped up'],
      ['credits.setLowBalance', 'Low-balance alert changed'],
      ['credits.addCard', 'Card added'],
      ['ingestKey.revoke', 'Ingest key revoked'],
      ['report.share', 'Report shared'],
      ['something.newThingDone', 'Something new thing done'],
    ])
      expect(actionLabel(action!)).toBe(label);
  });
});
