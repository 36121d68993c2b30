/**
 * The report sections of `pnpm bench` (issue 11), each beside a baseline measured in the same run:
 *   8. a 30-day holding report grouped by day and account, over HTTP (target p95 <= 50 ms) vs the same
 *      SELECT ... GROUP BY on the rollups without the visibility predicate;
 *   9. the same for an L3 (a client) (target p95 <= 20 ms);
 *  10. the CSV export (target >= 200,000 rows/s, constant memory) vs COPY (the same rows) TO STDOUT.
 * The api runs as its own process (apps/api/src/main.ts), as in the product; this script is its HTTP client.
 * 1 holding, 50 agencies, 5,000 clients, TRELLIS_BENCH_REPORT_RECORDS raw records (default 10,000,000) over 30 days,
 * rolled up into spend_hourly and spend_daily by the worker's statements (reports.run reads the holding's daily
 * aggregate; the bare SELECT on spend_daily is printed beside the baseline as the floor of that path). Runs alone with
 * `pnpm bench:reports`; uses DATABASE_URL when set, else a throw-away embedded PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { nameKey } from '@trellis/domain';
import { accounts, createDb, memberships, migrateToLatest, reports, spend, spendDaily, type Db } from '@trellis/db';
import { benchDatabase } from './bench-support';
import { startApiProcess, type ApiProcess } from '@trellis/api/api-process';
import { userWithCaller } from '@trellis/api/testing';

const DAYS = 30;

export async function seed(db: Db, records: number) {
  const holding = await accounts.insertAccount(db, {
    parent: null,
    kind: 'holding',
    level: 1,
    clientTier: null,
    name: 'Report Bench',
    nameKey: nameKey('Report Bench'),
    currency: 'EUR',
    timeZone: 'UTC',
  });
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < 50; a++) {
      const agency = await accounts.insertAccount(trx, {
        parent: holding,
        kind: 'agency',
        level: 2,
        clientTier: null,
        name: `Agency ${a}`,
        nameKey: nameKey(`Agency ${a}`),
        currency: 'EUR',
        timeZone: 'UTC',
      });
      for (let c = 0; c < 100; c++) {
        const n = `Client ${a}-${c}`;
        await accounts.insertAccount(trx, {
          parent: agency,
          kind: 'client',
          level: 3,
          clientTier: 'standard',
          name: n,
          nameKey: nameKey(n),
          currency: 'EUR',
          timeZone: 'UTC',
        });
      }
    }
  });
  const h = holding.id;
  // one dv360 seat per client (linked by the holding), one deal per agency and one per client
  await sql`
    insert into seats (id, root_id, dsp, external_id, linked_by_account_id, created_at)
    select gen_random_uuid(), ${h}::uuid, 'dv360', 'S-' || a.id::text, ${h}::uuid, timestamptz '2026-01-01'
    from accounts a where a.root_id = ${h}::uuid and a.level = 3`.execute(db);
  await sql`
    insert into deals (id, root_id, owner_account_id, deal_id, name, publisher, type, cpm_micros, currency, created_at)
    select gen_random_uuid(), ${h}::uuid, a.id, 'D-' || a.id::text, 'Deal of ' || a.name, 'Pub', 'private_auction',
      1000000, 'EUR', timestamptz '2026-01-01'
    from accounts a where a.root_id = ${h}::uuid and a.level in (2, 3)`.execute(db);
  await sql`
    create temp table bench_clients as
    select row_number() over (order by c.id) - 1 as n, c.id as client_id, s.id as seat_id, ad.id as agency_deal, cd.id as client_deal
    from accounts c
    join seats s on s.external_id = 'S-' || c.id::text
    join deals ad on ad.owner_account_id = c.parent_id
    join deals cd on cd.owner_account_id = c.id
    where c.root_id = ${h}::uuid and c.level = 3`.execute(db);
  await sql`create unique index on bench_clients (n)`.execute(db);
  const batch = randomUUID();
  const since = new Date(Date.now() - DAYS * 86_400_000);
  const chunk = 1_000_000;
  for (let from = 0; from < records; from += chunk) {
    const to = Math.min(records, from + chunk);
    // 60 % open auction, 25 % on the agency's deal, 15 % on the client's own deal
    await sql`
      insert into spend_records (root_id, occurred_at, event_id, batch_id, dsp, seat_id, seat_account_id, account_id, client_id,
        deal_id, auction_type, campaign_id, currency, impressions, clicks, spend_micros)
      select ${h}::uuid, ${since}::timestamptz + ((g * 7919) % (${DAYS} * 86400)) * interval '1 second', 'e' || g, ${batch}::uuid, 'dv360',
        b.seat_id, b.client_id, b.client_id, b.client_id,
        case when g % 20 < 12 then null when g % 20 < 17 then b.agency_deal else b.client_deal end,
        case when g % 20 < 12 then 'open_auction' else 'private_auction' end,
        null, 'EUR', 100 + g % 900, g % 7, 1000 + (g * 31) % 2000000
      from generate_series(${from}::bigint, ${to - 1}::bigint) g join bench_clients b on b.n = (g * 2654435761) % 5000`.execute(
      db,
    );
  }
  // the worker's rollup statement over all of it, and the watermark
  const hourlyT0 = performance.now();
  await sql`
    insert into spend_hourly (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
      client_id, impressions, clicks, spend_micros, records)
    select root_id, account_id, date_trunc('hour', occurred_at, 'UTC'), dsp, seat_id, deal_id, auction_type, campaign_id, currency,
      min(client_id::text)::uuid, sum(impressions), sum(clicks), sum(spend_micros), count(*)
    from spend_records where root_id = ${h}::uuid
    group by root_id, account_id, date_trunc('hour', occurred_at, 'UTC'), dsp, seat_id, deal_id, auction_type,
      campaign_id, currency`.execute(db);
  const hourlyMs = performance.now() - hourlyT0;
  // the partial aggregates ingestion writes beside the records (one batch: all of them), which the daily rollup reads
  await spend.insertPartials(h, sql`(select * from spend_records where root_id = ${h}::uuid)`).execute(db);
  const hi = (
    await sql<{ hi: string }>`select max(seq)::text as hi from spend_partials where root_id = ${h}::uuid`.execute(db)
  ).rows[0]!.hi;
  await sql`insert into spend_watermarks (root_id, rolled_seq, rolled_at, complete_until, records_rolled)
    select ${h}::uuid, ${hi}::bigint, now(), now(), count(*) from spend_records where root_id = ${h}::uuid`.execute(db);
  // the daily aggregates per viewing level, by the worker's own statement over the same range
  const dailyT0 = performance.now();
  await db.transaction().execute((trx) => spendDaily.rollupDaily(trx, h, 0n, BigInt(hi)));
  const dailyMs = performance.now() - dailyT0;
  // as autovacuum would have left tables loaded long before: else it starts on the 10 M fresh rows during the timings
  await sql`vacuum analyze`.execute(db);
  const client = (await sql<{ id: string }>`select client_id as id from bench_clients where n = 17`.execute(db))
    .rows[0]!.id;
  const hourly = Number(
    (await sql<{ n: string }>`select count(*)::text as n from spend_hourly`.execute(db)).rows[0]!.n,
  );
  const daily = Number((await sql<{ n: string }>`select count(*)::text as n from spend_daily`.execute(db)).rows[0]!.n);
  return { holdingId: h, clientId: client, hourly, daily, dailyMs, hourlyMs };
}

async function timed(n: number, f: () => Promise<unknown>) {
  // a warm server (the api process was just started: its first calls compile code)
  for (let i = 0; i < 20; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { p50: q(0.5), p95: q(0.95) };
}

export interface ReportBench {
  records: number;
  hourly: number;
  daily: number;
  /** The rollup's daily statement over every record at once (part of the seeding). */
  dailyMs: number;
  /** The rollup's hourly statement over every record at once. */
  hourlyMs: number;
  seedMs: number;
  holding: { p50: number; p95: number };
  holdingBase: { p50: number; p95: number };
  holdingDaily: { p50: number; p95: number };
  l3: { p50: number; p95: number };
  l3Base: { p50: number; p95: number };
  csv: { rows: number; perSecond: number; rssGrowthMb: number };
  csvBase: { perSecond: number };
  explain: string;
}

