import { sql, type RawBuilder } from 'kysely';
import type { Trx } from '../connect';

/**
 * The daily aggregates per viewing level (`spend_daily`, migration 0009; STYLE.md "aggregate per hierarchy level ...
 * at more than one resolution"). Invariant, for every L1/L2 account V of the CURRENT tree: V's rows equal the sum of
 * the rolled-up raw records (seq up to their root's watermark) attributed to V or below, minus a premium client's
 * records from before the start of its current connection (SPEC 2.2's cut, for rows reached from above), by
 * (day in V's zone, V's child on the path to the attributed account or V itself, dsp, auction type, currency).
 *
 * It is kept by three writers, serialised by one tree lock:
 * - the rollup (`rollupDaily`, in the rollup's transaction, holding the lock shared) adds each range;
 * - a client leaving its agency (`withdrawClient`, before the move and the end of its connection) subtracts what it
 *   contributed to its ancestors; a client arriving (`admitClient`, after the move and the new connection) adds its
 *   already rolled-up records from the new connection's start; both hold the lock exclusively, so no rollup reads the
 *   tree or the watermarks while they change.
 */

/** The lock that orders tree moves against rollups (any root): the rollup holds it shared, a move exclusively. */
const TREE_LOCK = sql`7002, 0`;

/** Taken first in a transaction that moves a client (before any row lock, so a rollup never waits on it holding one). */
export async function lockTreeForMove(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock(${TREE_LOCK})`.execute(trx);
}

export async function lockTreeForRollup(trx: Trx): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(${TREE_LOCK})`.execute(trx);
}

/**
 * The partial aggregates' sums of their records before minute 15, 30 and 45 of their UTC hour (migration 0011): what
 * lets a zone whose days start mid-hour (a :15, :30 or :45 offset) cut an hour's partial exactly.
 */
export const PARTIAL_QUARTERS = ['imp', 'clk', 'spd', 'rec'].flatMap((m) => [15, 30, 45].map((q) => `${m}_${q}`));

const KEYS = sql`root_id, viewer_id, day, child_id, dsp, auction_type, currency`;
/** An upsert's sums: the existing row's plus the new contribution's. */
const ADD = sql`impressions = d.impressions + excluded.impressions, clicks = d.clicks + excluded.clicks,
  spend_micros = d.spend_micros + excluded.spend_micros, records = d.records + excluded.records,
  correction_micros = d.correction_micros + excluded.correction_micros`;

/**
 * What the records give each L1/L2 ancestor-or-self of their attributed account, by the aggregate's key. The records
 * are a subquery with account_id, occurred_at, dsp, auction_type, currency, the three sums, the count of records, a
 * flag `hourly` and the partials' sums before minute 15/30/45 (PARTIAL_QUARTERS): raw records (occurred_at exact,
 * hourly false) or partial aggregates (occurred_at their UTC hour, hourly true). An hour that a zone's midnight cuts
 * (only a :15/:30/:45 offset does) is split at that quarter into the two days. A premium client's records from before
 * its current connection's start are not given to its ancestors (SPEC 2.2; the caller reads raw any hour such a cut
 * splits). The ancestors (viewer, its zone, the child on the path, the cut) are looked up once per attributed
 * account, then hash-joined to the records.
 */
