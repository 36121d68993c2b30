/**
 * `pnpm bench`: the speed targets of the foundation, each printed beside a baseline measured in the same run.
 *   1. authorize() on a 10,000-account tree, in-process (target >= 1,000,000 checks/s), vs a plain Set lookup.
 *   2. accounts.tree over HTTP for a holding with 5,000 descendants (target p99 <= 50 ms), vs GET /healthz.
 *   3. seats.deals lookups in-process on that tree with 20,000 deals and 1,000 seats with history (target >= 20,000/s),
 *      answered by the SeatDealIndex built from the database, vs a Map of precomputed answers; and, for reference,
 *      the seats.deals procedure itself through createCaller (every call queries PostgreSQL).
 *   4. deals.list over HTTP for a client under that busy holding (target p99 <= 50 ms), vs GET /healthz.
 *   5. credits: debitSpend over 1,000 clients in batches of 500 (target >= 50,000 debits/s) and on one hot client
 *      (target >= 5,000/s), each vs a bare `UPDATE ... SET balance = balance - $1 WHERE balance >= $1` loop; and
 *      credits.topUp over HTTP with the test processor (target p99 <= 50 ms), vs GET /healthz. Beside the spread
 *      figure, two ceilings of this machine (`debitFloors`): the bare writes the rules require in one statement, and
 *      the same call on the real credit tables.
 *   6-8. spend: CLI ingest vs COPY, worker rollup vs a bare INSERT..GROUP BY..ON CONFLICT, peak RSS (scripts/bench-spend.ts;
 *      TRELLIS_BENCH_SPEND_RECORDS sets the file size, default 5,000,000).
 *   9-11. reports: holding and L3 reports.run over HTTP, CSV export (scripts/bench-reports.ts).
 * `BENCH_ONLY=credits,spend,reports` (or a comma-separated list of 1-5, spend, reports) runs only those sections.
 * Uses DATABASE_URL when set, else a throw-away embedded PostgreSQL. Not a test: it reports, it does not assert.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import {
  ACTIONS,
  authorize,
  nameKey,
  ROLES,
  SeatDealIndex,
  type AccountFacts,
  type Actor,
  type Role,
} from '@trellis/domain';
import { accounts, createDb, debitSpend, memberships, migrateToLatest, seats, type Db } from '@trellis/db';
import { createApp } from '@trellis/api/app';
import { callerAt, userWithCaller } from '@trellis/api/testing';
import { benchSpend, printSpend } from './bench-spend';
import { benchDatabase } from './bench-support';
import { benchReports, printReports } from './bench-reports';

/** A tiny deterministic PRNG, so every run measures the same work. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function benchAuthorize() {
  const rand = rng(42);
  const facts: AccountFacts[] = [];
  const holding: AccountFacts = { id: 'h', kind: 'holding', level: 1, clientTier: null, archived: false, path: ['h'] };
  facts.push(holding);
  for (let a = 0; a < 99; a++) {
    const agency: AccountFacts = {
      id: `a${a}`,
      kind: 'agency',
      level: 2,
      clientTier: null,
      archived: false,
      path: ['h', `a${a}`],
    };
    facts.push(agency);
    for (let c = 0; c < 100; c++) {
      facts.push({
        id: `a${a}c${c}`,
        kind: 'client',
        level: 3,
        clientTier: rand() < 0.2 ? 'premium' : 'standard',
        archived: false,
        path: ['h', `a${a}`, `a${a}c${c}`],
      });
    }
  }
  const actors: Actor[] = [];
  for (let u = 0; u < 1000; u++) {
    const m = new Map<string, Role>();
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) m.set(facts[Math.floor(rand() * facts.length)]!.id, ROLES[Math.floor(rand() * 3)]!);
    actors.push({ userId: `u${u}`, platformOperator: false, memberships: m });
  }
  const N = 2_000_000;
  const ua = new Uint16Array(N);
  const fa = new Uint16Array(N);
  const aa = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    ua[i] = Math.floor(rand() * actors.length);
    fa[i] = Math.floor(rand() * facts.length);
    aa[i] = Math.floor(rand() * ACTIONS.length);
  }
  // Baseline: the same answers precomputed into a Set, then looked up: the floor any check can hope for.
  const allowed = new Set<number>();
  for (let i = 0; i < N; i++) {
    if (authorize(actors[ua[i]!]!, facts[fa[i]!]!, ACTIONS[aa[i]!]!).ok)
      allowed.add((ua[i]! * 16384 + fa[i]!) * 32 + aa[i]!);
  }
  const run = (label: string, check: (i: number) => boolean) => {
    let yes = 0;
    for (let i = 0; i < 200_000; i++) if (check(i)) yes++; // warm-up
    yes = 0;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) if (check(i)) yes++;
    const s = (performance.now() - t0) / 1000;
    return { label, perSecond: N / s, yes };
  };
  const real = run('authorize', (i) => authorize(actors[ua[i]!]!, facts[fa[i]!]!, ACTIONS[aa[i]!]!).ok);
  const base = run('Set lookup', (i) => allowed.has((ua[i]! * 16384 + fa[i]!) * 32 + aa[i]!));
  if (real.yes !== base.yes) throw new Error(`authorize and the baseline disagree (${real.yes} vs ${base.yes})`);
  return { real, base, accounts: facts.length };
}

async function seedBigHolding(db: Db) {
  const holding = await accounts.insertAccount(db, {
    parent: null,
    kind: 'holding',
    level: 1,
    clientTier: null,
    name: 'Bench Holding',
    nameKey: nameKey('Bench Holding'),
    currency: 'EUR',
    timeZone: 'UTC',
  });
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < 50; a++) {
      const name = `Agency ${a}`;
      const agency = await accounts.insertAccount(trx, {
        parent: holding,
        kind: 'agency',
        level: 2,
        clientTier: null,
        name,
        nameKey: nameKey(name),
        currency: 'EUR',
        timeZone: 'UTC',
      });
      for (let c = 0; c < 99; c++) {
        const cname = `Client ${a}-${c}`;
        await accounts.insertAccount(trx, {
          parent: agency,
          kind: 'client',
          level: 3,
          clientTier: 'standard',
          name: cname,
          nameKey: nameKey(cname),
          currency: 'EUR',
          timeZone: 'UTC',
        });
      }
    }
  });
  await sql`analyze`.execute(db);
  return holding;
}

/** 20,000 deals over the tree (150 at the holding, 100 per agency, 3 per client) and 1,000 seats moved twice each. */
async function seedDealsAndSeats(db: Db, holdingId: string) {
  const dsps = sql`(array['dv360','ttd','xandr','amazon','yahoo'])`;
  await sql`
    insert into deals (id, root_id, owner_account_id, deal_id, name, publisher, type, cpm_micros, currency, starts_at, ends_at, created_at)
    select gen_random_uuid(), a.root_id, a.id, 'D-' || a.id::text || '-' || n, 'Deal ' || n, 'Publisher ' || (n % 40), 'private_auction',
           1000000 + n * 1000, 'EUR',
           case when n % 4 = 0 then null else timestamptz '2026-01-01' + (n % 60) * interval '1 day' end,
           case when n % 4 = 0 then null else timestamptz '2026-04-01' + (n % 60) * interval '1 day' end,
           timestamptz '2026-01-01' + n * interval '1 minute'
    from accounts a cross join lateral generate_series(1, case a.level when 1 then 150 when 2 then 100 else 3 end) n
    where a.root_id = ${holdingId}::uuid`.execute(db);
  await sql`
    insert into deal_dsps (deal_id, root_id, dsp)
    select d.id, d.root_id, (${dsps})[1 + (abs(hashtext(d.id::text)) % 5)] from deals d where d.root_id = ${holdingId}::uuid`.execute(
    db,
  );
  await sql`
    insert into deal_dsps (deal_id, root_id, dsp)
    select d.id, d.root_id, 'dv360' from deals d join accounts a on a.id = d.owner_account_id
    where d.root_id = ${holdingId}::uuid and a.level = 1 on conflict do nothing`.execute(db);
  await sql`
    insert into seats (id, root_id, dsp, external_id, linked_by_account_id, created_at)
    select gen_random_uuid(), ${holdingId}::uuid, (${dsps})[1 + n % 5], 'S' || n, ${holdingId}::uuid, timestamptz '2026-01-01'
    from generate_series(1, 1000) n`.execute(db);
  await sql`
    with s as (select id, dsp, row_number() over (order by external_id) as n from seats where root_id = ${holdingId}::uuid),
         ag as (select id, row_number() over (order by name_key) as n from accounts where root_id = ${holdingId}::uuid and level = 2),
         cl as (select id, parent_id, row_number() over (order by name_key) as n from accounts
           where root_id = ${holdingId}::uuid and level = 3)
    insert into seat_mappings (root_id, seat_id, dsp, account_id, account_level, effective_from, effective_to)
    select ${holdingId}::uuid, s.id, s.dsp, ${holdingId}::uuid, 1, timestamptz '2026-01-01', timestamptz '2026-02-01' from s
    union all
    select ${holdingId}::uuid, s.id, s.dsp, cl.parent_id, 2, timestamptz '2026-02-01', timestamptz '2026-03-01' from s join cl on cl.n = s.n
    union all
    select ${holdingId}::uuid, s.id, s.dsp, cl.id, 3, timestamptz '2026-03-01', null from s join cl on cl.n = s.n`.execute(
    db,
  );
  await sql`analyze`.execute(db);
}