export async function benchReports(
  records = Number(process.env.TRELLIS_BENCH_REPORT_RECORDS ?? 10_000_000),
): Promise<ReportBench> {
  const bench = await benchDatabase('reports');
  const url = bench.url;
  const db = createDb(url, { max: 10 });
  let api: ApiProcess | undefined;
  try {
    await migrateToLatest(db);
    const t0 = performance.now();
    const { holdingId, clientId, hourly, daily, dailyMs, hourlyMs } = await seed(db, records);
    const seedMs = performance.now() - t0;
    const { user, token } = await userWithCaller(db, 'bench-reports@trellis.test');
    await memberships.insertMembership(db, {
      rootId: holdingId,
      accountId: holdingId,
      userId: user.id,
      role: 'analyst',
    });
    // the api as the product runs it: its own process (main.ts), the bench being its HTTP client
    api = await startApiProcess({ DATABASE_URL: url, TRELLIS_LOG_LEVEL: 'warn', TRELLIS_DEMO: '0' });
    const base = api.base;
    const headers = { authorization: `Bearer ${token}` };
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const get = async (u: string) => {
      const res = await fetch(u, { headers });
      if (!res.ok) throw new Error(`${u}: ${res.status} ${await res.text()}`);
      return res.arrayBuffer();
    };
    const run = (accountId: string, groupBy: string[]) =>
      `${base}/trpc/reports.run?input=${encodeURIComponent(JSON.stringify({ accountId, from, to: today, groupBy }))}`;
    const range = {
      fromAt: new Date(`${from}T00:00:00Z`),
      toAt: new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000),
    };

    const holding = await timed(100, () => get(run(holdingId, ['day', 'account'])));
    const holdingBase = await timed(30, () =>
      sql`select (hour at time zone 'UTC')::date as day, account_id, currency, sum(impressions), sum(clicks), sum(spend_micros)
          from spend_hourly where root_id = ${holdingId}::uuid and hour >= ${range.fromAt} and hour < ${range.toAt}
          group by 1, 2, 3 order by 1, 2, 3 limit 5001`.execute(db),
    );
    const holdingDaily = await timed(100, () =>
      sql`select day, child_id, currency, sum(impressions), sum(clicks), sum(spend_micros)
          from spend_daily where root_id = ${holdingId}::uuid and viewer_id = ${holdingId}::uuid
            and day >= ${from}::date and day <= ${today}::date
          group by 1, 2, 3 order by 1, 2, 3 limit 5001`.execute(db),
    );
    const l3 = await timed(100, () => get(run(clientId, ['day'])));
    const l3Base = await timed(100, () =>
      sql`select (hour at time zone 'UTC')::date as day, currency, sum(impressions), sum(clicks), sum(spend_micros)
          from spend_hourly where account_id = ${clientId}::uuid and hour >= ${range.fromAt} and hour < ${range.toAt}
          group by 1, 2 order by 1, 2`.execute(db),
    );
    const plan = {
      viewerId: holdingId,
      rule: { accounts: 'self_and_descendants' as const, rows: 'all' as const },
      onlyAccountId: null,
      cutSelf: false,
      timeZone: 'UTC',
      from,
      to: today,
      groupBy: ['day', 'account'] as const,
      filters: {},
    };
    // the source reports.run picks for it (spend_daily, the holding's own daily aggregate)
    const source = await reports.reportRange(db, plan);
    const explained = await sql<{
      'QUERY PLAN': string;
    }>`explain (analyze, buffers off, costs off) ${reports.reportStatement(plan, source, { limit: 5001, totals: true })}`.execute(
      db,
    );
    const explain = explained.rows
      .map((r) => r['QUERY PLAN'])
      .filter((l) => /Scan|Aggregate|Execution Time/.test(l))
      .slice(0, 12)
      .join('\n      ');

    // CSV of every hour x seat x auction type of the 30 days (one seat per client: about a million rows at 10 M
    // records; by account the holding's rows would roll up into its 50 agencies)
    const csvInput = encodeURIComponent(
      JSON.stringify({ accountId: holdingId, from, to: today, groupBy: ['hour', 'seat', 'auctionType'] }),
    );
    let peak = rssKb(api.pid);
    const rss0 = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(api!.pid))), 50);
    const t1 = performance.now();
    const res = await fetch(`${base}/exports/report.csv?input=${csvInput}`, { headers });
    if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
    let lines = 0;
    const reader: ReadableStreamDefaultReader<Uint8Array> = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    }
    const csvSeconds = (performance.now() - t1) / 1000;
    clearInterval(sampler);
    const rows = lines - 1;
    // baseline: COPY of the same grouping (no visibility predicate, no names) to stdout
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let copied = 0;
    const t2 = performance.now();
    await pipeline(
      client.query(
        copyTo(`copy (select date_trunc('hour', hour, 'UTC'), seat_id, auction_type, currency,
          sum(impressions), sum(clicks), sum(spend_micros)
        from spend_hourly where root_id = '${holdingId}'
          and hour >= '${range.fromAt.toISOString()}' and hour < '${range.toAt.toISOString()}'
        group by 1, 2, 3, 4 order by 1, 2, 3, 4) to stdout with (format csv)`),
      ),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) copied++;
          cb();
        },
      }),
    );
    const copySeconds = (performance.now() - t2) / 1000;
    await client.end();
    return {
      records,
      hourly,
      daily,
      dailyMs,
      hourlyMs,
      seedMs,
      holding,
      holdingBase,
      holdingDaily,
      l3,
      l3Base,
      explain,
      csv: { rows, perSecond: rows / csvSeconds, rssGrowthMb: (peak - rss0) / 1024 },
      csvBase: { perSecond: copied / copySeconds },
    };
  } finally {
    await api?.stop();
    await db.destroy();
    await bench.release();
  }
}