function contributions(records: RawBuilder<unknown>) {
  // the viewer's local start of the row's hour, and whether its midnight falls inside the hour (then m, the local
  // minute at the hour's start, is 15, 30 or 45 and the first 60 - m minutes belong to the earlier day)
  const part = (m: string) =>
    sql.raw(`case when x.m = 45 then x.${m}_15 when x.m = 30 then x.${m}_30 else x.${m}_45 end`);
  const cols = (
    day: RawBuilder<unknown>,
    i: RawBuilder<unknown>,
    c: RawBuilder<unknown>,
    s: RawBuilder<unknown>,
    n: RawBuilder<unknown>,
    k: RawBuilder<unknown>,
  ) =>
    sql`x.root_id, x.viewer_id, ${day} as day, x.child_id, x.dsp, x.auction_type, x.currency,
      ${i} as impressions, ${c} as clicks, ${s} as spend_micros, ${n} as records, ${k} as correction_micros`;
  const next = sql`(x.lt + interval '1 hour')::date`;
  // the rest of a split hour, given to the next day
  const nextDay = cols(
    next,
    sql`x.impressions - ${part('imp')}`,
    sql`x.clicks - ${part('clk')}`,
    sql`x.spend_micros - ${part('spd')}`,
    sql`x.records - ${part('rec')}`,
    sql`x.correction_micros - ${part('cor')}`,
  );
  return sql`
    select * from (
      with r as materialized (${records}),
      anc as materialized (
        select p.descendant_id as account_id, v.root_id, v.id as viewer_id, v.time_zone, coalesce(ch.ancestor_id, v.id) as child_id,
          case when p.depth > 0 then (
            select coalesce(k.responded_at, k.requested_at) from connections k
            where k.client_id = p.descendant_id and k.state = 'accepted' and k.origin <> 'promotion'
          ) end as cut
        from account_paths p
        join accounts v on v.id = p.ancestor_id and v.level < 3
        left join account_paths ch on p.depth > 0 and ch.descendant_id = p.descendant_id and ch.depth = p.depth - 1
        where p.descendant_id in (select distinct account_id from r)
      ),
      x0 as (
        select a.root_id, a.viewer_id, a.child_id, r.*, r.occurred_at at time zone a.time_zone as lt
        from r join anc a on a.account_id = r.account_id
        where a.cut is null or r.occurred_at >= a.cut
      ),
      -- inlined in each branch (a hash join per branch costs less than copying every wide row once more)
      x as not materialized (
        select x0.*, extract(minute from x0.lt)::int as m,
          x0.hourly and extract(minute from x0.lt) <> 0 and (x0.lt + interval '1 hour')::date <> x0.lt::date as split
        from x0
      ),
      y as (
        select ${cols(sql`x.lt::date`, sql`x.impressions`, sql`x.clicks`, sql`x.spend_micros`, sql`x.records`, sql`x.correction_micros`)}
        from x where not x.split
        union all
        select ${cols(sql`x.lt::date`, part('imp'), part('clk'), part('spd'), part('rec'), part('cor'))} from x where x.split
        union all
        select ${nextDay} from x where x.split
      )
      select root_id, viewer_id, day, child_id, dsp, auction_type, currency,
        sum(impressions) as impressions, sum(clicks) as clicks, sum(spend_micros) as spend_micros, sum(records) as records,
        sum(correction_micros) as correction_micros
      from y where records > 0
      group by 1, 2, 3, 4, 5, 6, 7
    ) c`;
}

/**
 * Adds the root's records with seq in (from, to] (the rollup's range) from their partial aggregates; in the rollup's
 * transaction. An hour that a SPEC 2.2 cut (the start of a client's current connection) splits cannot be judged as a
 * whole: its partials are left out and its raw records read instead (rare: the hour of a connection).
 */
export async function rollupDaily(trx: Trx, rootId: string, from: bigint, to: bigint): Promise<number> {
  await lockTreeForRollup(trx);
  const range = (t: string) =>
    sql`${sql.ref(`${t}.root_id`)} = ${rootId}::uuid
      and ${sql.ref(`${t}.seq`)} > ${from.toString()}::bigint and ${sql.ref(`${t}.seq`)} <= ${to.toString()}::bigint`;
  const split = await sql<{ account_id: string; hour: Date }>`
    select distinct p.account_id, p.hour from spend_partials p
    join connections k on k.client_id = p.account_id and k.state = 'accepted' and k.origin <> 'promotion'
    where ${range('p')} and coalesce(k.responded_at, k.requested_at) > p.hour
      and coalesce(k.responded_at, k.requested_at) < p.hour + interval '1 hour'`.execute(trx);
  const partials = sql`
    select account_id, hour as occurred_at, dsp, auction_type, currency, impressions, clicks, spend_micros, records, true as hourly,
      ${sql.join(PARTIAL_QUARTERS.map((c) => sql.ref(c)))}, correction_micros, cor_15, cor_30, cor_45
    from spend_partials p
    where ${range('p')}`;
  const source =
    split.rows.length === 0
      ? partials
      : sql`
        with split (account_id, hour) as (values ${sql.join(split.rows.map((x) => sql`(${x.account_id}::uuid, ${x.hour}::timestamptz)`))})
        select * from (${partials}) p where (p.account_id, p.occurred_at) not in (select account_id, hour from split)
        union all
        select r.account_id, r.occurred_at, r.dsp, r.auction_type, r.currency, r.impressions, r.clicks, r.spend_micros,
          1::bigint, false, ${RAW_QUARTERS}, ${RAW_CORRECTION('r')}
        from spend_records r join split x on x.account_id = r.account_id
          and r.occurred_at >= x.hour and r.occurred_at < x.hour + interval '1 hour'
        where ${range('r')}`;
  const r = await sql<{ groups: string }>`
    with up as (
      insert into spend_daily as d (${KEYS}, impressions, clicks, spend_micros, records, correction_micros)
      ${contributions(source)}
      on conflict (${KEYS}) do update set ${ADD}
      returning 1
    )
    select count(*)::text as groups from up`.execute(trx);
  return Number(r.rows[0]!.groups);
}

