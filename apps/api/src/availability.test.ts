import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@trellis/db';
import { freePort } from '@trellis/db/embedded';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { holdingWithAdmin } from './testing';
import { T0 } from './testing/report-world';

/**
 * Issue 18 (1, 2) and 21: exports cancelled at any moment or never read release their connections, never take those
 * of other requests, and a database that is down answers 503 in tRPC's shape. Over HTTP, against a pool the size the
 * api runs with (10, and 3 for exports).
 */
let t: TestDatabase;
let db: Db;
let server: Server;
let port: number;
let base: string;
let exporter: string;
let exportPath: string;
let other: { token: string; holdingId: string };
const STALL_MS = 1500;
/** The export's rows: 300 seats x 599 hours (the 600th falls on the next day of the holding's zone, Copenhagen). */
const ROWS = 300 * 599;

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { max: 10, copyMax: 3, applicationName: 'avail' });
  const a = await holdingWithAdmin(t.db, 'Exporter', 'exporter@a.test');
  const b = await holdingWithAdmin(t.db, 'Other', 'other@b.test');
  exporter = a.admin.token;
  other = { token: b.admin.token, holdingId: b.holding.id };
  // 300 seats x 600 hours of spend: an export of ~180,000 rows, tens of MB, far more than the sockets' buffers
  await sql`
    insert into seats (id, root_id, dsp, external_id, name, linked_by_account_id, created_at)
    select gen_random_uuid(), ${a.holding.id}::uuid, 'dv360', 'S-' || g, 'Seat ' || g || repeat(' of a long name', 6),
      ${a.holding.id}::uuid, ${new Date(T0)}::timestamptz
    from generate_series(1, 300) g`.execute(t.db);
  await sql`
    insert into spend_hourly (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
      client_id, impressions, clicks, spend_micros, records)
    select ${a.holding.id}::uuid, ${a.holding.id}::uuid, ${new Date(T0)}::timestamptz + h * interval '1 hour', 'dv360',
      s.id, null, 'open_auction', null, 'EUR', null, 1000 + h, h % 13, 1234567 + h * 7919, 1
    from generate_series(0, 599) h cross join seats s where s.root_id = ${a.holding.id}::uuid`.execute(t.db);
  await sql`analyze spend_hourly`.execute(t.db);
  const input = JSON.stringify({
    accountId: a.holding.id,
    from: new Date(T0).toISOString().slice(0, 10),
    to: new Date(T0 + 599 * 3_600_000).toISOString().slice(0, 10),
    groupBy: ['hour', 'seat'],
  });
  exportPath = `/exports/report.csv?${new URLSearchParams({ input }).toString()}`;
  server = createApp({ db, publicUrl: 'http://localhost', exportStallMs: STALL_MS }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await db?.destroy();
  await t?.drop();
});

/** A raw HTTP GET of the export: the socket is the test's to cut or to leave unread. */
function rawExport(): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.write(`GET ${exportPath} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${exporter}\r\n\r\n`);
  return s;
}

/** Connections of this test's pools the server still has busy (a COPY, a query). */
const busy = async () =>
  Number(
    (
      await sql<{ n: string }>`select count(*)::text as n from pg_stat_activity
        where application_name like 'avail%' and state <> 'idle'`.execute(t.db)
    ).rows[0]!.n,
  );

async function eventually(what: string, ms: number, ok: () => Promise<boolean>) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Another tenant's usual calls: each must answer (within 5 s, far above its usual few ms). */
async function otherTenantAnswers() {
  const signal = AbortSignal.timeout(5000);
  const tree = await fetch(
    `${base}/trpc/accounts.tree?input=${encodeURIComponent(JSON.stringify({ accountId: other.holdingId }))}`,
    { headers: { authorization: `Bearer ${other.token}` }, signal },
  );
  expect(tree.status).toBe(200);
  const ready = await fetch(`${base}/readyz`, { signal });
  // no worker runs in this test: 503 naming the worker, with the database answering
  expect(((await ready.json()) as { database: string }).database).toBe('ok');
}

