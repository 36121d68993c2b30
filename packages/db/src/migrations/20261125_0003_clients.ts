import { sql, type Kysely } from 'kysely';

/**
 * Client organisations (SPEC 2.2, 2.3, 6): a client may change parent (connect, disconnect, transfer), so its root
 * changes too; every row that belongs to it follows through ON UPDATE CASCADE on the (account, root) foreign keys,
 * and the ancestor index is rewritten by a trigger in the same transaction. Teams, team memberships, connections
 * with their history, and campaigns whose client the database itself refuses to change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Only a client may move; kind, level, currency and zone never change.
  await sql`drop trigger accounts_shape on accounts`.execute(db);
  await sql`
    create or replace function accounts_fixed_shape() returns trigger language plpgsql as $$
    begin
      if old.kind <> new.kind or old.level <> new.level or old.currency <> new.currency or old.time_zone <> new.time_zone then
        raise exception 'an account''s kind, level, currency and time zone are fixed once created' using errcode = 'check_violation';
      end if;
      if (old.parent_id is distinct from new.parent_id or old.root_id <> new.root_id) and old.kind <> 'client' then
        raise exception 'only a client account may change its parent' using errcode = 'check_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger accounts_shape before update on accounts for each row execute function accounts_fixed_shape()`.execute(
    db,
  );
  await sql`
    create function accounts_move_paths() returns trigger language plpgsql as $$
    begin
      delete from account_paths where descendant_id = new.id and ancestor_id <> new.id;
      update account_paths set root_id = new.root_id where descendant_id = new.id;
      insert into account_paths (root_id, ancestor_id, descendant_id, depth)
        select new.root_id, ancestor_id, new.id, depth + 1 from account_paths where descendant_id = new.parent_id;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger accounts_move after update of parent_id, root_id on accounts
    for each row when (old.parent_id is distinct from new.parent_id or old.root_id <> new.root_id)
    execute function accounts_move_paths()`.execute(db);

  // A client's own rows follow it to its new root.
  for (const [table, column] of [
    ['memberships', 'account_id'],
    ['invitations', 'account_id'],
    ['audit_entries', 'account_id'],
    ['mail_outbox', 'account_id'],
    ['seats', 'linked_by_account_id'],
    ['deals', 'owner_account_id'],
  ] as const) {
    await sql`alter table ${sql.id(table)} drop constraint ${sql.id(`${table}_${column}_root_id_fkey`)}`.execute(db);
    await sql`alter table ${sql.id(table)}
      add foreign key (${sql.id(column)}, root_id) references accounts (id, root_id) on update cascade`.execute(db);
  }
  // A seat's history stays with the seat (its root), whoever held it.
  await sql`alter table seats add unique (id, root_id)`.execute(db);
  await sql`alter table seat_mappings drop constraint seat_mappings_account_id_root_id_fkey`.execute(db);
  await sql`alter table seat_mappings add foreign key (account_id) references accounts (id)`.execute(db);
  await sql`alter table seat_mappings add foreign key (seat_id, root_id) references seats (id, root_id) on update cascade`.execute(
    db,
  );
  await sql`alter table deals add unique (id, root_id)`.execute(db);
  await sql`alter table deal_dsps add foreign key (deal_id, root_id) references deals (id, root_id) on update cascade`.execute(
    db,
  );

  await sql`
    create table teams (
      id uuid primary key,
      root_id uuid not null,
      agency_id uuid not null,
      name text not null check (char_length(name) between 1 and 120 and name = btrim(name)),
      name_key text not null,
      created_at timestamptz not null default now(),
      foreign key (agency_id, root_id) references accounts (id, root_id),
      unique (agency_id, name_key),
      unique (id, root_id)
    )`.execute(db);
  await sql`alter table accounts add column team_id uuid references teams (id)`.execute(db);
  await sql`alter table accounts add check (team_id is null or kind = 'client')`.execute(db);
  await sql`
    create table team_memberships (
      id uuid primary key,
      root_id uuid not null,
      team_id uuid not null,
      user_id uuid not null references users (id),
      role text not null check (role in ('admin', 'operator', 'analyst')),
      created_at timestamptz not null default now(),
      foreign key (team_id, root_id) references teams (id, root_id),
      unique (team_id, user_id)
    )`.execute(db);
  await sql`create index team_memberships_user on team_memberships (user_id)`.execute(db);
  await sql`alter table invitations add column team_id uuid references teams (id)`.execute(db);

  await sql`
    create table connections (
      id uuid primary key,
      root_id uuid not null,
      client_id uuid not null references accounts (id),
      agency_id uuid not null references accounts (id),
      state text not null check (state in ('requested', 'accepted', 'declined', 'expired', 'disconnected')),
      origin text not null check (origin in ('request', 'promotion', 'transfer')),
      requested_by_side text not null check (requested_by_side in ('client', 'agency')),
      requested_by uuid references users (id),
      requested_at timestamptz not null,
      responded_at timestamptz,
      responded_by uuid references users (id),
      ended_at timestamptz,
      ended_by uuid references users (id),
      ended_by_side text check (ended_by_side in ('client', 'agency', 'operator'))
    )`.execute(db);
  await sql`create unique index connections_one_active on connections (client_id) where state = 'accepted'`.execute(db);
  await sql`create unique index connections_one_pending on connections (client_id, agency_id) where state = 'requested'`.execute(
    db,
  );
  await sql`create index connections_agency on connections (agency_id, requested_at desc)`.execute(db);
  await sql`create index connections_client on connections (client_id, requested_at desc)`.execute(db);

  await sql`
    create table campaigns (
      id uuid primary key,
      root_id uuid not null,
      client_id uuid not null,
      name text not null check (char_length(name) between 1 and 120),
      status text not null check (status in ('active', 'paused')),
      paused_reason text,
      budget_micros bigint check (budget_micros >= 0),
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      foreign key (client_id, root_id) references accounts (id, root_id) on update cascade,
      unique (id, root_id)
    )`.execute(db);
  await sql`create index campaigns_client on campaigns (client_id, created_at desc)`.execute(db);
  // No code path can move a campaign: the database refuses it too.
  await sql`
    create function campaigns_fixed_client() returns trigger language plpgsql as $$
    begin
      if old.client_id <> new.client_id then
        raise exception 'a campaign''s client is fixed at creation' using errcode = 'check_violation';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger campaigns_client before update on campaigns for each row execute function campaigns_fixed_client()`.execute(
    db,
  );
  await sql`
    create table campaign_deals (
      campaign_id uuid not null,
      root_id uuid not null,
      deal_id uuid not null references deals (id),
      primary key (campaign_id, deal_id),
      foreign key (campaign_id, root_id) references campaigns (id, root_id) on update cascade
    )`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('20261125_0003_clients cannot be reverted');
}
