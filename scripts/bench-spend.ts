/**
 * The spend sections of `pnpm bench` (issue 10), each beside a baseline measured in the same run, over a generated
 * CSV shaped like a DSP's log export: 28 days in time order (each record within 5 minutes of its place), 1% of the
 * records late (from anywhere earlier), spread over 220 seats of 20 agencies and 200 clients:
 *   5. CLI ingest of a generated CSV of TRELLIS_BENCH_SPEND_RECORDS records (default 5,000,000; target >= 250,000
 *      records/s) vs COPY of the same file into a bare table with a primary key on the event id; beside it the floor
 *      of this machine (`ingestFloor`: the same file's raw lines staged, then only the two writes each record needs);
 *   6. the worker's rollup of those records (target >= 1,000,000 records/s): the worker process rolls everything up,
 *      and its rollup units' own time (claim to commit, as it logs them) is the measure, with the process's wall time
 *      from its start printed beside it; vs one bare INSERT ... SELECT ... GROUP BY ... ON CONFLICT over the same raw
 *      rows into an empty table with the same key (the baseline reads the raw records; the worker sums the partial
 *      aggregates ingestion wrote, which is the point of them);
 *   7. the peak RSS of the CLI and of the worker process (target <= 300 MB each, whatever the file size).
 * Runs alone with `pnpm bench:spend`. Uses DATABASE_URL when set, else a throw-away embedded PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { nameKey } from '@trellis/domain';
import { accounts, createDb, migrateToLatest, seats, users, type Db } from '@trellis/db';
import { tsNode } from '@trellis/db/testing/process';
import { benchDatabase } from './bench-support';

const root = path.resolve(import.meta.dirname, '..');

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** A holding with 20 agencies of 10 clients; each client holds one dv360 seat, each agency one ttd seat. */
export async function seedSpendHolding(db: Db) {
  const mk = (parent: accounts.Account | null, kind: 'holding' | 'agency' | 'client', name: string) =>
    accounts.insertAccount(db, {
      parent: parent && { id: parent.id, rootId: parent.rootId, kind: parent.kind },
      kind,
      level: kind === 'holding' ? 1 : kind === 'agency' ? 2 : 3,
      clientTier: kind === 'client' ? 'standard' : null,
      name,
      nameKey: nameKey(name),
      currency: 'EUR',
      timeZone: 'UTC',
    });
  const h = await mk(null, 'holding', 'Spend Bench');
  const u = await users.insertUser(db, { email: 'spend-bench@trellis.test', name: 'Bench', passwordHash: 'x' });
  const since = new Date('2026-01-01T00:00:00Z');
  const seatIds: { dsp: string; seatId: string }[] = [];
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < 20; a++) {
      const agency = await mk(h, 'agency', `Agency ${a}`);
      const s = await seats.insertSeat(trx, {
        rootId: h.id,
        dsp: 'ttd',
        externalId: `T${a}`,
        name: null,
        account: h,
        at: since,
        by: u.id,
      });
      await seats.moveSeat(trx, s, agency, since, u.id);
      seatIds.push({ dsp: 'ttd', seatId: `T${a}` });
      for (let c = 0; c < 10; c++) {
        const client = await mk(agency, 'client', `Client ${a}-${c}`);
        const cs = await seats.insertSeat(trx, {
          rootId: h.id,
          dsp: 'dv360',
          externalId: `D${a}x${c}`,
          name: null,
          account: h,
          at: since,
          by: u.id,
        });
        await seats.moveSeat(trx, cs, client, since, u.id);
        seatIds.push({ dsp: 'dv360', seatId: `D${a}x${c}` });
      }
    }
  });
  return { rootId: h.id, seatIds };
}

/**
 * The generated file: `n` records over the 28 days before `now` (inside the default correction window). With
 * `restate`, the DSP's restated file of the same records: every 20th one a correction of the first file's record
 * (revision 1, a lower figure, invalid traffic), the rest new records (ids after the first file's).
 */
