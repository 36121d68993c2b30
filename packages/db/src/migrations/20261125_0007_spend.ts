import { sql, type Kysely } from 'kysely';

/**
 * Spend ingestion and rollups (SPEC 7, issue 10).
 * - ingest_keys: machine credentials of one root account, stored as a sha-256 of the key.
 * - spend_batches: one row per API call or CLI run, with its counts and reject reasons.
 * - spend_event_ids: (root_id, event_id) seen, the exactly-once guard of ingestion (small, not partitioned, so the
 *   uniqueness need not include the partition key of the raw records).
 * - spend_records: raw accepted records, append-only, partitioned by month of occurred_at, each with a sequence
 *   number from one global sequence (the rollup's watermark counts in it), attribution resolved at ingest.
 * - spend_hourly: the rollup, one row per (root, account, hour, dsp, seat, deal, auction type, campaign, currency).
 * - spend_watermarks: per root, the highest sequence number rolled up, and when.
 * Every key leads with root_id, so all of it distributes by root_id on Citus.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table ingest_keys (
      id uuid not null,
      root_id uuid not null references accounts (id),
      name text not null check (char_length(name) between 1 and 120),
      key_hash text not null,
      key_prefix text not null,
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      revoked_by uuid references users (id),
      last_used_at timestamptz,
      batches bigint not null default 0,
      primary key (root_id, id),
      unique (root_id, key_hash)
    )`.execute(db);
  await sql`create index ingest_keys_id on ingest_keys (id)`.execute(db);

  await sql`
    create table spend_batches (
      id uuid not null,
      root_id uuid not null references accounts (id),
      source text not null check (source in ('api', 'cli')),
      key_id uuid,
      user_id uuid references users (id),
      file_name text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      records bigint not null default 0,
      accepted bigint not null default 0,
      duplicates bigint not null default 0,
      rejected bigint not null default 0,
      reasons jsonb not null default '{}'::jsonb,
      primary key (root_id, id)
    )`.execute(db);
  await sql`create index spend_batches_recent on spend_batches (root_id, created_at desc)`.execute(db);

  await sql`
    create table spend_event_ids (
      root_id uuid not null,
      event_id text not null,
      primary key (root_id, event_id)
    )`.execute(db);

  await sql`create sequence spend_seq as bigint`.execute(db);
  await sql`
    create table spend_records (
      root_id uuid not null,
      seq bigint not null default nextval('spend_seq'),
      occurred_at timestamptz not null,
      event_id text not null,
      batch_id uuid not null,
      dsp text not null,
      seat_id uuid not null,
      seat_account_id uuid not null,
      account_id uuid not null,
      client_id uuid,
      deal_id uuid,
      auction_type text not null,
      campaign_id uuid,
      currency char(3) not null,
      impressions bigint not null check (impressions >= 0),
      clicks bigint not null check (clicks >= 0 and clicks <= impressions),
      spend_micros bigint not null check (spend_micros >= 0),
      ingested_at timestamptz not null default now(),
      primary key (root_id, seq, occurred_at)
    ) partition by range (occurred_at)`.execute(db);
  await sql`create table spend_records_default partition of spend_records default`.execute(db);
  // Months around the migration; the worker keeps creating them ahead.
  await sql`
    do $$
    declare m date;
    begin
      for i in -2..3 loop
        m := (date_trunc('month', now() at time zone 'UTC') + make_interval(months => i))::date;
        execute format('create table if not exists %I partition of spend_records for values from (%L) to (%L)',
          'spend_records_' || to_char(m, 'YYYY_MM'), (m::text || ' 00:00:00+00'), ((m + interval '1 month')::date::text || ' 00:00:00+00'));
      end loop;
    end $$`.execute(db);
  // Append-only: the database refuses updates and deletes of raw records.
  await sql`
    create function spend_records_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'spend records are append-only' using errcode = 'check_violation';
    end $$`.execute(db);
  await sql`create trigger spend_records_no_change before update or delete on spend_records
    for each row execute function spend_records_append_only()`.execute(db);

  await sql`
    create table spend_hourly (
      root_id uuid not null,
      account_id uuid not null,
      hour timestamptz not null,
      dsp text not null,
      seat_id uuid not null,
      deal_id uuid,
      auction_type text not null,
      campaign_id uuid,
      currency char(3) not null,
      client_id uuid,
      impressions bigint not null,
      clicks bigint not null,
      spend_micros bigint not null,
      records bigint not null,
      unique nulls not distinct (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency)
    )`.execute(db);
  await sql`create index spend_hourly_account on spend_hourly (account_id, hour)`.execute(db);

  await sql`
    create table spend_watermarks (
      root_id uuid primary key references accounts (id),
      rolled_seq bigint not null default 0,
      rolled_at timestamptz,
      complete_until timestamptz,
      records_rolled bigint not null default 0
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'spend_watermarks',
    'spend_hourly',
    'spend_records',
    'spend_event_ids',
    'spend_batches',
    'ingest_keys',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop sequence if exists spend_seq`.execute(db);
  await sql`drop function if exists spend_records_append_only()`.execute(db);
}
