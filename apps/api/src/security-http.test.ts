import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp, MAX_BATCH_SIZE } from './app';
import { hashingStats } from './lib/secrets';
import { TEST_PASSWORD, userWithCaller } from './testing';

/** SPEC 12 over the wire: batches, content types, headers, source maps, proxies and Secure cookies. */
const t = useTestDatabase();
let dist: string;
const servers: Server[] = [];

async function serve(opts: { trustProxy?: string | number } = {}): Promise<string> {
  const server = createApp({ db: t.db, publicUrl: 'http://localhost', webDist: dist, ...opts }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  dist = await mkdtemp(path.join(tmpdir(), 'trellis-dist-'));
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  await writeFile(path.join(dist, 'app.js'), 'console.log(1)');
  await writeFile(path.join(dist, 'app.js.map'), '{"version":3}');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await rm(dist, { recursive: true, force: true });
});

const signInBatch = (base: string, passwords: string[], headers: Record<string, string> = {}) => {
  const body: Record<string, unknown> = {};
  passwords.forEach((password, i) => (body[i] = { email: 'ana@x.test', password }));
  return fetch(`${base}/trpc/${passwords.map(() => 'auth.signIn').join(',')}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
};

describe('HTTP security', () => {
  it(`refuses a batch of ${MAX_BATCH_SIZE + 1} calls whole with a 400, before any call runs`, async () => {
    const base = await serve();
    await userWithCaller(t.db, 'ana@x.test');
    const before = hashingStats().hashed;
    const res = await signInBatch(base, [
      ...Array.from({ length: MAX_BATCH_SIZE }, (_, i) => `wrong ${i}`),
      TEST_PASSWORD,
    ]);
    expect(res.status).toBe(400);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(hashingStats().hashed).toBe(before);
    expect(await t.db.selectFrom('sign_in_counters').selectAll().execute()).toEqual([]);
  });

  it('does not let a batch of 40 sign-ins guess past the limit: the right 40th password is refused', async () => {
    const base = await serve();
    await userWithCaller(t.db, 'ana@x.test');
    const before = hashingStats().hashed;
    const res = await signInBatch(base, [...Array.from({ length: 39 }, (_, i) => `wrong ${i}`), TEST_PASSWORD]);
    const items = (await res.json()) as { error?: { data: { code: string } }; result?: unknown }[];
    expect(items).toHaveLength(40);
    expect(items.some((i) => i.result)).toBe(false);
    expect(items.at(-1)!.error!.data.code).toBe('TOO_MANY_REQUESTS');
    expect(hashingStats().hashed - before).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAddressAndEmail);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it.each([
    { label: 'multipart/form-data', type: 'multipart/form-data; boundary=x', body: '--x--\r\n' },
    { label: 'text/plain', type: 'text/plain', body: '{}' },
    { label: 'application/x-www-form-urlencoded', type: 'application/x-www-form-urlencoded', body: 'a=1' },
  ])('refuses a cookie-only $label POST of auth.signOut, and the session still works', async ({ type, body }) => {
    const base = await serve();
    const { token } = await userWithCaller(t.db, 'ana@x.test');
    const cookie = `trellis_session=${token}`;
    const res = await fetch(`${base}/trpc/auth.signOut`, {
      method: 'POST',
      headers: { 'content-type': type, cookie },
      body,
    });
    expect(res.status).toBe(415);
    const me = await fetch(`${base}/trpc/auth.me`, { headers: { cookie } });
    expect(
      ((await me.json()) as { result: { data: { user: { email: string } } | null } }).result.data?.user.email,
    ).toBe('ana@x.test');
  });

  it('still takes a JSON mutation with the cookie, and one with the bearer token', async () => {
    const base = await serve();
    const a = await userWithCaller(t.db, 'ana@x.test');
    const b = await userWithCaller(t.db, 'bo@x.test');
    const byJson = await fetch(`${base}/trpc/auth.signOut`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `trellis_session=${a.token}` },
      body: '{}',
    });
    expect(byJson.status).toBe(200);
    const byBearer = await fetch(`${base}/trpc/auth.signOut`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.token}` },
      body: '{}',
    });
    expect(byBearer.status).toBe(200);
    const gone = await fetch(`${base}/trpc/auth.me`, { headers: { authorization: `Bearer ${b.token}` } });
    expect(((await gone.json()) as { result: { data: unknown } }).result.data).toBeNull();
  });

  it('serves the app with a CSP without inline scripts, no framing, nosniff and no referrer', async () => {
    const base = await serve();
    for (const url of [`${base}/`, `${base}/accounts/x`, `${base}/trpc/auth.me`]) {
      const res = await fetch(url);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('does not serve source maps', async () => {
    const base = await serve();
    expect((await fetch(`${base}/app.js`)).status).toBe(200);
    const map = await fetch(`${base}/app.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain('version');
  });

  it('ignores X-Forwarded-For and -Proto unless TRELLIS_TRUST_PROXY names the proxy', async () => {
    const direct = await serve();
    await userWithCaller(t.db, 'ana@x.test');
    const viaProxy = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };
    const res = await signInBatch(direct, [TEST_PASSWORD], viaProxy);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    await signInBatch(direct, ['a wrong guess'], viaProxy);
    const keys = (await t.db.selectFrom('sign_in_counters').select('key').execute()).map((r) => r.key);
    expect(keys).toContain('pair:127.0.0.1|ana@x.test');
    expect(keys.some((k) => k.includes('203.0.113.7'))).toBe(false);
  });

  it('behind a trusted proxy, throttles by the forwarded client address and marks the cookie Secure over HTTPS', async () => {
    const base = await serve({ trustProxy: 'loopback' });
    await userWithCaller(t.db, 'ana@x.test');
    for (let i = 0; i < 6; i++)
      await signInBatch(base, [`wrong ${i}`], { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    const attacker = await signInBatch(base, [TEST_PASSWORD], {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
    });
    expect(((await attacker.json()) as [{ error: { data: { code: string } } }])[0].error.data.code).toBe(
      'TOO_MANY_REQUESTS',
    );
    const user = await signInBatch(base, [TEST_PASSWORD], {
      'x-forwarded-for': '198.51.100.2',
      'x-forwarded-proto': 'https',
    });
    expect(user.status).toBe(200);
    expect(user.headers.get('set-cookie')).toMatch(/trellis_session=[^;]+;.*Secure/i);
    const plain = await signInBatch(base, [TEST_PASSWORD], {
      'x-forwarded-for': '198.51.100.3',
      'x-forwarded-proto': 'http',
    });
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });
});
