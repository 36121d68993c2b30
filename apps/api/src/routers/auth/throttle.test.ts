import { describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { dummyPasswordHash, HASHING, hashingStats } from '../../lib/secrets';
import { anonymous, codeOf, TEST_PASSWORD, userWithCaller } from '../../testing';

const t = useTestDatabase();

const from = (address: string) => anonymous(t.db, { clientAddress: address });
const attempt = async (address: string, email: string, password: string) =>
  codeOf((await from(address)).auth.signIn({ email, password }));

/** SPEC 12: guessing is counted atomically, per (address, email) after the first few failures. */
describe('sign-in throttle', () => {
  it('evaluates at most the per-(address, email) limit of 50 parallel wrong sign-ins for one email', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    const anon = await from('10.0.0.1');
    const before = hashingStats().hashed;
    const codes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(anon.auth.signIn({ email: 'ana@x.test', password: `wrong guess ${i}` })),
      ),
    );
    expect(hashingStats().hashed - before).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAddressAndEmail);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(SIGN_IN_LIMITS.perAddressAndEmail);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(50 - SIGN_IN_LIMITS.perAddressAndEmail);
    const row = await t.db
      .selectFrom('sign_in_counters')
      .select('attempts')
      .where('key', '=', 'pair:10.0.0.1|ana@x.test')
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(50);
  });

  it('refuses the right password from the guessing address, but never locks the user out of it from another address', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    for (let i = 0; i < 20; i++) await attempt('10.6.6.6', 'ana@x.test', `wrong guess ${i}`);
    expect(await attempt('10.6.6.6', 'ana@x.test', TEST_PASSWORD)).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('192.168.1.20', 'ana@x.test', TEST_PASSWORD)).toBe('ok');
  });

  it('after many addresses guessed at an email, gives another address only its first try', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    for (const a of ['10.0.0.1', '10.0.0.2'])
      for (let i = 0; i < 5; i++) expect(await attempt(a, 'ana@x.test', `wrong ${a} ${i}`)).toBe('UNAUTHORIZED');
    expect(await attempt('10.0.0.3', 'ana@x.test', 'a wrong guess')).toBe('UNAUTHORIZED');
    expect(await attempt('10.0.0.3', 'ana@x.test', 'another wrong guess')).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('10.0.0.4', 'ana@x.test', TEST_PASSWORD)).toBe('ok');
  });

  it('lets an address past its cap still sign in with the right password of an email it never attacked', async () => {
    await userWithCaller(t.db, 'bo@x.test');
    for (let e = 0; e < 7; e++)
      for (let i = 0; i < 5; i++) await attempt('10.9.9.9', `victim${e}@x.test`, `wrong ${i}`);
    expect(await attempt('10.9.9.9', 'victim0@x.test', 'one more')).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('10.9.9.9', 'bo@x.test', TEST_PASSWORD)).toBe('ok');
  });

  it('counts an IPv6 client by its /64, so rotating addresses inside it does not reset the count', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    for (let i = 0; i < 5; i++)
      expect(await attempt(`2001:db8:1:2::${i + 1}`, 'ana@x.test', `wrong ${i}`)).toBe('UNAUTHORIZED');
    expect(await attempt('2001:db8:1:2::99', 'ana@x.test', TEST_PASSWORD)).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('2001:db8:1:3::1', 'ana@x.test', TEST_PASSWORD)).toBe('ok');
  });

  it('starts counting again after the 15-minute window', async () => {
    await userWithCaller(t.db, 'ana@x.test');
    for (let i = 0; i < 6; i++) await attempt('10.0.0.1', 'ana@x.test', `wrong ${i}`);
    const later = await anonymous(t.db, { clientAddress: '10.0.0.1', now: () => new Date(Date.now() + 16 * 60_000) });
    expect(await codeOf(later.auth.signIn({ email: 'ana@x.test', password: TEST_PASSWORD }))).toBe('ok');
  });

  it('refuses a flood of sign-ins beyond the bounded hashing queue with TOO_MANY_REQUESTS, and serves again after', async () => {
    const flood = HASHING.concurrency + HASHING.maxWaiting + 60;
    const codes = await Promise.all(
      Array.from({ length: flood }, (_, i) =>
        attempt(`10.1.${i >> 8}.${i & 255}`, `nobody${i}@x.test`, 'some guess here'),
      ),
    );
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['UNAUTHORIZED', 'TOO_MANY_REQUESTS']));
    // the attempts the queue refused were never evaluated, so they count against no one
    const counted = await t.db
      .selectFrom('sign_in_counters')
      .select('key')
      .where('key', 'like', 'pair:10.1.%')
      .where('attempts', '>', 0)
      .execute();
    expect(counted).toHaveLength(codes.filter((c) => c === 'UNAUTHORIZED').length);
    await userWithCaller(t.db, 'ana@x.test');
    expect(await attempt('10.2.0.1', 'ana@x.test', TEST_PASSWORD)).toBe('ok');
    expect(await attempt('10.2.0.2', 'nobody@x.test', 'some guess here')).toBe('UNAUTHORIZED');
    await expect(dummyPasswordHash()).resolves.toMatch(/^scrypt\$/);
  });
});
