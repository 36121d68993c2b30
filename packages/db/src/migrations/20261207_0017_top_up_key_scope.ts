import { sql, type Kysely } from 'kysely';

/**
 * A top-up's idempotency key is unique per client and connection period (SPEC 2.2, 6): `key_scope` is the id of the
 * client's connection in force when the key was claimed, or '' while it had none (or one begun by a promotion, whose
 * agency ran the client before). A connected agency reusing a key from before its connection claims a new top-up,
 * never meets the earlier one (nor learns its id, date or amount). Existing top-ups get the connection that covered
 * their creation.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table top_ups add column key_scope text not null default ''`.execute(db);
  await sql`
    update top_ups t set key_scope = k.id::text
    from connections k
    where k.client_id = t.client_id and k.origin <> 'promotion' and k.state in ('accepted', 'disconnected')
      and coalesce(k.responded_at, k.requested_at) <= t.created_at and (k.ended_at is null or k.ended_at > t.created_at)`.execute(
    db,
  );
  await sql`alter table top_ups drop constraint top_ups_root_id_client_id_idempotency_key_key`.execute(db);
  await sql`
    alter table top_ups add constraint top_ups_key_in_scope unique (root_id, client_id, key_scope, idempotency_key)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table top_ups drop constraint top_ups_key_in_scope`.execute(db);
  await sql`
    alter table top_ups add constraint top_ups_root_id_client_id_idempotency_key_key
      unique (root_id, client_id, idempotency_key)`.execute(db);
  await sql`alter table top_ups drop column key_scope`.execute(db);
}
