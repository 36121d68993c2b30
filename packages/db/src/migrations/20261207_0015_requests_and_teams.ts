import { sql, type Kysely } from 'kysely';

/**
 * - A client has at most one open request of its own (SPEC 2.2), but any number from agencies, one per agency: a
 *   request an agency sends never cancels one the client sent. The one-open-request index becomes one open request
 *   sent by the client, plus one open request between the same two.
 * - A client's team is a team of its own tree: (team_id, root_id) references teams (id, root_id), so a team
 *   assignment racing a disconnect can never leave the agency's team on the departed client. Leftovers are cleared.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index connections_one_open_request`.execute(db);
  await sql`create unique index connections_one_open_own_request on connections (client_id)
    where state = 'requested' and requested_by_side = 'client'`.execute(db);
  await sql`create unique index connections_one_pending on connections (client_id, agency_id)
    where state = 'requested'`.execute(db);

  await sql`
    update accounts a set team_id = null
    where a.team_id is not null
      and not exists (select 1 from teams t where t.id = a.team_id and t.root_id = a.root_id)`.execute(db);
  await sql`alter table accounts add constraint accounts_team_in_root
    foreign key (team_id, root_id) references teams (id, root_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table accounts drop constraint if exists accounts_team_in_root`.execute(db);
  await sql`drop index if exists connections_one_pending`.execute(db);
  await sql`drop index if exists connections_one_open_own_request`.execute(db);
  // several open requests of one client (from agencies) may exist by now: keep the newest, as migration 0005 did
  await sql`
    update connections c set state = 'cancelled'
    where c.state = 'requested' and exists (
      select 1 from connections n where n.client_id = c.client_id and n.state = 'requested'
        and (n.requested_at, n.id) > (c.requested_at, c.id))`.execute(db);
  await sql`create unique index connections_one_open_request on connections (client_id) where state = 'requested'`.execute(
    db,
  );
}