async function timeRequests(url: string, headers: Record<string, string>, n: number) {
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers })).arrayBuffer();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    bytes = body.byteLength;
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { p50: q(0.5), p99: q(0.99), bytes };
}

async function benchTree() {
  const bench = await benchDatabase('tree');
  const db = createDb(bench.url, { max: 10 });
  let server: Server | undefined;
  try {
    await migrateToLatest(db);
    const t0 = performance.now();
    const holding = await seedBigHolding(db);
    const seedMs = performance.now() - t0;
    const { user, token } = await userWithCaller(db, 'bench@trellis.test');
    await memberships.insertMembership(db, {
      rootId: holding.id,
      accountId: holding.id,
      userId: user.id,
      role: 'analyst',
    });
    server = createApp({ db, publicUrl: 'http://127.0.0.1' }).listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const headers = { authorization: `Bearer ${token}` };
    const input = encodeURIComponent(JSON.stringify({ accountId: holding.id }));
    const tree = await timeRequests(`${base}/trpc/accounts.tree?input=${input}`, headers, 300);
    const health = await timeRequests(`${base}/healthz`, {}, 300);

    const t1 = performance.now();
    await seedDealsAndSeats(db, holding.id);
    const dealSeedMs = performance.now() - t1;
    const t2 = performance.now();
    const indexInput = await seats.seatDealIndexInput(db, holding.id);
    const index = new SeatDealIndex(indexInput);
    const indexMs = performance.now() - t2;
    const seatIds = [...new Set(indexInput.mappings.map((m) => m.seatId))];
    const rand = rng(7);
    const N = 1_000_000;
    const qs = Array.from({ length: 4096 }, () => ({
      seat: seatIds[Math.floor(rand() * seatIds.length)]!,
      at: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 150) * 86_400_000),
    }));
    const precomputed = new Map(qs.map((q, i) => [i, index.dealsAt(q.seat, q.at)]));
    const runLookups = (f: (i: number) => string[]) => {
      let found = 0;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) found += f(i & 4095).length;
      return { perSecond: N / ((performance.now() - t0) / 1000), found };
    };
    runLookups((i) => index.dealsAt(qs[i]!.seat, qs[i]!.at));
    const lookups = runLookups((i) => index.dealsAt(qs[i]!.seat, qs[i]!.at));
    const lookupBase = runLookups((i) => precomputed.get(i)!);
    if (lookups.found !== lookupBase.found) throw new Error('index and baseline disagree');
    const avgDeals = lookups.found / N;
    // the procedure itself, for reference: each call reads PostgreSQL
    const admin = await userWithCaller(db, 'bench-admin@trellis.test');
    await memberships.insertMembership(db, {
      rootId: holding.id,
      accountId: holding.id,
      userId: admin.user.id,
      role: 'admin',
    });
    const caller = await callerAt(db, admin.token, new Date('2026-06-01T00:00:00Z'));
    const calls = 2000;
    const t3 = performance.now();
    for (let i = 0; i < calls; i += 8)
      await Promise.all(
        qs.slice(i % 4000, (i % 4000) + 8).map((q) => caller.seats.deals({ seatId: q.seat, at: q.at.toISOString() })),
      );
    const procedurePerSecond = calls / ((performance.now() - t3) / 1000);
    // deals.list for a client under the busy holding: its own 3 deals, its agency's 100, the holding's 150
    const client = (
      await db
        .selectFrom('accounts')
        .select(['id'])
        .where('root_id', '=', holding.id)
        .where('level', '=', 3)
        .orderBy('name_key')
        .limit(1)
        .executeTakeFirstOrThrow()
    ).id;
    const dealList = await timeRequests(
      `${base}/trpc/deals.list?input=${encodeURIComponent(JSON.stringify({ accountId: client }))}`,
      headers,
      300,
    );
    const dealCount = Number((await sql<{ n: string }>`select count(*)::text as n from deals`.execute(db)).rows[0]!.n);
    return {
      tree,
      health,
      seedMs,
      dealSeedMs,
      indexMs,
      lookups,
      lookupBase,
      avgDeals,
      procedurePerSecond,
      dealList,
      dealCount,
      seatCount: seatIds.length,
    };
  } finally {
    await new Promise((r) => (server ? server.close(r) : r(null)));
    await db.destroy();
    await bench.release();
  }
}

