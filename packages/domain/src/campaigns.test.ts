import { describe, expect, it } from 'vitest';
import { assertCampaignOwner, assertDealsUsable, assertOwnerUnchanged, validateCampaign } from './campaigns';
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
    });
    expect(codeOf(() => validateCampaign({ name: 'x', budgetMicros: 1.5 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => validateCampaign({ name: 'x', budgetMicros: -1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertDealsUsable([{ id: 'd', name: 'D', usable: false }]))).toBe('DEAL_NOT_USABLE');
  });
});
