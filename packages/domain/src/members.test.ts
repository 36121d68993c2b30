import { describe, expect, it } from 'vitest';
import { codeOf } from './test-support';
import {
  assertInvitationUsable,
  assertKeepsAnAdmin,
  assertSignInAllowed,
  throttleAddress,
  INVITATION_TTL_MS,
  keepsItsLastAdmin,
  validatePassword,
} from './members';
import type { Role } from './roles';

describe('the last admin of a root account (SPEC 3)', () => {
  it.each<[string, Role, Role | null, boolean, number, string]>([
    ['removing the only root admin', 'admin', null, true, 1, 'LAST_ROOT_ADMIN'],
    ['demoting the only root admin', 'admin', 'operator', true, 1, 'LAST_ROOT_ADMIN'],
    ['removing one of two root admins', 'admin', null, true, 2, 'ok'],
    ['keeping the only root admin an admin', 'admin', 'admin', true, 1, 'ok'],
    ['removing the only admin of a sub-account', 'admin', null, false, 0, 'ok'],
    ['removing an operator of the root', 'operator', null, true, 1, 'ok'],
  ])('%s: %s', (_l, currentRole, nextRole, onRoot, rootAdminCount, expected) => {
    expect(codeOf(() => assertKeepsAnAdmin({ currentRole, nextRole, onRoot, rootAdminCount }))).toBe(expected);
  });
});

describe('invitations (SPEC 3)', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const sent = new Date(now.getTime() - 1000);
  const expiresAt = new Date(sent.getTime() + INVITATION_TTL_MS);
  it.each([
    ['pending', { expiresAt, acceptedAt: null, revokedAt: null }, now, 'ok'],
    ['used', { expiresAt, acceptedAt: now, revokedAt: null }, now, 'INVITATION_USED'],
    ['revoked', { expiresAt, acceptedAt: null, revokedAt: now }, now, 'INVITATION_REVOKED'],
    ['expired at exactly 7 days', { expiresAt, acceptedAt: null, revokedAt: null }, expiresAt, 'INVITATION_EXPIRED'],
  ] as const)('an invitation that is %s', (_l, inv, at, expected) => {
    expect(codeOf(() => assertInvitationUsable(inv, at))).toBe(expected);
  });
});

describe('sign-in', () => {
  it('refuses passwords that are too short or too long', () => {
    expect(codeOf(() => validatePassword('short'))).toBe('INVALID_INPUT');
    expect(codeOf(() => validatePassword('x'.repeat(201)))).toBe('INVALID_INPUT');
    expect(codeOf(() => validatePassword('long enough pass'))).toBe('ok');
  });
  it.each([
    { label: 'a fifth attempt of one address at one email', a: { pair: 5, email: 5, address: 5 }, ok: true },
    { label: 'a sixth attempt of one address at one email', a: { pair: 6, email: 5, address: 5 }, ok: false },
    {
      label: 'a second attempt at an email many addresses guessed at',
      a: { pair: 2, email: 11, address: 2 },
      ok: false,
    },
    { label: 'a first attempt at an email many addresses guessed at', a: { pair: 1, email: 40, address: 1 }, ok: true },
    {
      label: 'a second attempt from an address that guessed at many emails',
      a: { pair: 2, email: 2, address: 31 },
      ok: false,
    },
    {
      label: 'a first attempt from that address at an email it never tried',
      a: { pair: 1, email: 1, address: 90 },
      ok: true,
    },
  ])('sign-in throttle: $label -> allowed $ok', ({ a, ok }) => {
    expect(codeOf(() => assertSignInAllowed(a))).toBe(ok ? 'ok' : 'TOO_MANY_ATTEMPTS');
  });
  it.each([
    { ip: '203.0.113.7', key: '203.0.113.7' },
    { ip: '::ffff:203.0.113.7', key: '203.0.113.7' },
    { ip: '2001:db8:1:2:aaaa::1', key: '2001:db8:1:2::/64' },
    { ip: '2001:0DB8:0001:0002:ffff:1:2:3', key: '2001:db8:1:2::/64' },
    { ip: '2001:db8::1', key: '2001:db8:0:0::/64' },
    { ip: '::1', key: '0:0:0:0::/64' },
  ])('counts sign-in attempts from $ip under $key', ({ ip, key }) => {
    expect(throttleAddress(ip)).toBe(key);
  });
});

describe('keepsItsLastAdmin', () => {
  it.each([
    ['a holding', { parentId: null, kind: 'holding', clientTier: null }, true],
    ['a standalone premium client', { parentId: null, kind: 'client', clientTier: 'premium' }, true],
    ['a connected premium client', { parentId: 'agency', kind: 'client', clientTier: 'premium' }, true],
    ['a standard client', { parentId: 'agency', kind: 'client', clientTier: 'standard' }, false],
    ['an agency', { parentId: 'holding', kind: 'agency', clientTier: null }, false],
  ] as const)('%s: %s', (_l, account, want) => {
    expect(keepsItsLastAdmin(account)).toBe(want);
  });
});
