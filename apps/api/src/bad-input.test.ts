import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { holdingWithAdmin, snapshot } from './testing';

const t = useTestDatabase();

/** Each bad request gets its own clear error, and the database is left exactly as it was. */
describe('bad input', () => {
  it.each([
    ['a malformed parent id', { parentId: 'not-a-uuid', name: 'X', kind: 'agency' }, 'BAD_REQUEST', /parentId/],
    ['an oversize name', { name: 'x'.repeat(121), kind: 'agency' }, 'BAD_REQUEST', /at most 120 characters/],
    ['an empty name', { name: '   ', kind: 'agency' }, 'BAD_REQUEST', /must not be empty/],
    ['an unknown kind', { name: 'X', kind: 'holding-company' }, 'BAD_REQUEST', /kind/],
    [
      'a duplicate sibling name, other case and spacing',
      { name: '  existing agency ', kind: 'agency' },
      'CONFLICT',
      /already has a sub-account named/,
    ],
    ['an unknown currency', { name: 'X', kind: 'agency', currency: 'ZZZ' }, 'BAD_REQUEST', /ISO 4217/],
    ['an unknown time zone', { name: 'X', kind: 'agency', timeZone: 'Europe/Atlantis' }, 'BAD_REQUEST', /IANA/],
    [
      'an id of no account',
      { parentId: '00000000-0000-4000-8000-000000000000', name: 'X', kind: 'agency' },
      'NOT_FOUND',
      /not found/,
    ],
  ])('refuses %s', async (_label, patch, code, message) => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    await admin.caller.accounts.create({ parentId: holding.id, name: 'Existing Agency', kind: 'agency' });
    const before = await snapshot(t.db);
    const err = await admin.caller.accounts.create({ parentId: holding.id, ...patch } as never).catch((e) => e);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.each([
    [
      'a malformed membership id',
      (c: Awaited<ReturnType<typeof holdingWithAdmin>>['admin']['caller']) =>
        c.members.setRole({ membershipId: '123', role: 'admin' }),
    ],
    [
      'an unknown role',
      (c: Awaited<ReturnType<typeof holdingWithAdmin>>['admin']['caller']) =>
        c.members.setRole({ membershipId: '00000000-0000-4000-8000-000000000000', role: 'owner' as never }),
    ],
    [
      'a malformed invitation id',
      (c: Awaited<ReturnType<typeof holdingWithAdmin>>['admin']['caller']) =>
        c.invitations.revoke({ invitationId: 'x' }),
    ],
    [
      'an invalid email',
      (c: Awaited<ReturnType<typeof holdingWithAdmin>>['admin']['caller']) =>
        c.members.invite({ accountId: '00000000-0000-4000-8000-000000000000', email: 'not an email', role: 'analyst' }),
    ],
  ])('refuses %s with BAD_REQUEST', async (_label, run) => {
    const { admin } = await holdingWithAdmin(t.db);
    const before = await snapshot(t.db);
    expect((await run(admin.caller).catch((e) => e)).code).toBe('BAD_REQUEST');
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a duplicate holding name', async () => {
    const { op } = await holdingWithAdmin(t.db, 'Northwind');
    const before = await snapshot(t.db);
    const err = await op.caller.accounts
      .createHolding({ name: 'NORTHWIND', currency: 'EUR', timeZone: 'UTC' })
      .catch((e) => e);
    expect(err.code).toBe('CONFLICT');
    expect(await snapshot(t.db)).toEqual(before);
  });
});