/** The api process's resident memory now (VmRSS), in kB. */
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

export function printReports(r: ReportBench) {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `\n9. reports.run over HTTP: 30-day holding report by day and account (1 holding, 50 agencies, 5,000 clients, ` +
      `${fmt(r.records)} raw records, ${fmt(r.hourly)} hourly rollup rows, ${fmt(r.daily)} daily aggregate rows; ` +
      `seeded in ${fmt(r.seedMs)} ms)`,
  );
  console.log(
    `   the rollup's statements over all the records at once: hourly ${fmt(r.hourlyMs)} ms, daily per viewing level ${fmt(r.dailyMs)} ms`,
  );
  console.log(
    `   (the report's accounts are rolled up per level: the holding's 50 agencies; the baseline groups by the 5,000 attributed clients)`,
  );
  console.log(
    `   reports.run: p50 ${r.holding.p50.toFixed(1)} ms   p95 ${r.holding.p95.toFixed(1)} ms   ` +
      `(target p95 <= 50 ms)  ${r.holding.p95 <= 50 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `   baseline SELECT ... GROUP BY on spend_hourly without visibility (in-process): ` +
      `p50 ${r.holdingBase.p50.toFixed(1)} ms   p95 ${r.holdingBase.p95.toFixed(1)} ms`,
  );
  console.log(`   ratio p95 / baseline: ${(r.holding.p95 / r.holdingBase.p95).toFixed(2)}`);
  console.log(
    `   floor of the daily path: SELECT ... GROUP BY on spend_daily (the holding's rows, in-process): ` +
      `p50 ${r.holdingDaily.p50.toFixed(1)} ms   p95 ${r.holdingDaily.p95.toFixed(1)} ms`,
  );
  console.log(`   what the report reads (EXPLAIN ANALYZE):\n      ${r.explain}`);
  console.log(`\n10. reports.run over HTTP: 30-day L3 report by day`);
  console.log(
    `   reports.run: p50 ${r.l3.p50.toFixed(1)} ms   p95 ${r.l3.p95.toFixed(1)} ms   ` +
      `(target p95 <= 20 ms)  ${r.l3.p95 <= 20 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `   baseline SELECT ... GROUP BY on spend_hourly for that account: ` +
      `p50 ${r.l3Base.p50.toFixed(1)} ms   p95 ${r.l3Base.p95.toFixed(1)} ms`,
  );
  console.log(`   ratio p95 / baseline: ${(r.l3.p95 / r.l3Base.p95).toFixed(2)}`);
  console.log(`\n11. CSV export over HTTP of ${fmt(r.csv.rows)} rows (hour x seat x auction type)`);
  console.log(
    `   export: ${fmt(r.csv.perSecond)} rows/s   ` +
      `(target >= 200,000)  ${r.csv.perSecond >= 200_000 ? 'MET' : 'MISSED'};   ` +
      `RSS growth of the api process ${r.csv.rssGrowthMb.toFixed(0)} MB`,
  );
  console.log(
    `   baseline COPY (same grouping) TO STDOUT: ${fmt(r.csvBase.perSecond)} rows/s   ` +
      `ratio ${(r.csv.perSecond / r.csvBase.perSecond).toFixed(2)}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printReports(await benchReports());
  process.exit(0);
}
