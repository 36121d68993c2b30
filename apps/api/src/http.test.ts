import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { holdingWithAdmin, TEST_PASSWORD } from './test-support';

/** The wire contract of SPEC 10: plain JSON, GET for queries, POST for mutations, cookie or bearer sessions. */
let t: TestDatabase;
let server: Server;
let base: string;
let holdingId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ holding: { id: holdingId } } = await holdingWithAdmin(t.db));
  server = createApp({ db: t.db, publicUrl: 'http://localhost' }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.drop();
});

const get = (name: string, input: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
const post = (name: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/trpc/${name}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('HTTP', () => {
  it('answers /healthz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('signs in with a POST, then works with the cookie and with the bearer token', async () => {
    const res = await post('auth.signIn', JSON.stringify({ email: 'admin@holding.test', password: TEST_PASSWORD }));
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/trellis_session=.+; .*HttpOnly/i);
    const { result } = (await res.json()) as { result: { data: { token: string } } };
    const byCookie = await get('accounts.tree', { accountId: holdingId }, { cookie: cookie.split(';')[0]! });
    const byBearer = await get('accounts.tree', { accountId: holdingId }, { authorization: `Bearer ${result.data.token}` });
    expect(byCookie.status).toBe(200);
    expect(((await byBearer.json()) as { result: { data: { id: string; children: unknown[] } } }).result.data).toMatchObject({ id: holdingId, children: [] });
  });

  it('returns readable errors with the tRPC code, the rule and field messages', async () => {
    const res = await post('accounts.createHolding', JSON.stringify({ name: 'X', currency: 'EUR', timeZone: 'UTC' }));
    expect(res.status).toBe(401);
    const bad = await post('auth.signIn', JSON.stringify({ email: '', password: '' }));
    const body = (await bad.json()) as { error: { message: string; data: { code: string; fieldErrors: Record<string, string> } } };
    expect(bad.status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(body.error.data.fieldErrors).sort()).toEqual(['email', 'password']);
    expect(body.error.message).toMatch(/^(email|password): /);
    expect(JSON.stringify(body)).not.toMatch(/stack|node_modules/);
  });

  it('survives malformed and oversize bodies, and keeps serving', async () => {
    expect((await post('auth.signIn', '{not json')).status).toBe(400);
    expect((await post('auth.signIn', JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2_000_000) }))).status).toBe(413);
    expect((await get('accounts.tree', '%%%')).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
