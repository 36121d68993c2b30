import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { holdingWithAdmin, TEST_PASSWORD } from './testing';

/** The wire contract of SPEC 10: plain JSON, GET for queries, POST for mutations, cookie or bearer sessions. */
let t: TestDatabase;
let server: Server;
let base: string;
let holdingId: string;
let adminToken: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({
    holding: { id: holdingId },
    admin: { token: adminToken },
  } = await holdingWithAdmin(t.db));
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
    const byBearer = await get(
      'accounts.tree',
      { accountId: holdingId },
      { authorization: `Bearer ${result.data.token}` },
    );
    expect(byCookie.status).toBe(200);
    expect(
      ((await byBearer.json()) as { result: { data: { id: string; children: unknown[] } } }).result.data,
    ).toMatchObject({ id: holdingId, children: [] });
  });

  it('returns readable errors with the tRPC code, the rule and field messages', async () => {
    const res = await post('accounts.createHolding', JSON.stringify({ name: 'X', currency: 'EUR', timeZone: 'UTC' }));
    expect(res.status).toBe(401);
    const bad = await post('auth.signIn', JSON.stringify({ email: '', password: '' }));
    const body = (await bad.json()) as {
      error: { message: string; data: { code: string; fieldErrors: Record<string, string> } };
    };
    expect(bad.status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(body.error.data.fieldErrors).sort()).toEqual(['email', 'password']);
    expect(body.error.message).toMatch(/^(email|password): /);
    expect(JSON.stringify(body)).not.toMatch(/stack|node_modules/);
  });

  it('survives malformed and oversize bodies, and keeps serving', async () => {
    expect((await post('auth.signIn', '{not json')).status).toBe(400);
    expect((await get('accounts.tree', '%%%')).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  /** A JSON body of exactly `bytes` bytes: `input` with an ignored `pad` key filling the rest. */
  const bodyOf = (input: object, bytes: number) => {
    const bare = JSON.stringify({ ...input, pad: '' });
    return JSON.stringify({ ...input, pad: 'x'.repeat(bytes - Buffer.byteLength(bare)) });
  };
  const MiB = 1024 * 1024;

  it('takes a body of up to 1 MiB on every procedure but spend.ingest, and answers 413 one byte above', async () => {
    const signIn = { email: 'admin@holding.test', password: TEST_PASSWORD };
    const atLimit = await post('auth.signIn', bodyOf(signIn, MiB));
    expect(atLimit.status).toBe(200);
    const over = await post('auth.signIn', bodyOf(signIn, MiB + 1));
    expect([over.status, ((await over.json()) as { error: { data: { code: string } } }).error.data.code]).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
    const auth = { authorization: `Bearer ${adminToken}` };
    expect(
      (await post('accounts.create', bodyOf({ parentId: holdingId, name: 'X', kind: 'agency' }, MiB + 1), auth)).status,
    ).toBe(413);
    expect((await post('ingestKeys.create', bodyOf({ accountId: holdingId, name: 'X' }, 2 * MiB), auth)).status).toBe(
      413,
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('takes a body of up to 16 MiB on spend.ingest, and answers 413 one byte above', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const atLimit = await post('spend.ingest', bodyOf({ accountId: holdingId, records: [] }, 16 * MiB), auth);
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as { result: { data: { accepted: number } } }).result.data.accepted).toBe(0);
    expect((await post('spend.ingest', bodyOf({ accountId: holdingId, records: [] }, 16 * MiB + 1), auth)).status).toBe(
      413,
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('reads at most 1 MiB of a spend.ingest body from a caller with no live session or ingest key (413, not parsed)', async () => {
    const body = bodyOf({ accountId: holdingId, records: [] }, 2 * MiB);
    for (const headers of [
      {},
      { authorization: 'Bearer trk_00000000000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { cookie: 'trellis_session=nobody' },
    ] as Record<string, string>[]) {
      expect((await post('spend.ingest', body, headers)).status).toBe(413);
    }
    expect((await post('spend.ingest', bodyOf({ accountId: holdingId, records: [] }, 1024))).status).toBe(401);
  });
});
