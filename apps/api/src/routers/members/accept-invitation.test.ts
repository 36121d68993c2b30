import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { anonymous, holdingWithAdmin, snapshot, TEST_PASSWORD, userWithCaller } from '../../testing';
import { hashingStats } from '../../lib/secrets';

const t = useTestDatabase();

/** The invitations contract (SPEC 3, 12): four cases, none of which checks a password. */
describe('invitation acceptance', () => {
  it('previews an invitation by its token: email, account, inviter and state; an unknown token is NOT_FOUND', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'new@x.test', role: 'analyst' });
    const anon = await anonymous(t.db);
    expect(await anon.invitations.preview({ token: inv.token! })).toEqual({
      email: 'new@x.test',
      role: 'analyst',
      accountId: holding.id,
      accountName: 'Holding',
      accountKind: 'holding',
      clientTier: null,
      teamName: null,
      invitedBy: admin.user.name,
      expiresAt: inv.expiresAt,
      state: 'pending',
    });
    await admin.caller.invitations.revoke({ invitationId: inv.id });
    expect((await anon.invitations.preview({ token: inv.token! })).state).toBe('revoked');
    const bad = await anon.invitations.preview({ token: 'no-such-token' }).catch((e) => e);
    expect([bad.code, bad.message]).toEqual(['NOT_FOUND', 'This invitation link is not valid.']);
  });

  it('lets the signed-in user the invitation names accept without name or password, keeping their session', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const known = await userWithCaller(t.db, 'known@x.test');
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'Known@X.test', role: 'operator' });
    const res = await known.caller.members.acceptInvitation({ token: inv.token! });
    expect(res.token).toBeNull();
    expect(res.user.id).toBe(known.user.id);
    expect(res.membership).toMatchObject({ accountId: holding.id, role: 'operator', userId: known.user.id });
    expect((await known.caller.accounts.get({ accountId: holding.id })).id).toBe(holding.id);
  });

  it('refuses a signed-in user the invitation does not name, naming the invited email, and changes nothing', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const other = await userWithCaller(t.db, 'other@x.test');
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'victim@x.test', role: 'admin' });
    const before = await snapshot(t.db);
    const e = await other.caller.members
      .acceptInvitation({ token: inv.token!, name: 'X', password: 'a long new password' })
      .catch((x) => x);
    expect([e.code, e.message]).toEqual([
      'FORBIDDEN',
      'This invitation is for victim@x.test; sign out and sign in as that user',
    ]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('creates a new user with a name and a strong password when the email has no account, and signs them in', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'fresh@x.test', role: 'analyst' });
    const cookies: string[] = [];
    const anon = await anonymous(t.db, { cookies: { set: (tok) => cookies.push(tok), clear() {} } });
    const missing = await anon.members.acceptInvitation({ token: inv.token! }).catch((x) => x);
    expect(missing.code).toBe('BAD_REQUEST');
    expect(Object.keys(missing.cause.fields).sort()).toEqual(['name', 'password']);
    const res = await anon.members.acceptInvitation({
      token: inv.token!,
      name: 'Fresh',
      password: 'a long new password',
    });
    expect(res.token).toEqual(expect.any(String));
    expect(cookies).toEqual([res.token]);
    expect(res.user).toMatchObject({ email: 'fresh@x.test', name: 'Fresh' });
  });

  it.each([
    { label: 'ten identical letters', password: 'aaaaaaaaaa' },
    { label: 'a common password with digits', password: 'password12' },
    { label: 'ten spaces', password: '          ' },
    { label: 'nine characters', password: 'Xq7#vB2!p' },
  ])('refuses a weak new password ($label) and says why', async ({ password }) => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'weak@x.test', role: 'analyst' });
    const before = await snapshot(t.db);
    const e = await (
      await anonymous(t.db)
    ).members
      .acceptInvitation({ token: inv.token!, name: 'Weak', password })
      .catch((x) => x);
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.cause.fields.password).toMatch(/at least 10 characters|too easy to guess: .{10,}/);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('never checks a password for an existing email signed out: CONFLICT asking to sign in, right or wrong password alike', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    await userWithCaller(t.db, 'known@x.test');
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'known@x.test', role: 'admin' });
    const anon = await anonymous(t.db);
    const hashedBefore = hashingStats().hashed;
    const before = await snapshot(t.db);
    for (const password of ['a wrong guess 1', TEST_PASSWORD]) {
      const e = await anon.members.acceptInvitation({ token: inv.token!, name: 'K', password }).catch((x) => x);
      expect([e.code, e.message]).toEqual(['CONFLICT', 'Sign in as known@x.test to accept this invitation']);
    }
    expect(hashingStats().hashed).toBe(hashedBefore);
    expect(await snapshot(t.db)).toEqual(before);
  });
});
