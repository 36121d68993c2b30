import { sql, type Kysely } from 'kysely';

/**
 * Accounts and their ancestor index, users, sessions, memberships, invitations, audit, the mail outbox.
 * Every tenant table carries root_id, the id of its root account. Rules that can live in the database do:
 * kind/level/parent shape, same root as the parent, unique sibling names, one membership per user and account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table accounts (
      id uuid primary key,
      root_id uuid not null,
      parent_id uuid,
      parent_kind text,
      kind text not null check (kind in ('holding', 'agency', 'client')),
      level smallint not null,
      client_tier text check (client_tier in ('standard', 'premium')),
      name text not null check (char_length(name) between 1 and 120 and name = btrim(name)),
      name_key text not null,
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      time_zone text not null check (char_length(time_zone) between 1 and 64),
      archived_at timestamptz,
      created_at timestamptz not null default now(),
      unique (id, kind),
      unique (id, root_id),
      foreign key (parent_id, parent_kind) references accounts (id, kind),
      foreign key (parent_id, root_id) references accounts (id, root_id),
      check (level = case kind when 'holding' then 1 when 'agency' then 2 else 3 end),
      check ((kind = 'client') = (client_tier is not null)),
      check (
        (kind = 'holding' and parent_id is null and parent_kind is null)
        or (kind = 'agency' and parent_id is not null and parent_kind = 'holding')
        or (kind = 'client' and parent_id is not null and parent_kind = 'agency')
        or (kind = 'client' and client_tier = 'premium' and parent_id is null and parent_kind is null)
      ),
      check ((parent_id is null) = (root_id = id))
    )`.execute(db);
  await sql`create unique index accounts_sibling_name on accounts (parent_id, name_key) nulls not distinct`.execute(db);
  await sql`create index accounts_parent on accounts (parent_id)`.execute(db);

  await sql`
    create table account_paths (
      root_id uuid not null,
      ancestor_id uuid not null references accounts (id),
      descendant_id uuid not null references accounts (id),
      depth smallint not null check (depth between 0 and 2),
      primary key (ancestor_id, descendant_id)
    )`.execute(db);
  await sql`create index account_paths_descendant on account_paths (descendant_id, depth)`.execute(db);

  // The ancestor index is written by the database itself, in the same transaction as the account.
  await sql`
    create function accounts_write_paths() returns trigger language plpgsql as $$
    begin
      insert into account_paths (root_id, ancestor_id, descendant_id, depth)
        select new.root_id, ancestor_id, new.id, depth + 1 from account_paths where descendant_id = new.parent_id
        union all select new.root_id, new.id, new.id, 0;
      return new;
    end $$`.execute(db);
  await sql`create trigger accounts_paths after insert on accounts for each row execute function accounts_write_paths()`.execute(
    db,
  );
  await sql`
    create function accounts_fixed_shape() returns trigger language plpgsql as $$
    begin
      raise exception 'an account''s parent, root and kind are fixed once created' using errcode = 'check_violation';
    end $$`.execute(db);
  await sql`
    create trigger accounts_shape before update of parent_id, root_id, kind, level, currency, time_zone on accounts
    for each row when (old.parent_id is distinct from new.parent_id or old.root_id <> new.root_id or old.kind <> new.kind
      or old.level <> new.level or old.currency <> new.currency or old.time_zone <> new.time_zone)
    execute function accounts_fixed_shape()`.execute(db);

  await sql`
    create table users (
      id uuid primary key,
      email text not null unique check (email = lower(btrim(email)) and email like '%_@_%'),
      name text not null check (char_length(name) between 1 and 120),
      password_hash text not null,
      platform_operator boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table sessions (
      token_hash text primary key,
      user_id uuid not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index sessions_user on sessions (user_id)`.execute(db);

  await sql`
    create table memberships (
      id uuid primary key,
      root_id uuid not null,
      account_id uuid not null,
      user_id uuid not null references users (id),
      role text not null check (role in ('admin', 'operator', 'analyst')),
      created_at timestamptz not null default now(),
      foreign key (account_id, root_id) references accounts (id, root_id),
      unique (account_id, user_id)
    )`.execute(db);
  await sql`create index memberships_user on memberships (user_id)`.execute(db);
  await sql`create index memberships_root_admins on memberships (account_id) where role = 'admin'`.execute(db);

  await sql`
    create table invitations (
      id uuid primary key,
      root_id uuid not null,
      account_id uuid not null,
      email text not null check (email = lower(btrim(email))),
      role text not null check (role in ('admin', 'operator', 'analyst')),
      token_hash text not null unique,
      invited_by uuid not null references users (id),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid references users (id),
      revoked_at timestamptz,
      revoked_by uuid references users (id),
      foreign key (account_id, root_id) references accounts (id, root_id),
      check (accepted_at is null or revoked_at is null)
    )`.execute(db);
  await sql`create index invitations_account on invitations (account_id, created_at desc)`.execute(db);

  await sql`
    create table audit_entries (
      id bigint generated always as identity primary key,
      root_id uuid not null,
      account_id uuid not null,
      actor_user_id uuid references users (id),
      action text not null,
      entity_type text not null,
      entity_id text not null,
      before jsonb,
      after jsonb,
      at timestamptz not null default now(),
      foreign key (account_id, root_id) references accounts (id, root_id)
    )`.execute(db);
  await sql`create index audit_entries_account on audit_entries (account_id, id desc)`.execute(db);

  await sql`
    create table mail_outbox (
      id bigint generated always as identity primary key,
      root_id uuid not null,
      account_id uuid not null,
      to_email text not null,
      subject text not null,
      body text not null,
      link text,
      created_at timestamptz not null default now(),
      foreign key (account_id, root_id) references accounts (id, root_id)
    )`.execute(db);
  await sql`create index mail_outbox_account on mail_outbox (account_id, id desc)`.execute(db);

  await sql`
    create table sign_in_failures (
      key text not null,
      at timestamptz not null default now()
    )`.execute(db);
  await sql`create index sign_in_failures_key on sign_in_failures (key, at)`.execute(db);

  await sql`
    create table worker_heartbeats (
      worker_id text primary key,
      pid integer not null,
      started_at timestamptz not null,
      beat_at timestamptz not null,
      schema_version text not null
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'worker_heartbeats',
    'sign_in_failures',
    'mail_outbox',
    'audit_entries',
    'invitations',
    'memberships',
    'sessions',
    'users',
    'account_paths',
    'accounts',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists accounts_write_paths, accounts_fixed_shape`.execute(db);
}
