import { sql, type Kysely } from 'kysely';

/**
 * `credits.ledger {kinds}`: a client's ledger filtered to some entry kinds. Spend entries are the many (one per client
 * per rollup unit); top-ups, refunds, adjustments and settlements the few. This index finds the few in id order
 * without walking the spend entries in between.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index credit_entries_not_spend on credit_entries (root_id, client_id, id) where kind <> 'spend'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists credit_entries_not_spend`.execute(db);
}
