import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { anonymous, codeOf, TEST_PASSWORD, userWithCaller } from '../../testing';
import { createCaller } from '../../root';
import { createContextInner } from '../../context';

const t = useTestDatabase();

describe('auth', () => {
  it('signs in with the right password and the token works as a bearer session', async () => {
    const { user } = await userWithCaller(t.db, 'ana@x.test');
    const set: string[] = [];
    const anon = await anonymous(t.db, { cookies: { set: (tok) => set.push(tok), clear() {} } });
    const res = await anon.auth.signIn({ email: '  ANA@x.test ', password: TEST_PASSWORD });
    expect(res.user.id).toBe(user.id);
    expect(set).toEqual([res.token]);
    const me = await createCaller(await createContextInner({ db: t.db, sessionToken: res.token })).auth.me();
    expect(me?.user.email).toBe('ana@x.test');
  });

  it('stores only a salted slow hash of the password', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    const row = await t.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    const anon = await anonymous(t.db);
    const wrong = await anon.auth.signIn({ email: 'ana@x.test', password: 'nope nope nope' }).catch((e) => e);
    const unknown = await anon.auth.signIn({ email: 'nobody@x.test', password: 'nope nope nope' }).catch((e) => e);
    expect(wrong.code).toBe('UNAUTHORIZED');
    expect(unknown.code).toBe('UNAUTHORIZED');
    expect(wrong.message).toBe(unknown.message);
  });

  it('refuses sign-in for a while after 5 failures for one email, even with the right password', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    const anon = await anonymous(t.db, { clientAddress: '10.0.0.1' });
    for (let i = 0; i < 5; i++)
      expect(await codeOf(anon.auth.signIn({ email: 'ana@x.test', password: 'wrong password' }))).toBe('UNAUTHORIZED');
    expect(await codeOf(anon.auth.signIn({ email: 'ana@x.test', password: TEST_PASSWORD }))).toBe('TOO_MANY_REQUESTS');
    const later = await anonymous(t.db, { clientAddress: '10.0.0.1', now: () => new Date(Date.now() + 16 * 60_000) });
    expect(await codeOf(later.auth.signIn({ email: 'ana@x.test', password: TEST_PASSWORD }))).toBe('ok');
  });

  it('signs out: the token no longer works', async () => {
    const { caller, token } = await userWithCaller(t.db, 'ana@x.test');
    expect(await caller.auth.me()).not.toBeNull();
    await caller.auth.signOut();
    const again = createCaller(await createContextInner({ db: t.db, sessionToken: token }));
    expect(await again.auth.me()).toBeNull();
    expect(await codeOf(again.accounts.tree())).toBe('UNAUTHORIZED');
  });

  it('refuses every tenant procedure without a session', async () => {
    const anon = await anonymous(t.db);
    expect(await anon.auth.me()).toBeNull();
    expect(await codeOf(anon.accounts.tree())).toBe('UNAUTHORIZED');
    expect(await codeOf(anon.accounts.createHolding({ name: 'X', currency: 'EUR', timeZone: 'UTC' }))).toBe(
      'UNAUTHORIZED',
    );
  });
});
