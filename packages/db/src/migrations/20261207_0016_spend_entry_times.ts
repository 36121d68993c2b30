import { sql, type Kysely } from 'kysely';

/**
 * The usage and runway of a client seen from above start exactly at its connection (SPEC 2.2, issue 19): the 15-minute
 * spend bucket in which the connection began is read from its entries, found by this index, as is a client's first
 * spend (the runway waits for a full day of it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index credit_entries_spend_time on credit_entries (client_id, created_at) where kind = 'spend'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists credit_entries_spend_time`.execute(db);
}
