import { sql, type Kysely } from 'kysely';

/**
 * Tenant isolation (issue 7, SPEC 2.2, 5, 12):
 * - the outbox remembers who sent each mail (each user sees only their own) and which invitation it carries;
 * - a client has at most one open connection request; a replaced or superseded request is `cancelled`;
 * - a deal id is unique within a branch (the owner, its ancestors and its descendants), not the organisation, so
 *   sibling agencies may reuse an id and creating one never reveals a sibling's deal. The check runs in a trigger
 *   under a per-organisation advisory lock, so two concurrent inserts in one organisation cannot both pass.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table mail_outbox add column sent_by uuid references users (id)`.execute(db);
  await sql`alter table mail_outbox add column invitation_id uuid references invitations (id)`.execute(db);
  await sql`create index mail_outbox_sender on mail_outbox (sent_by, id desc)`.execute(db);

  await sql`alter table connections drop constraint connections_state_check`.execute(db);
  await sql`alter table connections add constraint connections_state_check
    check (state in ('requested', 'accepted', 'declined', 'expired', 'disconnected', 'cancelled'))`.execute(db);
  // Before the one-open-request rule, a client could hold several: keep the newest of each client's open requests.
  await sql`
    update connections c set state = 'cancelled'
    where c.state = 'requested' and exists (
      select 1 from connections n where n.client_id = c.client_id and n.state = 'requested'
        and (n.requested_at, n.id) > (c.requested_at, c.id))`.execute(db);
  await sql`drop index connections_one_pending`.execute(db);
  await sql`create unique index connections_one_open_request on connections (client_id) where state = 'requested'`.execute(
    db,
  );

  await sql`alter table deals drop constraint deals_root_id_deal_id_key`.execute(db);
  await sql`create index deals_root_deal_id on deals (root_id, deal_id)`.execute(db);
  await sql`
    create function deals_unique_in_branch() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(hashtextextended('deals:' || new.root_id::text, 0));
      if exists (
        select 1 from deals d
        where d.root_id = new.root_id and d.deal_id = new.deal_id and d.id <> new.id
          and (d.owner_account_id in (select ancestor_id from account_paths where descendant_id = new.owner_account_id)
               or d.owner_account_id in (select descendant_id from account_paths where ancestor_id = new.owner_account_id))
      ) then
        raise exception 'deal id % is already used in this branch', new.deal_id
          using errcode = 'unique_violation', constraint = 'deals_unique_in_branch';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger deals_unique_in_branch before insert or update of deal_id, owner_account_id on deals
    for each row execute function deals_unique_in_branch()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('20261125_0005_isolation cannot be reverted');
}