export async function writeCsv(
  file: string,
  n: number,
  seatIds: { dsp: string; seatId: string }[],
  opts: { now?: Date; restate?: boolean } = {},
) {
  const out = createWriteStream(file);
  out.write(
    'eventId,occurredAt,dsp,seatId,dealId,auctionType,campaignId,impressions,clicks,spendMicros,currency,revision,correctionReason\n',
  );
  const rand = rng(11);
  const start = (opts.now ?? new Date()).getTime() - 29 * 24 * 3600 * 1000;
  let buf = '';
  const span = 28 * 24 * 3600;
  for (let i = 0; i < n; i++) {
    const s = seatIds[Math.floor(rand() * seatIds.length)]!;
    // as a DSP's log export: in time order (within a few minutes), with 1% late records from anywhere earlier
    const inOrder = Math.floor((i / n) * span);
    const second = rand() < 0.01 ? Math.floor(rand() * inOrder) : Math.max(0, inOrder - Math.floor(rand() * 300));
    const at = new Date(start + second * 1000).toISOString();
    const imp = 1 + Math.floor(rand() * 1000);
    const clicks = Math.floor(imp * rand() * 0.05);
    const spendMicros = 1 + Math.floor(rand() * 2_000_000);
    if (!opts.restate)
      buf += `ev-${i},${at},${s.dsp},${s.seatId},,open_auction,,${imp},${clicks},${spendMicros},EUR,,\n`;
    else if (i % 20 === 0)
      buf += `ev-${i},${at},${s.dsp},${s.seatId},,open_auction,,${imp},${clicks},${Math.floor(spendMicros / 2)},EUR,1,invalid_traffic\n`;
    else buf += `ev-${n + i},${at},${s.dsp},${s.seatId},,open_auction,,${imp},${clicks},${spendMicros},EUR,,\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** Runs a command in its own process group; returns its wall time and the peak RSS (VmHWM) of its processes. */
async function measured(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  until?: (out: string) => Promise<boolean>,
) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let peakKb = 0;
  const sample = () => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
        if (pgid !== child.pid) continue;
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        /* gone */
      }
    }
  };
  const timer = setInterval(sample, 100);
  const t0 = performance.now();
  let seconds: number;
  if (until) {
    while (!(await until(out))) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited: ${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    seconds = (performance.now() - t0) / 1000;
    sample();
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  } else {
    const code = await exited;
    seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${out}`);
  }
  clearInterval(timer);
  return { seconds, peakMb: peakKb / 1024, out };
}

/** The rollup units the worker logged (`rollup {...}`, one per transaction): their count, records and time. */
function rollupUnits(out: string) {
  const units = { count: 0, records: 0, ms: 0 };
  for (const line of out.split('\n')) {
    let msg: string;
    try {
      const m = (JSON.parse(line) as { msg?: unknown }).msg;
      msg = typeof m === 'string' ? m : '';
    } catch {
      msg = line;
    }
    const m = /^(?:\[worker\] )?rollup (\{.*\})$/.exec(msg);
    if (!m) continue;
    const u = JSON.parse(m[1]!) as { records: number; ms: number };
    units.count++;
    units.records += u.records;
    units.ms += u.ms;
  }
  return units;
}

/** The file's data lines in chunks of `size` lines, as raw bytes cut at line ends (no parsing). */
async function* lineChunks(file: string, size: number) {
  let pending: Buffer[] = [];
  let lines = 0;
  let header = true;
  for await (const buf of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let b = buf;
    if (header) {
      b = b.subarray(b.indexOf(10) + 1);
      header = false;
    }
    let from = 0;
    for (let at = b.indexOf(10); at >= 0; at = b.indexOf(10, at + 1)) {
      if (++lines < size) continue;
      pending.push(b.subarray(from, at + 1));
      yield Buffer.concat(pending);
      pending = [];
      lines = 0;
      from = at + 1;
    }
    if (from < b.length) pending.push(b.subarray(from));
  }
  if (pending.length) yield Buffer.concat(pending);
}

/**
 * The floor of ingestion on this machine, over the same file, as the CLI runs it (chunks of 50,000 lines, two
 * connections, each chunk in its own transaction): the raw lines COPYed into a staging table, then only the two writes
 * the rules require of each record (its event id into spend_event_ids, the record into the partitioned spend_records
 * with its keys), into a root of its own; no field check, no attribution, no partial aggregates, no parsing in
 * JavaScript. Not the product's path: it says what any implementation can reach.
 */
