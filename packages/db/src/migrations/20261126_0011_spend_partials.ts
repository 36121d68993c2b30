import { sql, type Kysely } from 'kysely';

/**
 * Partial aggregates written at ingestion (README "Spend"): each accepted batch also adds its records summed per
 * (account, client, UTC hour, dsp, seat, deal, auction type, campaign, currency), with a sequence number drawn from
 * the same `spend_seq` as the records of its transaction. The worker's rollup then sums these partials instead of
 * re-reading every raw record (the incremental-rollup pattern with pre-aggregation, as in Citus' rollup guides):
 * - besides the hour's sums, each partial keeps the sums of the records before minute 15, 30 and 45 (`*_15`, `*_30`,
 *   `*_45`): every zone offset in use is a multiple of 15 minutes, so a day that starts mid-hour in some zone (Kolkata,
 *   St John's, Kathmandu) is cut exactly; the hourly rollups, the per-zone daily aggregates and the per-UTC-day debits
 *   all come out exact from the partials;
 * - a partial's seq is covered by the rollup's range exactly when its records' seqs are (one transaction, holding the
 *   root's ingestion lock shared), so the watermark means the same for both;
 * - keyed by root first (distributable by root_id on Citus), no foreign keys (ingestion's hot path);
 * - rolled partials are purged by the worker's housekeeping; the raw records stay the source of truth.
 * An installation with records not yet rolled up gets their partials here, so nothing pending is lost on upgrade.
 */
/** The partial's sums of the records before minute 15, 30 and 45 of its hour, per metric (frozen here: a migration). */
const PARTIAL_QUARTERS = ['imp', 'clk', 'spd', 'rec'].flatMap((m) => [15, 30, 45].map((q) => `${m}_${q}`));
const quarterSums = (t: string) =>
  ['impressions', 'clicks', 'spend_micros', null]
    .flatMap((c) =>
      [15, 30, 45].map((q) => {
        const early = `${t}.occurred_at < date_trunc('hour', ${t}.occurred_at, 'UTC') + interval '${q} minutes'`;
        return c ? `coalesce(sum(${t}.${c}) filter (where ${early}), 0)` : `count(*) filter (where ${early})`;
      }),
    )
    .join(', ');

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table spend_partials (
      root_id uuid not null,
      seq bigint not null default nextval('spend_seq'),
      account_id uuid not null,
      client_id uuid,
      hour timestamptz not null,
      dsp text not null,
      seat_id uuid not null,
      deal_id uuid,
      auction_type text not null,
      campaign_id uuid,
      currency char(3) not null,
      impressions bigint not null check (impressions >= 0),
      clicks bigint not null check (clicks >= 0),
      spend_micros bigint not null check (spend_micros >= 0),
      records bigint not null check (records > 0),
      imp_15 bigint not null, imp_30 bigint not null, imp_45 bigint not null,
      clk_15 bigint not null, clk_30 bigint not null, clk_45 bigint not null,
      spd_15 bigint not null, spd_30 bigint not null, spd_45 bigint not null,
      rec_15 bigint not null, rec_30 bigint not null, rec_45 bigint not null,
      created_at timestamptz not null default now(),
      primary key (root_id, seq)
    )`.execute(db);
  await sql`
    insert into spend_partials (root_id, account_id, client_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
      impressions, clicks, spend_micros, records, ${sql.raw(PARTIAL_QUARTERS.join(', '))}, created_at)
    select s.root_id, s.account_id, s.client_id, date_trunc('hour', s.occurred_at, 'UTC'), s.dsp, s.seat_id, s.deal_id,
      s.auction_type, s.campaign_id, s.currency, sum(s.impressions), sum(s.clicks), sum(s.spend_micros), count(*),
      ${sql.raw(quarterSums('s'))}, min(s.ingested_at)
    from spend_records s left join spend_watermarks w on w.root_id = s.root_id
    where s.seq > coalesce(w.rolled_seq, 0)
    group by s.root_id, s.account_id, s.client_id, 4, s.dsp, s.seat_id, s.deal_id, s.auction_type, s.campaign_id, s.currency`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('spend_partials').ifExists().execute();
}
