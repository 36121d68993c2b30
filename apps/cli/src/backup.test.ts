import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, sessions, type Db } from '@trellis/db';
import { freePort, type EmbeddedServer } from '@trellis/db/embedded';
import { spendFixture } from '@trellis/db/testing';
import { ready, releaseStarts, start } from '../../api/src/start-support';
import type { Manifest } from './backup-file';
import { embeddedDatabaseUrl } from './database-url';
import {
  cli,
  count,
  folder,
  installation,
  rolledUp,
  sleep,
  spendCsv,
  tableChecksums,
  totals,
  worker,
} from './installation-support';

/**
 * `trellis backup` of a running installation's embedded database while the worker rolls up and a CLI ingest writes,
 * `trellis restore` into a new folder, `pnpm start` on it; and the refusals.
 */
const dir = folder('trellis-backup-src-');
const work = folder('trellis-backup-work-');
let src: { server: EmbeddedServer; db: Db; url: string };
let f: Awaited<ReturnType<typeof spendFixture>>;
beforeAll(async () => {
  src = await installation(dir);
  f = await spendFixture(src.db);
  await sessions.insertSession(src.db, {
    tokenHash: 'h'.repeat(64),
    userId: f.u.id,
    expiresAt: new Date(Date.now() + 1e9),
  });
}, 60_000);
afterAll(async () => {
  releaseStarts();
  await src?.db.destroy();
  await src?.server.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('trellis backup and restore', () => {
  it(
    'backs up under load as of one snapshot; the restore equals it table by table, starts, and keeps its totals exact',
    { timeout: 120_000 },
    async () => {
      const bigFile = spendCsv(path.join(work, 'big.csv'), 'big', 120_000, f.k2.id);
      const w = worker(src.url);
      const ingest = cli(dir, ['ingest', bigFile, '--account', f.h.id, '--chunk', '1000']);
      // the moment of the backup: the ingest half-way, the worker inside a rollup transaction
      const snap = new pg.Client(src.url);
      await snap.connect();
      for (const until = Date.now() + 60_000; ; await sleep(5)) {
        if (Date.now() > until) throw new Error(`no rollup seen\n${w.output()}\n${ingest.output()}`);
        if ((await count(src.db)) < 10_000) continue;
        // a rollup has committed (its debits and audit entries are there) and the next one is under way
        const r = await sql<{ n: string }>`
          select count(*)::text as n from pg_stat_activity
          where application_name = 'trellis-worker' and xact_start is not null and state <> 'idle'
            and exists (select 1 from spend_watermarks where rolled_seq > 0)`.execute(src.db);
        if (r.rows[0]!.n === '0') continue;
        // and, in the snapshot itself, records not yet rolled up (on slow cores the worker may have caught up with a
        // stalled ingest: then look again)
        await snap.query('begin isolation level repeatable read read only');
        const behind = await snap.query<{ n: string }>(
          `select ((select count(*) from spend_records) - (select coalesce(sum(records), 0) from spend_hourly))::text as n`,
        );
        if (behind.rows[0]!.n !== '0') break;
        await snap.query('commit');
      }
      const id = (await snap.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]!.id;
      const file = path.join(work, 'trellis.backup.gz');
      const b = cli(dir, ['backup', file, '--snapshot', id]);
      expect(await b.exited, b.output()).toBe(0);
      // the source as the backup saw it, recomputed here inside the same snapshot
      const before = await tableChecksums((q) => snap.query(q));
      const lag = await snap.query<{ raw: string; rolled: string }>(
        `select (select count(*) from spend_records)::text as raw,
          (select coalesce(sum(records), 0) from spend_hourly)::text as rolled`,
      );
      await snap.query('commit');
      await snap.end();
      expect(await ingest.exited, ingest.output()).toBe(0);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);

      const manifest = JSON.parse(
        gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n').at(-1)!.slice(2),
      ) as Manifest;
      const n = (name: string) => Number(before[`public.${name}`]!.split(':')[0]);
      // it was taken under load: records not yet rolled up, more records arriving after it
      const snapRecords = manifest.tables
        .filter((t) => t.parent === 'public.spend_records')
        .reduce((a, t) => a + t.rows, 0);
      expect(snapRecords).toBeGreaterThanOrEqual(10_000);
      expect(snapRecords).toBeLessThan(120_000);
      expect(Number(lag.rows[0]!.raw)).toBe(snapRecords);
      expect(Number(lag.rows[0]!.rolled)).toBeLessThan(snapRecords);
      for (const t of [
        'sessions',
        'audit_entries',
        'credit_entries',
        'spend_hourly',
        'spend_event_ids',
        'kysely_migration',
      ])
        expect(n(t), t).toBeGreaterThan(0);
      expect(b.output()).toMatch(/Backed up \d+ tables/);
      expect(Object.keys(before).length).toBe(manifest.tables.length);
      for (const t of manifest.tables)
        expect(`${t.rows}`, t.name).toBe(before[`public.${t.name.split('.')[1]}`]?.split(':')[0]);

      const restored = path.join(work, 'restored');
      const r = cli(restored, ['restore', file, '--data-dir', restored]);
      expect(await r.exited, r.output()).toBe(0);
      expect(r.output()).toMatch(/Restored \d+ tables/);
      // every table equal to the source at the snapshot, recomputed from the restored database
      const back = await installation(restored);
      try {
        expect(await tableChecksums((q) => sql.raw(q).execute(back.db))).toEqual(before);
        const seq = await sql<{ ok: boolean }>`
          select (select last_value from spend_seq) >= (select coalesce(max(seq), 0) from spend_records) as ok`.execute(
          back.db,
        );
        expect(seq.rows[0]!.ok).toBe(true);
      } finally {
        await back.db.destroy();
        await back.server.stop();
      }

      // `pnpm start` serves it; it keeps ingesting (the rest of the big file, and more) and its totals stay exact
      const port = await freePort();
      const run = start(restored, port, { TRELLIS_WORKER_POLL_MS: '50' });
      await ready(port, run);
      const again = cli(restored, ['ingest', bigFile, '--account', f.h.id]);
      expect(await again.exited, again.output()).toBe(0);
      expect(again.output()).toMatch(new RegExp(`accepted\\s+${120_000 - snapRecords}\\b`));
      expect(again.output()).toMatch(new RegExp(`duplicates\\s+${snapRecords}\\b`));
      const more = cli(restored, [
        'ingest',
        spendCsv(path.join(work, 'more.csv'), 'more', 5000, f.k2.id),
        '--account',
        f.h.id,
      ]);
      expect(await more.exited, more.output()).toBe(0);
      const db = createDb(embeddedDatabaseUrl(restored), { max: 2 });
      try {
        await rolledUp(db, [f.h.id, f.x.id], 60_000, run.out);
        const t = await totals(db);
        expect(t.raw.n).toBe('125000');
        expect(t.raw.events).toBe(t.raw.n);
        expect(t.rolled).toEqual({ n: t.raw.n, spend: t.raw.spend });
        expect(t.perClient.length).toBeGreaterThan(0);
        for (const c of t.perClient) expect(c.ledger, `client ${c.client_id}`).toBe(c.raw);
      } finally {
        await db.destroy();
      }
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    },
  );

  it(
    'refuses with the reason: DATABASE_URL set, a folder in use or not empty, a damaged or cut-short file',
    { timeout: 180_000 },
    async () => {
      const file = path.join(work, 'small.backup.gz');
      const ok = cli(dir, ['backup', file]);
      expect(await ok.exited, ok.output()).toBe(0);

      const withUrl = cli(dir, ['backup', path.join(work, 'x.gz')], { DATABASE_URL: src.url });
      expect(await withUrl.exited).toBe(1);
      expect(withUrl.output()).toMatch(/DATABASE_URL is set/);
      expect(withUrl.output()).toMatch(/pg_dump --format=custom/);
      expect(withUrl.output()).toMatch(/pg_restore/);
      expect(existsSync(path.join(work, 'x.gz'))).toBe(false);

      const inUse = cli(dir, ['restore', file, '--data-dir', dir]);
      expect(await inUse.exited).toBe(1);
      expect(inUse.output()).toMatch(/is in use: a database server is running in it/);

      const full = folder('trellis-backup-full-');
      writeFileSync(path.join(full, 'notes.txt'), 'mine');
      const notEmpty = cli(dir, ['restore', file, '--data-dir', full]);
      expect(await notEmpty.exited).toBe(1);
      expect(notEmpty.output()).toMatch(/is not empty \(it holds notes\.txt\)/);
      expect(readdirSync(full)).toEqual(['notes.txt']);
      rmSync(full, { recursive: true, force: true });

      const bytes = readFileSync(file);
      const cases: [string, Buffer, RegExp][] = [
        ['cut short', bytes.subarray(0, Math.floor(bytes.length / 2)), /incomplete/],
        [
          'a flipped byte',
          Buffer.from(bytes.map((x, i) => (i === Math.floor(bytes.length / 2) ? x ^ 0xff : x))),
          /damaged|incomplete/,
        ],
        [
          'a row changed, compressed again',
          gzipSync(Buffer.from(gunzipSync(bytes).toString('latin1').replace('dv360', 'dv361'), 'latin1')),
          /damaged: the data of table public\.\w+ does not match its checksum/,
        ],
        ['not a backup', gzipSync('hello\n'), /not a Trellis backup/],
      ];
      for (const [what, content, why] of cases) {
        const bad = path.join(work, 'bad.gz');
        writeFileSync(bad, content);
        const target = path.join(work, 'never');
        const res = cli(dir, ['restore', bad, '--data-dir', target]);
        expect(await res.exited, what).toBe(1);
        expect(res.output(), what).toMatch(/Refused: the backup file is/);
        expect(res.output(), what).toMatch(why);
        expect(res.output(), what).not.toMatch(/\n\s+at /);
        expect(existsSync(target), what).toBe(false);
      }

      const restoreWithUrl = cli(dir, ['restore', file, '--data-dir', path.join(work, 'never')], {
        DATABASE_URL: src.url,
      });
      expect(await restoreWithUrl.exited).toBe(1);
      expect(restoreWithUrl.output()).toMatch(/DATABASE_URL is set/);
    },
  );
});