async function ingestFloor(db: Db, url: string, file: string) {
  const floorRoot = await accounts.insertAccount(db, {
    parent: null,
    kind: 'holding',
    level: 1,
    clientTier: null,
    name: 'Floor Bench',
    nameKey: nameKey('Floor Bench'),
    currency: 'EUR',
    timeZone: 'UTC',
  });
  const conns = await Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: url });
      c.on('error', () => {});
      await c.connect();
      return c;
    }),
  );
  const ids = '00000000-0000-4000-8000-000000000000';
  const chunks = lineChunks(file, 50_000);
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        await c.query('begin');
        await c.query(`create temp table if not exists floor_staging (event_id text, occurred_at text, dsp text, seat_id text, deal_id text,
        auction_type text, campaign_id text, impressions text, clicks text, spend_micros text, currency text, revision text,
        correction_reason text) on commit delete rows`);
        await pipeline(Readable.from([next.value]), c.query(copyFrom('copy floor_staging from stdin (format csv)')));
        await c.query(
          `
        with s as materialized (select f.*, nextval('spend_seq') as seq from floor_staging f),
        ids as (
          insert into spend_event_ids (root_id, event_id, revision, ident, occurred_at, seq, impressions, clicks, spend_micros)
          select $1::uuid, event_id, 0, md5(concat_ws(chr(31), occurred_at, dsp, seat_id, deal_id, auction_type, campaign_id, currency)),
            occurred_at::timestamptz, seq, impressions::bigint, clicks::bigint, spend_micros::bigint
          from s
        )
        insert into spend_records (root_id, seq, occurred_at, event_id, batch_id, dsp, seat_id, seat_account_id, account_id,
          auction_type, currency, impressions, clicks, spend_micros)
        select $1::uuid, seq, occurred_at::timestamptz, event_id, $2::uuid, dsp, $2::uuid, $1::uuid, $1::uuid, auction_type,
          currency, impressions::bigint, clicks::bigint, spend_micros::bigint
        from s`,
          [floorRoot.id, ids],
        );
        await c.query('commit');
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) await c.end();
  return { seconds };
}

export interface SpendBench {
  records: number;
  cli: { seconds: number; perSecond: number; peakMb: number; summary: string };
  copy: { seconds: number; perSecond: number };
  /** The rollup units' own time (claim to commit, from the worker's log) and the process's wall time from its start. */
  worker: { seconds: number; perSecond: number; units: number; wallSeconds: number; peakMb: number };
  bare: { seconds: number; perSecond: number };
  hourlyRows: number;
  /** What any implementation can reach here: see `ingestFloor`. */
  floor: { seconds: number; perSecond: number };
  /** SPEC 13: the DSP's restated file (5% corrections of the first file, 95% new), ingested and rolled up. */
  restated: {
    cli: { seconds: number; perSecond: number; peakMb: number; summary: string };
    worker: { seconds: number; perSecond: number; units: number; peakMb: number };
    corrections: number;
  };
}

