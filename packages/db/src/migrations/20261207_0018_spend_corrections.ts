import { sql, type Kysely } from 'kysely';

/**
 * Spend corrections (SPEC 13, issue 20).
 * - spend_event_ids becomes the table of CURRENT versions, one per (root, event id): its revision, the md5 of its
 *   identity fields (`ident`: occurredAt, dsp, seat, deal, auction type, campaign, currency, as the source named them),
 *   when it occurred, the seq of its first record (whose attribution every difference copies), its figures, and the
 *   figures it replaced (`prev_*`, set by the upsert that applied a correction, null for a first version).
 * - spend_records gains `revision` and `correction_reason`: a row with a reason is a DIFFERENCE (new figures minus the
 *   replaced ones, possibly negative), attributed as its first version; the raw records stay append-only and their sum
 *   per event is its current version.
 * - the partial, hourly and daily aggregates carry `correction_micros` (the differences' spend included in them; the
 *   partials also per quarter hour), and their figures may be negative for a while (a correction's partial alone).
 * - spend_batches count `corrected` and `stale`; spend_settings holds each root's correction window (default 60 days).
 * - credit_entries gain the kind `spend_correction` (+ or -, with a `detail`: events, reasons, days); its overage may be
 *   negative (a credit reducing outstanding overage), and the spend buckets may go below zero for a day.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table spend_event_ids
      add column revision integer not null default 0,
      add column ident text,
      add column occurred_at timestamptz,
      add column seq bigint,
      add column impressions bigint,
      add column clicks bigint,
      add column spend_micros bigint,
      add column prev_impressions bigint,
      add column prev_clicks bigint,
      add column prev_spend_micros bigint`.execute(db);
  // existing events: their one record is their current version
  await sql`
    update spend_event_ids e set ident = ${identOf(sql`r.occurred_at`, sql`r.dsp`, sql`s.external_id`, sql`d.deal_id`, sql`r.auction_type`, sql`r.campaign_id`, sql`r.currency`)},
      occurred_at = r.occurred_at, seq = r.seq, impressions = r.impressions, clicks = r.clicks, spend_micros = r.spend_micros
    from spend_records r
    join seats s on s.id = r.seat_id
    left join deals d on d.id = r.deal_id
    where r.root_id = e.root_id and r.event_id = e.event_id`.execute(db);

  await sql`
    alter table spend_records
      add column revision integer not null default 0 check (revision >= 0),
      add column correction_reason text check (correction_reason in ('restatement', 'invalid_traffic', 'overdelivery')),
      drop constraint if exists spend_records_impressions_check,
      drop constraint if exists spend_records_clicks_check,
      drop constraint if exists spend_records_check,
      drop constraint if exists spend_records_spend_micros_check,
      add constraint spend_records_figures check (correction_reason is not null
        or (impressions >= 0 and clicks >= 0 and clicks <= impressions and spend_micros >= 0))`.execute(db);
  // the worker's per-client correction details of a rollup range
  await sql`create index spend_records_corrections on spend_records (root_id, seq) where correction_reason is not null`.execute(
    db,
  );

  for (const t of ['spend_partials', 'spend_daily']) {
    for (const c of ['impressions', 'clicks', 'spend_micros'])
      await sql`alter table ${sql.id(t)} drop constraint if exists ${sql.id(`${t}_${c}_check`)}`.execute(db);
  }
  await sql`
    alter table spend_partials
      add column correction_micros bigint not null default 0,
      add column cor_15 bigint not null default 0, add column cor_30 bigint not null default 0,
      add column cor_45 bigint not null default 0`.execute(db);
  await sql`alter table spend_hourly add column correction_micros bigint not null default 0`.execute(db);
  await sql`alter table spend_daily add column correction_micros bigint not null default 0`.execute(db);

  await sql`
    alter table spend_batches
      add column corrected bigint not null default 0,
      add column stale bigint not null default 0`.execute(db);
  await sql`
    create table spend_settings (
      root_id uuid primary key references accounts (id),
      correction_window_days integer not null default 60 check (correction_window_days between 0 and 180),
      updated_at timestamptz not null default now(),
      updated_by uuid references users (id)
    )`.execute(db);

  // credit entries: drop the checks naming the kind or the overage, then state them again with spend_correction
  await sql`
    do $$
    declare c record;
    begin
      for c in select conname from pg_constraint
        where conrelid = 'credit_entries'::regclass and contype = 'c'
          and (pg_get_constraintdef(oid) like '%kind%' or pg_get_constraintdef(oid) like '%overage_micros%')
      loop
        execute format('alter table credit_entries drop constraint %I', c.conname);
      end loop;
      for c in select conname from pg_constraint
        where conrelid = 'credit_spend_buckets'::regclass and contype = 'c'
      loop
        execute format('alter table credit_spend_buckets drop constraint %I', c.conname);
      end loop;
    end $$`.execute(db);
  await sql`
    alter table credit_entries
      add column detail jsonb,
      add constraint credit_entries_kind check (kind in ('top_up', 'spend', 'refund', 'adjustment', 'overage_settlement', 'spend_correction')),
      add constraint credit_entries_overage check (kind in ('spend', 'spend_correction') or overage_micros = 0),
      add constraint credit_entries_overage_sign check (kind = 'spend_correction' or overage_micros >= 0),
      add constraint credit_entries_amounts check (case kind
        when 'top_up' then amount_micros > 0 and top_up_id is not null
        when 'spend' then amount_micros <= 0 and (amount_micros < 0 or overage_micros > 0)
        when 'refund' then amount_micros < 0 and top_up_id is not null
        when 'adjustment' then amount_micros <> 0 and reason is not null
        when 'overage_settlement' then amount_micros < 0
        when 'spend_correction' then (amount_micros <> 0 or overage_micros <> 0) and detail is not null
      end)`.execute(db);
  // a client's corrections by time (statements and the billing view read them beside the spend entries)
  await sql`create index credit_entries_correction_time on credit_entries (client_id, created_at)
    where kind = 'spend_correction'`.execute(db);
}

/**
 * The identity of a record as its source named it (SPEC 13: the fields a correction may not change), the same
 * expression at ingest (repos/spend.ts) and here: the instant as epoch seconds, absent ids as ''.
 */
export function identOf(...f: ReturnType<typeof sql>[]) {
  const [at, dsp, seat, deal, auction, campaign, currency] = f;
  return sql`md5(concat_ws(chr(31), extract(epoch from ${at})::text, ${dsp}, ${seat}, coalesce(${deal}, ''), ${auction},
    coalesce(${campaign}::text, ''), ${currency}))`;
}

export async function down(): Promise<void> {
  throw new Error('20261207_0018_spend_corrections cannot be reverted');
}
