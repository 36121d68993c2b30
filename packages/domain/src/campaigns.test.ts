import { describe, expect, it } from 'vitest';
import {
  assertCampaignNameFree,
  assertCampaignOwner,
  assertDealsUsable,
  assertOwnerUnchanged,
  campaignPacing,
  validateCampaign,
} from './campaigns';
import { codeOf } from './test-support';

describe('campaign rules (SPEC 6)', () => {
  it.each([
    ['a client', { kind: 'client', name: 'C' }, 0, 'ok'],
    ['an agency with no clients, told to create one first', { kind: 'agency', name: 'A' }, 0, 'CAMPAIGN_NEEDS_CLIENT'],
    ['an agency with clients', { kind: 'agency', name: 'A' }, 3, 'CAMPAIGN_NEEDS_CLIENT'],
    ['a holding', { kind: 'holding', name: 'H' }, 3, 'CAMPAIGN_NEEDS_CLIENT'],
  ] as const)('owned by %s: %s', (_l, account, clients, want) => {
    expect(codeOf(() => assertCampaignOwner(account, clients))).toBe(want);
  });

  it('tells an agency without clients to create one first', () => {
    expect(() => assertCampaignOwner({ kind: 'agency', name: 'Bright' }, 0)).toThrow(
      'Bright has no clients yet: create a client first',
    );
  });

  it('refuses any update naming a client, even the same one', () => {
    expect(codeOf(() => assertOwnerUnchanged({ name: 'x' }))).toBe('ok');
    expect(codeOf(() => assertOwnerUnchanged({ clientId: 'same' }))).toBe('CAMPAIGN_OWNER_IMMUTABLE');
    expect(codeOf(() => assertOwnerUnchanged({ clientId: undefined }))).toBe('CAMPAIGN_OWNER_IMMUTABLE');
  });

  it('keeps budgets as integer micros and deals usable by the client', () => {
    expect(validateCampaign({ name: ' Spring ', budgetMicros: '5000000' })).toEqual({
      name: 'Spring',
      budgetMicros: 5_000_000n,
      startsOn: null,
      endsOn: null,
    });
    expect(codeOf(() => validateCampaign({ name: 'x', budgetMicros: 1.5 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => validateCampaign({ name: 'x', budgetMicros: -1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertDealsUsable([{ id: 'd', name: 'D', usable: false }]))).toBe('DEAL_NOT_USABLE');
  });
});

describe('campaign flights and names', () => {
  it('refuses a flight that ends before it starts, and days that are not days', () => {
    expect(validateCampaign({ name: 'X', startsOn: '2026-03-01', endsOn: '2026-03-31' })).toMatchObject({
      startsOn: '2026-03-01',
      endsOn: '2026-03-31',
    });
    expect(() => validateCampaign({ name: 'X', startsOn: '2026-03-02', endsOn: '2026-03-01' })).toThrow(
      'endsOn: the flight ends before it starts',
    );
    expect(() => validateCampaign({ name: 'X', startsOn: '2026-02-30' })).toThrow(/startsOn/);
    expect(() => validateCampaign({ name: 'X', budgetMicros: '-1' })).toThrow(/must not be negative/);
  });

  it('refuses a second campaign of the same name for the same client', () => {
    expect(() => assertCampaignNameFree('Spring', undefined)).not.toThrow();
    expect(() => assertCampaignNameFree('spring ', { name: 'Spring' })).toThrow(
      'This client already has a campaign named "Spring".',
    );
  });
});

describe('campaign pacing', () => {
  const base = { budgetMicros: 3_000_000n, startsOn: '2026-03-01', endsOn: '2026-03-30' };
  it.each([
    ['no budget', { ...base, budgetMicros: null, spentMicros: 5n, today: '2026-03-10' }, 'no_budget', null],
    ['before the flight', { ...base, spentMicros: 0n, today: '2026-02-20' }, 'not_started', 0],
    [
      'on track: a third of the budget after a third of the days',
      { ...base, spentMicros: 1_000_000n, today: '2026-03-10' },
      'on_track',
      33,
    ],
    ['ahead: above 110 % of an even spend', { ...base, spentMicros: 1_200_000n, today: '2026-03-10' }, 'ahead', 40],
    ['behind: below 90 % of an even spend', { ...base, spentMicros: 800_000n, today: '2026-03-10' }, 'behind', 26],
    ['the budget used up', { ...base, spentMicros: 3_000_000n, today: '2026-03-10' }, 'spent', 100],
    ['after the flight', { ...base, spentMicros: 2_000_000n, today: '2026-04-02' }, 'ended', 66],
    [
      'no flight: only the share of the budget',
      { ...base, startsOn: null, endsOn: null, spentMicros: 1_500_000n, today: '2026-03-10' },
      'unscheduled',
      50,
    ],
  ] as const)('%s', (_label, input, state, percent) => {
    const p = campaignPacing(input);
    expect([p.state, p.spentPercent]).toEqual([state, percent]);
  });
  it('expects the budget spread evenly over the flight, in whole micros', () => {
    expect(campaignPacing({ ...base, spentMicros: 0n, today: '2026-03-10' }).expectedMicros).toBe(1_000_000n);
  });
});