export async function benchSpend(
  records = Number(process.env.TRELLIS_BENCH_SPEND_RECORDS ?? 5_000_000),
): Promise<SpendBench> {
  const bench = await benchDatabase('spend');
  const { dir } = bench;
  const url = bench.url;
  const db = createDb(url, { max: 4 });
  try {
    await migrateToLatest(db);
    const { rootId, seatIds } = await seedSpendHolding(db);
    const file = path.join(dir, 'spend.csv');
    // one clock for both files: the restated file's corrections carry their records' exact identity (SPEC 13)
    const now = new Date();
    await writeCsv(file, records, seatIds, { now });
    const env = { ...process.env, DATABASE_URL: url };

    // 5. the CLI, as an operator runs it
    const cli = await measured(
      ...tsNode(path.join(root, 'apps/cli/src/main.ts'), 'ingest', file, '--account', rootId),
      env,
    );
    if (!new RegExp(`accepted\\s+${records}\\b`).test(cli.out))
      throw new Error(`CLI did not accept every record:\n${cli.out}`);
    // baseline: COPY of the same file into a bare table with a primary key
    await sql`create table bench_bare_spend (event_id text primary key, occurred_at timestamptz, dsp text, seat_id text, deal_id text,
      auction_type text, campaign_id text, impressions bigint, clicks bigint, spend_micros bigint, currency text,
      revision int, correction_reason text)`.execute(db);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {}); // the server stops at the end (or on a failure): not an error of the bench
    await client.connect();
    const c0 = performance.now();
    await pipeline(
      createReadStream(file),
      client.query(copyFrom('copy bench_bare_spend from stdin (format csv, header true)')),
    );
    const copySeconds = (performance.now() - c0) / 1000;
    // the baseline's 5 M fresh rows would draw autovacuum onto the cores while the worker is timed (~600k records/s
    // instead of ~1.4 M): the bench's own table, so it is vacuumed here, before the worker starts
    await client.query('vacuum analyze bench_bare_spend');

    // 6. the worker process rolls everything up
    const worker = await measured(
      ...tsNode(path.join(root, 'apps/worker/src/main.ts')),
      { ...env, TRELLIS_WORKER_POLL_MS: '20' },
      async () => {
        const r = await sql<{
          n: string;
        }>`select coalesce(sum(records_rolled), 0)::text as n from spend_watermarks`.execute(db);
        return Number(r.rows[0]!.n) >= records;
      },
    );
    const units = rollupUnits(worker.out);
    if (units.records !== records)
      throw new Error(`the worker's log accounts for ${units.records} records, not ${records}`);
    // baseline: one bare INSERT ... SELECT ... GROUP BY ... ON CONFLICT over the same rows, into an empty table with the same key
    await client.query(`create table bench_bare_hourly (like spend_hourly including all)`);
    const b0 = performance.now();
    await client.query(`
      insert into bench_bare_hourly as h (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id,
        currency, client_id, impressions, clicks, spend_micros, records)
      select root_id, account_id, date_trunc('hour', occurred_at, 'UTC'), dsp, seat_id, deal_id, auction_type,
        campaign_id, currency, min(client_id::text)::uuid,
        sum(impressions), sum(clicks), sum(spend_micros), count(*)
      from spend_records group by 1, 2, 3, 4, 5, 6, 7, 8, 9
      on conflict (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency) do update set
        impressions = h.impressions + excluded.impressions, clicks = h.clicks + excluded.clicks,
        spend_micros = h.spend_micros + excluded.spend_micros, records = h.records + excluded.records`);
    const bareSeconds = (performance.now() - b0) / 1000;
    const check = await client.query<{ a: string; b: string; n: string }>(
      `select (select sum(spend_micros) from spend_hourly)::text as a,
        (select sum(spend_micros) from bench_bare_hourly)::text as b, (select count(*) from spend_hourly)::text as n`,
    );
    if (check.rows[0]!.a !== check.rows[0]!.b) throw new Error('worker rollup and baseline disagree');
    await client.end();
    const floor = await ingestFloor(db, url, file);

    // 6b. the DSP's restated file (SPEC 13): 5% corrections of the first file's records, the rest new, then rolled up
    const restatedFile = path.join(dir, 'spend-restated.csv');
    await writeCsv(restatedFile, records, seatIds, { now, restate: true });
    const rcli = await measured(
      ...tsNode(path.join(root, 'apps/cli/src/main.ts'), 'ingest', restatedFile, '--account', rootId),
      env,
    );
    const corrections = Math.ceil(records / 20);
    if (!new RegExp(`corrected\\s+${corrections}\\b`).test(rcli.out))
      throw new Error(`CLI did not apply every correction:\n${rcli.out}`);
    const rworker = await measured(
      ...tsNode(path.join(root, 'apps/worker/src/main.ts')),
      { ...env, TRELLIS_WORKER_POLL_MS: '20' },
      async () => {
        const r = await sql<{
          n: string;
        }>`select coalesce(sum(records_rolled), 0)::text as n from spend_watermarks where root_id = ${rootId}`.execute(
          db,
        );
        return Number(r.rows[0]!.n) >= 2 * records;
      },
    );
    const runits = rollupUnits(rworker.out);
    const sums = await sql<{ a: string; b: string }>`
      select (select sum(spend_micros) from spend_hourly where root_id = ${rootId})::text as a,
        (select sum(spend_micros) from spend_event_ids where root_id = ${rootId})::text as b`.execute(db);
    if (sums.rows[0]!.a !== sums.rows[0]!.b)
      throw new Error('after the corrections, the rollup and the current versions disagree');
    return {
      restated: {
        cli: {
          seconds: rcli.seconds,
          perSecond: records / rcli.seconds,
          peakMb: rcli.peakMb,
          summary: /^Ingested.*$/m.exec(rcli.out)?.[0] ?? '',
        },
        worker: {
          seconds: runits.ms / 1000,
          perSecond: runits.records / (runits.ms / 1000),
          units: runits.count,
          peakMb: rworker.peakMb,
        },
        corrections,
      },
      records,
      cli: {
        seconds: cli.seconds,
        perSecond: records / cli.seconds,
        peakMb: cli.peakMb,
        summary: /^Ingested.*$/m.exec(cli.out)?.[0] ?? '',
      },
      copy: { seconds: copySeconds, perSecond: records / copySeconds },
      worker: {
        seconds: units.ms / 1000,
        perSecond: records / (units.ms / 1000),
        units: units.count,
        wallSeconds: worker.seconds,
        peakMb: worker.peakMb,
      },
      bare: { seconds: bareSeconds, perSecond: records / bareSeconds },
      hourlyRows: Number(check.rows[0]!.n),
      floor: { seconds: floor.seconds, perSecond: records / floor.seconds },
    };
  } finally {
    await db.destroy();
    await bench.release();
  }
}

