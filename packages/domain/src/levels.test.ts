import { describe, expect, it } from 'vitest';
import { LEVEL_CAPABILITIES, levelAllows, type LevelCapability } from './levels';

// SPEC 2.1, copied row by row: capability, L1, L2, L3 ('n/a' counts as no).
const SPEC_2_1: [string, LevelCapability, boolean, boolean, boolean][] = [
  ['create sub-accounts', 'createSubAccounts', true, true, false],
  ['link DSP seat ids', 'linkSeats', true, false, false],
  ['assign DSP seats to its sub-accounts', 'assignSeatsToSubAccounts', true, true, false],
  ['hold several seats on the same DSP', 'holdSeveralSeatsPerDsp', true, true, false],
  ['create direct deals with publishers', 'createDeals', true, true, true],
  ['its deals are shared with its sub-accounts', 'dealsSharedWithSubAccounts', true, true, false],
  ['use the deals of its ancestors', 'useAncestorDeals', false, true, true],
  ['view reports of its sub-accounts', 'viewSubAccountReports', true, true, false],
  ['view DSP reporting (deals, private auctions, open auction)', 'viewDspReporting', true, true, false],
  ['view reports on the deals it created', 'viewOwnDealReports', true, true, true],
  ['sees only the spend of its own account (data separation)', 'seesOnlyOwnSpend', false, false, true],
];

describe('level capabilities (SPEC 2.1)', () => {
  it.each(SPEC_2_1)('%s: L1 %#', (_label, capability, l1, l2, l3) => {
    expect(levelAllows(capability, { level: 1, standaloneClient: false })).toBe(l1);
    expect(levelAllows(capability, { level: 2, standaloneClient: false })).toBe(l2);
    expect(levelAllows(capability, { level: 3, standaloneClient: false })).toBe(l3);
  });

  it('covers every capability of the table', () => {
    expect(new Set(SPEC_2_1.map((r) => r.at(1)))).toEqual(new Set(Object.keys(LEVEL_CAPABILITIES)));
  });

  it('lets a standalone premium client link its own seats and see DSP reporting, and nothing else beyond L3', () => {
    const standalone = { level: 3, standaloneClient: true } as const;
    expect(levelAllows('linkSeats', standalone)).toBe(true);
    expect(levelAllows('viewDspReporting', standalone)).toBe(true);
    expect(levelAllows('holdSeveralSeatsPerDsp', standalone)).toBe(false);
    expect(levelAllows('createSubAccounts', standalone)).toBe(false);
  });
});