/** A raw record's placeholders for the partials' quarter sums (unused: a raw record is never split). */
const RAW_QUARTERS = sql.raw(PARTIAL_QUARTERS.map((c) => `0::bigint as ${c}`).join(', '));
/** A raw record's correction (its spend when it is a difference, SPEC 13) and the unused quarter placeholders. */
const RAW_CORRECTION = (t: string) =>
  sql.raw(
    `case when ${t}.correction_reason is null then 0 else ${t}.spend_micros end as correction_micros, 0::bigint as cor_15, 0::bigint as cor_30, 0::bigint as cor_45`,
  );

/** The client's records that are rolled up (up to the watermark of the root they were ingested in). */
const rolledOf = (clientId: string) => sql`
  select s.account_id, s.occurred_at, s.dsp, s.auction_type, s.currency, s.impressions, s.clicks, s.spend_micros, 1::bigint as records,
    false as hourly, ${RAW_QUARTERS}, ${RAW_CORRECTION('s')}
  from spend_records s join spend_watermarks w on w.root_id = s.root_id and s.seq <= w.rolled_seq
  where s.account_id = ${clientId}::uuid`;

/**
 * A client is about to leave its agency (disconnect, transfer): subtract from its current ancestors' aggregates what
 * it gave them, that is its rolled-up records from its current connection's start (all of them without one). Call
 * before the move and before the connection ends, in the move's transaction.
 */
export async function withdrawClient(trx: Trx, clientId: string): Promise<number> {
  await lockTreeForMove(trx);
  const r = await sql<{ expected: string; touched: string }>`
    with c as materialized (${contributions(rolledOf(clientId))}),
    gone as (
      delete from spend_daily d using c
      where (d.root_id, d.viewer_id, d.day, d.child_id, d.dsp, d.auction_type, d.currency)
        = (c.root_id, c.viewer_id, c.day, c.child_id, c.dsp, c.auction_type, c.currency)
        and d.records = c.records
      returning 1
    ),
    kept as (
      update spend_daily d set impressions = d.impressions - c.impressions, clicks = d.clicks - c.clicks,
        spend_micros = d.spend_micros - c.spend_micros, records = d.records - c.records,
        correction_micros = d.correction_micros - c.correction_micros
      from c
      where (d.root_id, d.viewer_id, d.day, d.child_id, d.dsp, d.auction_type, d.currency)
        = (c.root_id, c.viewer_id, c.day, c.child_id, c.dsp, c.auction_type, c.currency)
        and d.records <> c.records
      returning 1
    )
    select (select count(*) from c)::text as expected,
      ((select count(*) from gone) + (select count(*) from kept))::text as touched`.execute(trx);
  const row = r.rows[0]!;
  // every group the client gave must be there to take back: anything else means the invariant was broken
  if (row.expected !== row.touched)
    throw new Error(`spend_daily: client ${clientId} contributed ${row.expected} groups, found ${row.touched}`);
  return Number(row.expected);
}

/**
 * A client has just arrived under an agency (accepted connection, transfer): add its already rolled-up records from
 * the new connection's start (usually none) to its new ancestors. Call after the move and the new connection, in the
 * move's transaction; records rolled up later reach them through the rollup, which applies the same cut.
 */
export async function admitClient(trx: Trx, clientId: string): Promise<number> {
  await lockTreeForMove(trx);
  const r = await sql<{ groups: string }>`
    with up as (
      insert into spend_daily as d (${KEYS}, impressions, clicks, spend_micros, records, correction_micros)
      ${contributions(rolledOf(clientId))}
      on conflict (${KEYS}) do update set ${ADD}
      returning 1
    )
    select count(*)::text as groups from up`.execute(trx);
  return Number(r.rows[0]!.groups);
}
