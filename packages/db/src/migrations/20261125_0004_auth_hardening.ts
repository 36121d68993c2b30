import { sql, type Kysely } from 'kysely';

/**
 * Sign-in throttling counted atomically (SPEC 12): one row per key (`pair:<address>|<email>`, `email:<email>`,
 * `addr:<address>`) holding the attempts of its current window, incremented with one upsert before any hashing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sign_in_counters (
      key text primary key,
      window_start timestamptz not null,
      attempts integer not null check (attempts >= 0)
    )`.execute(db);
  await sql`create index sign_in_counters_window on sign_in_counters (window_start)`.execute(db);
  await sql`drop table sign_in_failures`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create table sign_in_failures (key text not null, at timestamptz not null default now())`.execute(db);
  await sql`create index sign_in_failures_key on sign_in_failures (key, at)`.execute(db);
  await sql`drop table sign_in_counters`.execute(db);
}