export function printSpend(s: SpendBench) {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  console.log(
    `\n6. CLI ingest of a ${fmt(s.records)}-record CSV (pnpm trellis ingest; validate, attribute, de-duplicate, store)`,
  );
  console.log(
    `   CLI:  ${fmt(s.cli.perSecond)} records/s in ${s.cli.seconds.toFixed(1)} s   (target >= 250,000)  ${met(s.cli.perSecond >= 250_000)}`,
  );
  console.log(
    `   (process wall time incl. start-up; the CLI's own summary: ${s.cli.summary.replace(/^Ingested \S+ into \S+ /, '')})`,
  );
  console.log(
    `   baseline COPY into a bare table with a primary key: ${fmt(s.copy.perSecond)} records/s in ${s.copy.seconds.toFixed(1)} s`,
  );
  console.log(`   ratio CLI / COPY: ${(s.cli.perSecond / s.copy.perSecond).toFixed(3)}`);
  console.log(
    '   floor, what any implementation can reach here (raw lines COPYed into staging, ' +
      'then only the event id and the record written; no check, no attribution, two connections like the CLI): ' +
      `${fmt(s.floor.perSecond)} records/s   target / floor ${(250_000 / s.floor.perSecond).toFixed(2)}`,
  );
  console.log(
    `\n7. worker rollup of those records into ${fmt(s.hourlyRows)} hourly rows, daily aggregates and credit debits (the worker process)`,
  );
  console.log(
    `   worker: ${fmt(s.worker.perSecond)} records/s in ${s.worker.seconds.toFixed(1)} s ` +
      `over ${s.worker.units} rollup units, claim to commit   ` +
      `(target >= 1,000,000)  ${met(s.worker.perSecond >= 1_000_000)}`,
  );
  console.log(
    `   (the process from its start until every record is rolled up: ${s.worker.wallSeconds.toFixed(1)} s, ` +
      `${fmt(s.records / s.worker.wallSeconds)} records/s)`,
  );
  console.log(
    `   baseline one bare INSERT ... SELECT ... GROUP BY ... ON CONFLICT: ` +
      `${fmt(s.bare.perSecond)} records/s in ${s.bare.seconds.toFixed(1)} s`,
  );
  console.log(`   ratio worker / baseline: ${(s.worker.perSecond / s.bare.perSecond).toFixed(3)}`);
  const r = s.restated;
  console.log(
    `\n6b. the DSP's restated file: ${fmt(s.records)} records, ${fmt(r.corrections)} of them (5%) corrections of the first file`,
  );
  console.log(
    `   CLI:  ${fmt(r.cli.perSecond)} records/s in ${r.cli.seconds.toFixed(1)} s   ratio to the floor ${(r.cli.perSecond / s.floor.perSecond).toFixed(2)} ` +
      `(target >= 0.6)  ${met(r.cli.perSecond >= 0.6 * s.floor.perSecond)}; plain ingest above: ${(s.cli.perSecond / s.floor.perSecond).toFixed(2)} of it`,
  );
  console.log(
    `   worker: ${fmt(r.worker.perSecond)} records/s over ${r.worker.units} units with the corrections in range ` +
      `(target >= 1,000,000)  ${met(r.worker.perSecond >= 1_000_000)}`,
  );
  console.log(
    `   peak RSS: CLI ${r.cli.peakMb.toFixed(0)} MB ${met(r.cli.peakMb <= 300)}, worker ${r.worker.peakMb.toFixed(0)} MB ${met(r.worker.peakMb <= 300)}`,
  );
  console.log(`\n8. peak RSS (target <= 300 MB each, whatever the file size)`);
  console.log(
    `   CLI: ${s.cli.peakMb.toFixed(0)} MB  ${met(s.cli.peakMb <= 300)}    ` +
      `worker: ${s.worker.peakMb.toFixed(0)} MB  ${met(s.worker.peakMb <= 300)}\n`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  printSpend(await benchSpend());
  process.exit(0);
}