/** A throw-away database for one bench section (the embedded server, or a new database on DATABASE_URL). */
async function withBenchDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const bench = await benchDatabase('section');
  const db = createDb(bench.url, { max: 10 });
  try {
    await migrateToLatest(db);
    return await fn(db);
  } finally {
    await db.destroy();
    await bench.release();
  }
}

async function timePosts(url: string, headers: Record<string, string>, n: number, body: (i: number) => unknown) {
  const post = async (i: number) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body(i)),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  };
  for (let i = 0; i < 20; i++) await post(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await post(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  return { n, p50: q(0.5), p99: q(0.99) };
}

/**
 * Two ceilings for a spread batch of 500 debits on this machine, each 200 batches of one statement a transaction:
 * - `bare`: only the writes the rules require, into bare tables of the same keys (a balance row locked and updated
 *   per client, a reference per debit claimed with ON CONFLICT, one ledger entry and one 15-minute bucket per client,
 *   one audit row), with no key check, no constraint and no JavaScript between lock and write;
 * - `oneStatement`: the same call on the real credit tables (their key-check triggers, constraints and indexes), the
 *   debit rule folded into the statement. Neither is the product's path: they say what any implementation can reach.
 */
async function debitFloors(db: Db, nextBatch: () => { clientId: string; amountMicros: bigint; reference: string }[]) {
  await sql`create table floor_balances (
    client_id uuid primary key, root_id uuid not null, balance bigint not null check (balance >= 0)
  )`.execute(db);
  await sql`insert into floor_balances select client_id, root_id, balance_micros from credit_accounts`.execute(db);
  await sql`create table floor_refs (
    root_id uuid, client_id uuid, reference text, entry_id bigint, primary key (root_id, client_id, reference)
  )`.execute(db);
  await sql`create table floor_entries (id bigint generated always as identity, root_id uuid, client_id uuid,
    amount bigint, balance_after bigint, reference text, debits int, created_at timestamptz,
    primary key (root_id, client_id, id))`.execute(db);
  await sql`create table floor_buckets (
    root_id uuid, client_id uuid, bucket timestamptz, spent bigint, debits int, primary key (root_id, client_id, bucket)
  )`.execute(db);
  await sql`analyze`.execute(db);
  const items = (b: ReturnType<typeof nextBatch>) =>
    sql`select * from unnest(${b.map((i) => i.clientId)}::uuid[], ${b.map((i) => i.reference)}::text[],
      ${b.map((i) => i.amountMicros.toString())}::bigint[]) t(client_id, reference, amount)`;
  const bare = (b: ReturnType<typeof nextBatch>) => sql`
    with items as (${items(b)}),
    locked as materialized (select client_id, root_id, balance from floor_balances
      where client_id in (select client_id from items) order by client_id for update),
    claimed as (insert into floor_refs select l.root_id, i.client_id, i.reference, 0
      from items i join locked l using (client_id)
      on conflict do nothing returning client_id, reference),
    sums as materialized (select i.client_id, l.root_id, sum(i.amount) as amount, count(*)::int as n,
        min(i.reference) as reference, l.balance
      from claimed c join items i using (client_id, reference) join locked l using (client_id) group by 1, 2, 6),
    entries as (insert into floor_entries (root_id, client_id, amount, balance_after, reference, debits, created_at)
      select root_id, client_id, -least(amount, balance), balance - least(amount, balance), reference, n, now() from sums returning 1),
    balances as (update floor_balances f set balance = f.balance - least(s.amount, s.balance)
      from sums s where f.client_id = s.client_id returning 1),
    buckets as (insert into floor_buckets
      select root_id, client_id, date_bin('15 minutes', now(), timestamptz '1970-01-01Z'), amount, n from sums
      on conflict (root_id, client_id, bucket) do update
        set spent = floor_buckets.spent + excluded.spent, debits = floor_buckets.debits + excluded.debits returning 1),
    audit as (insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, before, after, at)
      select root_id, root_id, null, 'credits.spend', 'credit_entries', 'floor', null, '{}'::jsonb, now() from locked limit 1 returning 1)
    select (select count(*) from entries), (select count(*) from balances), (select count(*) from buckets), (select count(*) from audit)`;
  const oneStatement = (b: ReturnType<typeof nextBatch>) => sql`
    with items as (${items(b)}),
    locked as materialized (select client_id, root_id, balance_micros as balance from credit_accounts
      where client_id in (select client_id from items) order by client_id for update),
    ids as materialized (select client_id, nextval('credit_entries_id_seq'::regclass) as id from locked),
    claimed as (insert into credit_spend_refs (root_id, client_id, reference, entry_id) select l.root_id, i.client_id, i.reference, ids.id
      from items i join locked l using (client_id) join ids using (client_id) on conflict do nothing returning client_id, reference),
    sums as materialized (select i.client_id, l.root_id, sum(i.amount) as amount, count(*)::int as n,
        min(i.reference) as reference, l.balance, ids.id
      from claimed c join items i using (client_id, reference) join locked l using (client_id)
        join ids using (client_id)
      group by 1, 2, 6, 7),
    entries as (insert into credit_entries (id, root_id, client_id, kind, amount_micros, overage_micros,
        balance_after_micros, reference, debits, created_at) overriding system value
      select id, root_id, client_id, 'spend', -least(amount, balance), amount - least(amount, balance),
        balance - least(amount, balance), reference, n, now() from sums returning 1),
    balances as (update credit_accounts ca
      set balance_micros = ca.balance_micros - least(s.amount, s.balance), updated_at = now()
      from sums s where ca.client_id = s.client_id returning 1),
    buckets as (insert into credit_spend_buckets (root_id, client_id, bucket, spent_micros, overage_micros, debits)
      select root_id, client_id, date_bin('15 minutes', now(), timestamptz '1970-01-01Z'), amount, 0, n from sums
      on conflict (root_id, client_id, bucket) do update
        set spent_micros = credit_spend_buckets.spent_micros + excluded.spent_micros,
          debits = credit_spend_buckets.debits + excluded.debits returning 1),
    audit as (insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, before, after, at)
      select root_id, root_id, null, 'credits.spend', 'credit_entries', 'floor', null, '{}'::jsonb, now() from locked limit 1 returning 1)
    select (select count(*) from entries), (select count(*) from balances), (select count(*) from buckets), (select count(*) from audit)`;
  const run = async (statement: typeof bare, batches: number) => {
    const work = Array.from({ length: batches }, () =>
      nextBatch().map((d, i) => ({ ...d, reference: `${d.reference}-${batches}-${Math.random()}-${i}` })),
    );
    const t0 = performance.now();
    for (const b of work) await db.transaction().execute((trx) => statement(b).execute(trx));
    return { n: batches * 500, ms: performance.now() - t0 };
  };
  await run(bare, 10);
  const bareRun = await run(bare, 200);
  await run(oneStatement, 10);
  return { bare: bareRun, oneStatement: await run(oneStatement, 200) };
}

/** Section 5: the credit debit path and top-ups. */
async function benchCredits() {
  return withBenchDb(async (db) => {
    const CLIENTS = 1000;
    const holding = await accounts.insertAccount(db, {
      parent: null,
      kind: 'holding',
      level: 1,
      clientTier: null,
      name: 'Credit Holding',
      nameKey: nameKey('Credit Holding'),
      currency: 'EUR',
      timeZone: 'UTC',
    });
    const clientIds: string[] = [];
    await db.transaction().execute(async (trx) => {
      for (let a = 0; a < 10; a++) {
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
        for (let c = 0; c < CLIENTS / 10; c++) {
          const client = await accounts.insertAccount(trx, {
            parent: agency,
            kind: 'client',
            level: 3,
            clientTier: 'standard',
            name: `Client ${a}-${c}`,
            nameKey: nameKey(`Client ${a}-${c}`),
            currency: 'EUR',
            timeZone: 'UTC',
          });
          clientIds.push(client.id);
        }
      }
    });
    // every client starts with a large balance, through the ledger (an adjustment each)
    const START = 100_000_000_000_000n;
    await sql`insert into credit_entries (root_id, client_id, kind, amount_micros, balance_after_micros, reason)
      select root_id, client_id, 'adjustment', ${START.toString()}::bigint, ${START.toString()}::bigint, 'bench'
      from credit_accounts`.execute(db);
    await sql`update credit_accounts set balance_micros = ${START.toString()}::bigint`.execute(db);
    // the baseline's table: one row per client, debited by one conditional UPDATE per debit
    await sql`create table bench_balances (id uuid primary key, balance bigint not null check (balance >= 0))`.execute(
      db,
    );
    await sql`insert into bench_balances select client_id, ${START.toString()}::bigint from credit_accounts`.execute(
      db,
    );
    await sql`analyze`.execute(db);

    const rand = rng(11);
    const batch = (n: number, pick: () => string, tag: string) =>
      Array.from({ length: n }, (_, i) => ({
        clientId: pick(),
        amountMicros: BigInt(1 + Math.floor(rand() * 1_000_000)),
        reference: `${tag}-${i}`,
      }));
    const spreadPick = () => clientIds[Math.floor(rand() * clientIds.length)]!;
    const hotPick = () => clientIds[0]!;
    const runDebits = async (batches: number, pick: () => string, tag: string) => {
      const work = Array.from({ length: batches }, (_, b) => batch(500, pick, `${tag}-${b}`));
      const t0 = performance.now();
      for (const items of work) await db.transaction().execute((trx) => debitSpend(trx, items));
      return { n: batches * 500, ms: performance.now() - t0 };
    };
    await runDebits(10, spreadPick, 'warm');
    const spread = await runDebits(200, spreadPick, 'spread');
    const hot = await runDebits(40, hotPick, 'hot');
    const two = Array.from({ length: 2 }, (_, w) =>
      Array.from({ length: 60 }, (_, b) => batch(500, spreadPick, `two-${w}-${b}`)),
    );
    const t2 = performance.now();
    await Promise.all(
      two.map(async (work) => {
        for (const items of work) await db.transaction().execute((trx) => debitSpend(trx, items));
      }),
    );
    const twoWorkers = { n: 2 * 60 * 500, ms: performance.now() - t2 };

    const baseline = async (n: number, pick: () => string) => {
      const items = Array.from({ length: n }, () => ({
        id: pick(),
        amount: String(1 + Math.floor(rand() * 1_000_000)),
      }));
      const t0 = performance.now();
      for (const it of items)
        await sql`update bench_balances set balance = balance - ${it.amount}::bigint
          where id = ${it.id}::uuid and balance >= ${it.amount}::bigint`.execute(db);
      return { n, ms: performance.now() - t0 };
    };
    const baseSpread = await baseline(10_000, spreadPick);
    const baseHot = await baseline(10_000, hotPick);
    const floors = await debitFloors(db, () => batch(500, spreadPick, 'floor'));

    // credits.topUp over HTTP: an operator of the holding tops up clients with the test Visa
    const { user, token, caller } = await userWithCaller(db, 'bench-credits@trellis.test');
    await memberships.insertMembership(db, {
      rootId: holding.id,
      accountId: holding.id,
      userId: user.id,
      role: 'operator',
    });
    const cards = await Promise.all(
      clientIds
        .slice(0, 20)
        .map((clientId) =>
          caller.credits.addCard({ clientId, number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' }),
        ),
    );
    const server = createApp({ db, publicUrl: 'http://127.0.0.1' }).listen(0, '127.0.0.1');
    try {
      await new Promise((r) => server.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const headers = { authorization: `Bearer ${token}` };
      const topUp = await timePosts(`${base}/trpc/credits.topUp`, headers, 500, (i) => {
        const card = cards[(i + 20) % cards.length]!;
        return {
          clientId: card.clientId,
          amountMicros: '25000000',
          paymentMethodId: card.id,
          idempotencyKey: `bench-${i}`,
        };
      });
      const health = await timeRequests(`${base}/healthz`, {}, 500);
      return { clients: CLIENTS, spread, hot, twoWorkers, baseSpread, baseHot, floors, topUp, health };
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const only = new Set(
  (process.env.BENCH_ONLY ?? '1,2,3,4,5,spend,reports').split(',').map((x) => x.trim().replace(/^credits$/, '5')),
);
if (only.has('1')) {
  const a = benchAuthorize();
  console.log(
    `\n1. authorization checks, in-process, ${fmt(a.accounts)}-account tree, 1,000 members, ${ACTIONS.length} actions`,
  );
  console.log(
    `   authorize():        ${fmt(a.real.perSecond)} checks/s   (target >= 1,000,000)  ${a.real.perSecond >= 1e6 ? 'MET' : 'MISSED'}`,
  );
  console.log(`   baseline Set.has(): ${fmt(a.base.perSecond)} lookups/s`);
  console.log(`   ratio authorize / baseline: ${(a.real.perSecond / a.base.perSecond).toFixed(3)}`);
}
if (['2', '3', '4'].some((x) => only.has(x))) {
  const t = await benchTree();
  console.log(
    `\n2. accounts.tree over HTTP, holding with 5,000 descendants (${fmt(t.tree.bytes)} bytes a response; seeded in ${fmt(t.seedMs)} ms)`,
  );
  console.log(
    `   accounts.tree:  p50 ${t.tree.p50.toFixed(1)} ms   p99 ${t.tree.p99.toFixed(1)} ms   ` +
      `(target p99 <= 50 ms)  ${t.tree.p99 <= 50 ? 'MET' : 'MISSED'}`,
  );
  console.log(`   baseline /healthz: p50 ${t.health.p50.toFixed(2)} ms   p99 ${t.health.p99.toFixed(2)} ms`);
  console.log(`   ratio p99 tree / healthz: ${(t.tree.p99 / t.health.p99).toFixed(1)}`);
  console.log(
    `\n3. seats.deals lookups in-process: ${fmt(t.dealCount)} deals, ${fmt(t.seatCount)} seats with 3 mappings each ` +
      `(seeded in ${fmt(t.dealSeedMs)} ms; index built from the database in ${fmt(t.indexMs)} ms)`,
  );
  console.log(
    `   SeatDealIndex.dealsAt(): ${fmt(t.lookups.perSecond)} lookups/s, ${t.avgDeals.toFixed(1)} deals an answer   ` +
      `(target >= 20,000)  ${t.lookups.perSecond >= 20_000 ? 'MET' : 'MISSED'}`,
  );
  console.log(`   baseline Map.get() of precomputed answers: ${fmt(t.lookupBase.perSecond)} lookups/s`);
  console.log(`   ratio index / baseline: ${(t.lookups.perSecond / t.lookupBase.perSecond).toFixed(3)}`);
  console.log(
    `   for reference, the seats.deals procedure through createCaller (reads PostgreSQL): ${fmt(t.procedurePerSecond)} calls/s`,
  );
  console.log(
    `\n4. deals.list over HTTP for a client under the busy holding (first page of 100 of its 253 usable deals)`,
  );
  console.log(
    `   deals.list: p50 ${t.dealList.p50.toFixed(1)} ms   p99 ${t.dealList.p99.toFixed(1)} ms   ` +
      `(target p99 <= 50 ms)  ${t.dealList.p99 <= 50 ? 'MET' : 'MISSED'}`,
  );
  console.log(`   baseline /healthz: p50 ${t.health.p50.toFixed(2)} ms   p99 ${t.health.p99.toFixed(2)} ms`);
  console.log(`   ratio p99 deals.list / healthz: ${(t.dealList.p99 / t.health.p99).toFixed(1)}\n`);
}
if (only.has('5')) {
  const c = await benchCredits();
  const per = (x: { n: number; ms: number }) => (x.n / x.ms) * 1000;
  console.log(`\n5. credits (${fmt(c.clients)} clients)`);
  console.log(
    `   debitSpend, ${fmt(c.spread.n)} debits over ${fmt(c.clients)} clients in batches of 500: ` +
      `${fmt(per(c.spread))} debits/s   (target >= 50,000)  ${per(c.spread) >= 50_000 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `   baseline UPDATE ... WHERE balance >= $1 loop, one statement per debit, spread: ` +
      `${fmt(per(c.baseSpread))} debits/s   ratio ${(per(c.spread) / per(c.baseSpread)).toFixed(1)}`,
  );
  console.log(
    `   debitSpend, ${fmt(c.hot.n)} debits on one hot client in batches of 500: ${fmt(per(c.hot))} debits/s   ` +
      `(target >= 5,000)  ${per(c.hot) >= 5_000 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `   baseline UPDATE loop on one hot row: ${fmt(per(c.baseHot))} debits/s   ratio ${(per(c.hot) / per(c.baseHot)).toFixed(1)}`,
  );
  console.log(`   two workers at once, spread (disjoint batches, shared clients): ${fmt(per(c.twoWorkers))} debits/s`);
  console.log(
    `   what any implementation can reach here (one statement a batch of 500, spread, no JavaScript between lock and write):`,
  );
  console.log(
    `     floor, the bare writes the rules require (no key check, no constraint): ` +
      `${fmt(per(c.floors.bare))} debits/s   target / floor ${(50_000 / per(c.floors.bare)).toFixed(2)}`,
  );
  console.log(
    `     the same call on the real credit tables (their key checks, constraints, indexes): ` +
      `${fmt(per(c.floors.oneStatement))} debits/s   target / that ${(50_000 / per(c.floors.oneStatement)).toFixed(2)}`,
  );
  console.log(
    `   credits.topUp over HTTP (test processor, ${c.topUp.n} top-ups): ` +
      `p50 ${c.topUp.p50.toFixed(1)} ms   p99 ${c.topUp.p99.toFixed(1)} ms   ` +
      `(target p99 <= 50 ms)  ${c.topUp.p99 <= 50 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `   baseline /healthz: p50 ${c.health.p50.toFixed(2)} ms   p99 ${c.health.p99.toFixed(2)} ms   ` +
      `ratio p99 topUp / healthz ${(c.topUp.p99 / c.health.p99).toFixed(1)}\n`,
  );
}
if (only.has('spend')) printSpend(await benchSpend());
if (only.has('reports')) printReports(await benchReports());
process.exit(0);
