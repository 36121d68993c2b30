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
 *   not wait for key-share locks of the rollup).
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('spend_daily').ifExists().execute();
}
