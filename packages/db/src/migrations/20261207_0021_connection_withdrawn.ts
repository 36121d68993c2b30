import { sql, type Kysely } from 'kysely';

/**
 * A client may withdraw its own pending connection request (SPEC 2.2): the request then reads `withdrawn` on both
 * sides, with when and by whom it ended (ended_at, ended_by, ended_by_side = 'client'). A withdrawn request is no
 * longer open, so it leaves room for the client's next one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table connections drop constraint connections_state_check`.execute(db);
  await sql`alter table connections add constraint connections_state_check
    check (state in ('requested', 'accepted', 'declined', 'expired', 'disconnected', 'cancelled', 'withdrawn'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update connections set state = 'cancelled' where state = 'withdrawn'`.execute(db);
  await sql`alter table connections drop constraint connections_state_check`.execute(db);
  await sql`alter table connections add constraint connections_state_check
    check (state in ('requested', 'accepted', 'declined', 'expired', 'disconnected', 'cancelled'))`.execute(db);
}
