import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { callerAt, holdingWithAdmin, memberOf, TEST_PASSWORD } from './testing';

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

  const KiB = 1024;
  const codeOfRes = async (r: Response) => [
    r.status,
    ((await r.json()) as { error: { data: { code: string } } }).error.data.code,
  ];

  it('takes 64 KiB from an anonymous caller, 1 MiB from a session, and answers 413 one byte above (issue 18)', async () => {
    const signIn = { email: 'admin@holding.test', password: TEST_PASSWORD };
    expect((await post('auth.signIn', bodyOf(signIn, 64 * KiB))).status).toBe(200);
    const over = await post('auth.signIn', bodyOf(signIn, 64 * KiB + 1));
    expect(await codeOfRes(over)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    // a bearer that is no live session is anonymous
    expect((await post('auth.signIn', bodyOf(signIn, 64 * KiB + 1), { authorization: 'Bearer nobody' })).status).toBe(
      413,
    );
    const auth = { authorization: `Bearer ${adminToken}` };
    const atLimit = await post(
      'accounts.create',
      bodyOf({ parentId: holdingId, name: 'X', kind: 'agency' }, MiB),
      auth,
    );
    expect(atLimit.status).toBe(200);
    expect(
      (await post('accounts.create', bodyOf({ parentId: holdingId, name: 'Y', kind: 'agency' }, MiB + 1), auth)).status,
    ).toBe(413);
    expect((await post('ingestKeys.create', bodyOf({ accountId: holdingId, name: 'X' }, 2 * MiB), auth)).status).toBe(
      413,
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses a body nested deeper than 32 levels unparsed, from anyone (400)', async () => {
    const nested = (depth: number) => `{"email":${'['.repeat(depth)}${']'.repeat(depth)},"password":"x"}`;
    const refusedUnparsed = async (r: Response) => {
      const body = (await r.json()) as { error: { message: string; data: { code: string } } };
      return [r.status, body.error.data.code, body.error.message];
    };
    const unparsed = [400, 'BAD_REQUEST', 'The request body nests deeper than 32 levels.'];
    expect(await refusedUnparsed(await post('auth.signIn', nested(30_000)))).toEqual(unparsed);
    const auth = { authorization: `Bearer ${adminToken}` };
    const records = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const deep = await post('spend.ingest', `{"accountId":"${holdingId}","records":${records}}`, auth);
    expect(await refusedUnparsed(deep)).toEqual(unparsed);
    // brackets inside strings are text, not nesting; 32 levels still parse (and are then refused by the input's shape)
    expect((await post('auth.signIn', JSON.stringify({ email: '['.repeat(1000), password: 'x' }))).status).toBe(400);
    const shallow = await post('auth.signIn', nested(31));
    expect(await codeOfRes(shallow)).toEqual([400, 'BAD_REQUEST']);
    expect(
      ((await post('auth.signIn', nested(31)).then((r) => r.json())) as { error: { message: string } }).error.message,
    ).toMatch(/^email: /);
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

  it('takes more than 1 MiB on spend.ingest only from a session that may ingest into a root (issue 18)', async () => {
    const body = bodyOf({ accountId: holdingId, records: [] }, 2 * MiB);
    // an analyst of the holding, and an admin of an agency below it: signed in, but neither may ingest anywhere
    const analyst = await memberOf(t.db, 'analyst@holding.test', { id: holdingId, rootId: holdingId }, 'analyst');
    const admin = await callerAt(t.db, adminToken, new Date());
    const A = await admin.accounts.create({ parentId: holdingId, name: 'Agency A', kind: 'agency' });
    const agencyAdmin = await memberOf(t.db, 'agency-admin@holding.test', { id: A.id, rootId: holdingId }, 'admin');
    for (const token of [analyst.token, agencyAdmin.token]) {
      expect((await post('spend.ingest', body, { authorization: `Bearer ${token}` })).status).toBe(413);
      // their small bodies reach the procedure, which refuses them (by role; the holding is out of the agency's sight)
      const small = await post('spend.ingest', bodyOf({ accountId: holdingId, records: [] }, 1024), {
        authorization: `Bearer ${token}`,
      });
      expect(token === analyst.token ? 403 : 404).toBe(small.status);
    }
  });
});
