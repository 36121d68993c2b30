import { sql, type Kysely } from 'kysely';

/**
 * The coarser daily aggregates per viewing level (STYLE.md; README "Reports"): spend_daily holds, for each L1 and L2
 * account (the viewer), the records it may see summed by the day in the VIEWER's time zone (computed from each raw
 * record's instant, so zones with :30/:45 offsets cut their days exactly), the next account down the path from the
 * viewer to the attributed account (the viewer itself for its own rows), DSP, auction type and currency.
 * - written by the worker's rollup in the same transaction as spend_hourly (exactly once, as the hourly rollup);
 * - it follows the current tree (SPEC 2.2): a client that leaves (disconnect, transfer) has its contribution
 *   subtracted from its old agency's and holding's rows in the same transaction; a client that arrives adds only its
 *   records from the start of its current connection on (late records from before it never reach the new ancestors);
 * - keyed by the viewer's root first (a holding or an agency never changes root), no foreign keys (a tree move must
 *   not wait for key-share locks of the rollup);
 * - an installation with spend history gets it filled from the records already rolled up (`backfill`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table spend_daily (
      root_id uuid not null,
      viewer_id uuid not null,
      day date not null,
      child_id uuid not null,
      dsp text not null,
      auction_type text not null,
      currency char(3) not null,
      impressions bigint not null check (impressions >= 0),
      clicks bigint not null check (clicks >= 0),
      spend_micros bigint not null check (spend_micros >= 0),
      records bigint not null check (records > 0),
      primary key (root_id, viewer_id, day, child_id, dsp, auction_type, currency)
    )`.execute(db);
  await backfill(db);
}

/**
 * Fills spend_daily from what is already rolled up (an installation with spend history), by the same rule as the
 * rollup and in the same transaction as the table: the tree lock and a SHARE lock on the watermarks keep rollups
 * (which advance them) out until it commits, so every rolled-up record is counted once.
 */
export async function backfill(db: Kysely<any>): Promise<void> {
  await sql`select pg_advisory_xact_lock(7002, 0)`.execute(db);
  await sql`lock table spend_watermarks in share mode`.execute(db);
  await sql`
    insert into spend_daily (root_id, viewer_id, day, child_id, dsp, auction_type, currency, impressions, clicks, spend_micros, records)
    select v.root_id, v.id, (r.occurred_at at time zone v.time_zone)::date, coalesce(ch.ancestor_id, v.id),
      r.dsp, r.auction_type, r.currency,
      sum(r.impressions), sum(r.clicks), sum(r.spend_micros), count(*)
    from spend_records r
    join spend_watermarks w on w.root_id = r.root_id and r.seq <= w.rolled_seq
    join account_paths p on p.descendant_id = r.account_id
    join accounts v on v.id = p.ancestor_id and v.level < 3
    left join account_paths ch on p.depth > 0 and ch.descendant_id = r.account_id and ch.depth = p.depth - 1
    left join connections k on k.client_id = r.account_id and k.state = 'accepted' and k.origin <> 'promotion'
    where p.depth = 0 or k.id is null or r.occurred_at >= coalesce(k.responded_at, k.requested_at)
    group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('spend_daily').ifExists().execute();
}
