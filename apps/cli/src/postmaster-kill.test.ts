import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@trellis/db';
import { freePort } from '@trellis/db/embedded';
import { spendFixture } from '@trellis/db/testing';
import { ready, releaseStarts, start } from '../../api/src/start-support';
import { embeddedDatabaseUrl } from './database-url';
import { cli, count, folder, rolledUp, sleep, spendCsv, totals } from './installation-support';

/**
 * `kill -9` of the embedded postmaster under `pnpm start` (scripts/start.ts), during a CLI ingest and during a
 * worker rollup: the supervisor restarts the database, the worker retries, the CLI says what it committed and a second
 * run stores the rest. Afterwards every acknowledged record is stored once, rollups equal raw, and per client
 * debits + overage equal attributed spend.
 */
const dir = folder('trellis-kill-');
let run: ReturnType<typeof start>;
let db: Db;
let f: Awaited<ReturnType<typeof spendFixture>>;
beforeAll(async () => {
  const port = await freePort();
  run = start(dir, port, { TRELLIS_WORKER_POLL_MS: '50', TRELLIS_WORKER_MAX_RANGE: '3000' });
  await ready(port, run);
  db = createDb(embeddedDatabaseUrl(dir), { max: 2 });
  f = await spendFixture(db);
}, 120_000);
afterAll(async () => {
  await db?.destroy();
  run?.child.kill('SIGTERM');
  await run?.exited;
  releaseStarts();
});

const postmaster = () => Number(readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
/** Waits until the supervisor has the database back (a new postmaster answering queries). */
async function back(dead: number) {
  for (const until = Date.now() + 45_000; ; await sleep(200)) {
    try {
      if (postmaster() !== dead) {
        await sql`select 1`.execute(db);
        return;
      }
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`the database did not come back\n${run.out()}`);
  }
}

describe('kill -9 of the embedded postmaster', () => {
  it(
    'during a CLI ingest: the CLI says what it committed, a second run stores the rest, each record once',
    { timeout: 60_000 },
    async () => {
      const file = spendCsv(path.join(dir, 'a.csv'), 'a', 60_000, f.k2.id);
      const first = cli(dir, ['ingest', file, '--account', f.h.id, '--chunk', '1000']);
      while ((await count(db)) < 5_000) await sleep(10);
      const dead = postmaster();
      process.kill(dead, 'SIGKILL');
      expect(await first.exited, first.output()).toBe(1);
      const committed = /Committed before it, in batch [0-9a-f-]{36}: (\d+) records/.exec(first.output());
      expect(committed, first.output()).not.toBeNull();
      expect(first.output()).toContain('Run the same command again');
      expect(first.output()).not.toMatch(/Unhandled 'error' event|\n\s+at /);
      await back(dead);
      expect(run.out()).toMatch(/the database server \(pid \d+\) died; restarting it/);
      const second = cli(dir, ['ingest', file, '--account', f.h.id, '--chunk', '1000']);
      expect(await second.exited, second.output()).toBe(0);
      // acknowledged records are all there (a commit the kill cut off before its answer may be there too)
      const dup = Number(/duplicates\s+(\d+)/.exec(second.output())![1]);
      const acc = Number(/accepted\s+(\d+)/.exec(second.output())![1]);
      expect(dup).toBeGreaterThanOrEqual(Number(committed![1]));
      expect(dup + acc).toBe(60_000);
      expect(await count(db)).toBe(60_000);
    },
  );

  it(
    'during a worker rollup: the worker retries once the database is back, totals exact',
    { timeout: 60_000 },
    async () => {
      const file = spendCsv(path.join(dir, 'b.csv'), 'b', 60_000, f.k2.id);
      const ingest = cli(dir, ['ingest', file, '--account', f.h.id]);
      expect(await ingest.exited, ingest.output()).toBe(0);
      let killed = 0;
      for (const until = Date.now() + 30_000; !killed && Date.now() < until;) {
        const r = await sql<{ n: string }>`
        select count(*)::text as n from pg_stat_activity
        where application_name = 'trellis-worker' and xact_start is not null and state <> 'idle'
          and query ~ '(spend_hourly|spend_records|credit|spend_watermarks|advisory)'`.execute(db);
        if (r.rows[0]!.n !== '0') {
          killed = postmaster();
          process.kill(killed, 'SIGKILL');
        } else await sleep(2);
      }
      expect(killed, 'caught the worker inside a rollup').toBeGreaterThan(0);
      await back(killed);
      await rolledUp(db, [f.h.id, f.x.id], 45_000, run.out);
      const t = await totals(db);
      expect(t.raw.n).toBe('120000');
      expect(t.raw.events).toBe(t.raw.n);
      expect(t.rolled).toEqual({ n: t.raw.n, spend: t.raw.spend });
      expect(t.perClient.length).toBeGreaterThan(0);
      for (const c of t.perClient) expect(c.ledger, `client ${c.client_id}`).toBe(c.raw);
      // the same worker process lived through it: it retried, nothing restarted it
      expect(run.out()).not.toMatch(/worker (exited|was killed)/);
      expect(run.out()).toMatch(/failed \(retry in \d+ ms\)/);
    },
  );
});
