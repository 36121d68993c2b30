import { sql, type Kysely } from 'kysely';

/**
 * The audit trail's filters, each served by an index (SPEC 8): newest first by time (`at`, then `id`), per account,
 * since `audit.list` reads each account of the viewed subtree in that order and merges them.
 * - by time, without the worker's `credits.spend` entries (hidden by default: one every few seconds with a live feed);
 * - by action (a chosen action, and the worker's spend entries when they are asked for, per day);
 * - by member (the actor), for the entries a person made.
 * `audit_entries_account (account_id, id desc)` stays for the latest entry of an account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index audit_entries_by_time on audit_entries (account_id, at desc, id desc)
    where action <> 'credits.spend'`.execute(db);
  await sql`create index audit_entries_by_action on audit_entries (account_id, action, at desc, id desc)`.execute(db);
  await sql`
    create index audit_entries_by_actor on audit_entries (account_id, actor_user_id, at desc, id desc)
    where actor_user_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['audit_entries_by_actor', 'audit_entries_by_action', 'audit_entries_by_time'])
    await sql`drop index if exists ${sql.id(name)}`.execute(db);
}
