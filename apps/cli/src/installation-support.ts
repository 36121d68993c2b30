/**
 * Test support: an installation's embedded database in a data folder of its own (the way `pnpm start` makes it), the
 * CLI and the worker as real processes, and the checks every exactly-once test makes (raw = rollups, raw = debits +
 * overage per client, each event once).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, migrateToLatest, spend, type Db } from '@trellis/db';
import { startEmbeddedPostgres, type EmbeddedServer } from '@trellis/db/embedded';
import { hoursAfter, tsNode } from '@trellis/db/testing';

export const cliMain = path.resolve(import.meta.dirname, 'main.ts');
const workerMain = path.resolve(import.meta.dirname, '../../worker/src/main.ts');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh folder (0755: as root, the database server runs as `postgres` and must enter it). */
export function folder(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** The embedded server of a data folder, with a migrated `trellis` database, as `pnpm start` leaves it. */
export async function installation(dataDir: string): Promise<{ server: EmbeddedServer; db: Db; url: string }> {
  const server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres') });
  const c = new pg.Client(server.url);
  await c.connect();
  const exists = await c.query(`select 1 from pg_database where datname = 'trellis'`);
  if (!exists.rowCount) await c.query('create database trellis');
  await c.end();
  const url = server.urlFor('trellis');
  const db = createDb(url, { max: 4 });
  await migrateToLatest(db);
  return { server, db, url };
}

export interface Run {
  child: ReturnType<typeof spawn>;
  output: () => string;
  exited: Promise<number | null>;
}

function proc(cmd: [string, string[]], env: Record<string, string | undefined>): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRELLIS_') && k !== 'DATABASE_URL'),
  );
  const child = spawn(...cmd, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** The CLI on the embedded database of a data folder (no DATABASE_URL unless given). */
export const cli = (dataDir: string, args: string[], env: Record<string, string> = {}) =>
  proc(tsNode(cliMain, ...args), { TRELLIS_DATA_DIR: dataDir, ...env });

export const worker = (url: string, name = 'trellis-worker') =>
  proc(tsNode(workerMain), {
    DATABASE_URL: url,
    TRELLIS_WORKER_NAME: name,
    TRELLIS_WORKER_POLL_MS: '50',
    TRELLIS_WORKER_MAX_RANGE: '3000',
    TRELLIS_WORKER_HEARTBEAT_MS: '1000',
  });

const HEADER = 'eventId,occurredAt,dsp,seatId,dealId,auctionType,campaignId,impressions,clicks,spendMicros,currency';

/** A CSV of `n` records of the spend fixture's holding H (seats S1 and S2, some on campaign K2), ids `prefix-k`. */
export function spendCsv(file: string, prefix: string, n: number, k2: string) {
  const rows = [HEADER];
  for (let k = 0; k < n; k++) {
    const s2 = k % 2 === 0;
    const at = hoursAfter(25 + (k % 40) / 10).toISOString();
    rows.push(
      [
        `${prefix}-${k}`,
        at,
        s2 ? 'ttd' : 'dv360',
        s2 ? 'S2' : 'S1',
        '',
        'open_auction',
        s2 && k % 4 === 0 ? k2 : '',
        String(100 + (k % 13)),
        String(k % 11),
        String(1000 + ((k * 7919) % 100_000)),
        'EUR',
      ].join(','),
    );
  }
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

export async function count(db: Db, table = 'spend_records'): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]!.n);
}

/** Waits until nothing of these roots is left to roll up. */
export async function rolledUp(db: Db, roots: string[], ms: number, why: () => string) {
  for (const until = Date.now() + ms; ; await sleep(200)) {
    let pending = 0;
    for (const root of roots) pending += (await spend.status(db, root, new Date())).pendingRecords;
    if (pending === 0) return;
    if (Date.now() > until) throw new Error(`not rolled up: ${pending} pending\n${why()}`);
  }
}

/** The exactly-once totals: each event once; rollups equal raw; per client, debits + overage equal attributed spend. */
export async function totals(db: Db) {
  const raw = (
    await sql<{ n: string; spend: string; events: string }>`
      select count(*)::text as n, coalesce(sum(spend_micros), 0)::text as spend,
        count(distinct (root_id, event_id))::text as events from spend_records`.execute(db)
  ).rows[0]!;
  const rolled = (
    await sql<{ n: string; spend: string }>`
      select coalesce(sum(records), 0)::text as n, coalesce(sum(spend_micros), 0)::text as spend
      from spend_hourly`.execute(db)
  ).rows[0]!;
  const perClient = (
    await sql<{ client_id: string; raw: string; ledger: string | null }>`
      select r.client_id, r.raw::text, l.ledger::text from
        (select client_id, sum(spend_micros) as raw from spend_records where client_id is not null group by 1) r
        left join (select client_id, sum(-amount_micros) + sum(overage_micros) as ledger
          from credit_entries where kind = 'spend' group by 1) l using (client_id)`.execute(db)
  ).rows;
  return { raw, rolled, perClient };
}

/** Checksums of every table's rows, independent of the order they are stored in (md5 of each row's text form). */
export async function tableChecksums(q: (text: string) => Promise<{ rows: unknown[] }>) {
  const tables = (await q(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and c.relpersistence <> 't' and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_%' order by 1`,
  )) as { rows: { name: string }[] };
  const out: Record<string, string> = {};
  for (const { name } of tables.rows) {
    const r = (await q(
      `select count(*)::text || ':' || coalesce(md5(string_agg(h, '' order by h)), '-') as sum
        from (select md5(t::text) as h from ${name} t) x`,
    )) as { rows: { sum: string }[] };
    out[name] = r.rows[0]!.sum;
  }
  return out;
}