describe('exports and the pool (issue 18)', () => {
  it('50 exports cut at moments from before their planning to mid-stream release every connection', async () => {
    const sockets = Array.from({ length: 50 }, rawExport);
    await Promise.all(sockets.map((s, i) => new Promise((r) => setTimeout(() => r(s.destroy()), i))));
    await eventually('the cut exports to release their connections', 20_000, async () => (await busy()) === 0);
    await otherTenantAnswers();
    // and the exports still work
    const res = await fetch(`${base}${exportPath}`, { headers: { authorization: `Bearer ${exporter}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n').length).toBe(ROWS + 2);
  });

  it(
    '50 exports opened and never read: other tenants are served, more exports get 503 until the stalled ones end',
    { timeout: 60_000 },
    async () => {
      const sockets = Array.from({ length: 50 }, rawExport); // never read: the kernel buffers fill, then ours
      try {
        // three take the export connections and stall; the rest are refused with 503 at once
        await eventually('the exports to start', 10_000, async () => (await busy()) >= 3);
        await otherTenantAnswers();
        const refused = await fetch(`${base}${exportPath}`, { headers: { authorization: `Bearer ${exporter}` } });
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(await refused.json()).toEqual({
          error: 'Too many exports are running right now; try again in a moment.',
        });
        expect(await busy()).toBeLessThanOrEqual(3);
        // a reader making no progress for STALL_MS is cut off: its connection is released and exports work again
        await eventually('the stalled exports to end', 20_000, async () => (await busy()) === 0);
        const res = await fetch(`${base}${exportPath}`, { headers: { authorization: `Bearer ${exporter}` } });
        expect(res.status).toBe(200);
        expect((await res.text()).split('\n').length).toBe(ROWS + 2);
      } finally {
        for (const s of sockets) s.destroy();
      }
    },
  );
});

describe('a database that is down (issue 21)', () => {
  let down: Db;
  let downServer: Server;
  let downBase: string;
  beforeAll(async () => {
    // a server nobody listens on: every connection is refused
    down = createDb(`postgres://nobody@127.0.0.1:${await freePort()}/none`, {
      timeouts: { connectMs: 1000, statementMs: 1000, queryMs: 1500 },
    });
    downServer = createApp({ db: down, publicUrl: 'http://localhost' }).listen(0, '127.0.0.1');
    await new Promise((r) => downServer.once('listening', r));
    downBase = `http://127.0.0.1:${(downServer.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => downServer.close(r));
    await down.destroy();
  });

  it('answers 503 in the tRPC shape, never an HTML page or a stack, on every path', async () => {
    const json = { 'content-type': 'application/json' };
    const calls: [string, Promise<Response>][] = [
      [
        'sign-in',
        fetch(`${downBase}/trpc/auth.signIn`, {
          method: 'POST',
          headers: json,
          body: '{"email":"a@b.test","password":"x"}',
        }),
      ],
      [
        'spend.ingest with any bearer',
        fetch(`${downBase}/trpc/spend.ingest`, {
          method: 'POST',
          headers: { ...json, authorization: 'Bearer whatever' },
          body: JSON.stringify({
            accountId: '00000000-0000-4000-8000-000000000000',
            records: [],
            pad: 'x'.repeat(100_000),
          }),
        }),
      ],
      [
        'accounts.tree',
        fetch(`${downBase}/trpc/accounts.tree?input=%7B%7D`, { headers: { authorization: 'Bearer x' } }),
      ],
    ];
    for (const [what, call] of calls) {
      const res = await call;
      const text = await res.text();
      expect([what, res.status], text).toEqual([what, 503]);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(text).not.toMatch(/ECONNREFUSED|node_modules|<html|at .*\.ts:\d+/i);
      expect((JSON.parse(text) as { error: { data: { code: string } } }).error.data.code).toBe('SERVICE_UNAVAILABLE');
    }
    const exp = await fetch(`${downBase}/exports/report.csv?input=%7B%7D`, { headers: { authorization: 'Bearer x' } });
    expect(exp.status).toBe(503);
    const ready = await fetch(`${downBase}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).not.toMatch(/ECONNREFUSED/);
  });
});
