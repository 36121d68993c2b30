import { sql, type Kysely } from 'kysely';

/**
 * DSP seats, their mapping history, and deals. A seat exists once per installation (dsp, external id). Its mapping
 * history has one row per holding period; the open row (effective_to null) is the current holder, so "who held seat
 * S at time T" is one indexed lookup. Deals carry CPM in integer micros and the DSPs they may run on.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table seats (
      id uuid primary key,
      root_id uuid not null,
      dsp text not null,
      external_id text not null check (external_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
      name text check (name is null or char_length(name) between 1 and 120),
      linked_by_account_id uuid not null,
      created_at timestamptz not null default now(),
      unique (dsp, external_id),
      foreign key (linked_by_account_id, root_id) references accounts (id, root_id)
    )`.execute(db);

  await sql`
    create table seat_mappings (
      id bigint generated always as identity primary key,
      root_id uuid not null,
      seat_id uuid not null references seats (id),
      dsp text not null,
      account_id uuid not null,
      account_level smallint not null check (account_level between 1 and 3),
      effective_from timestamptz not null,
      effective_to timestamptz,
      assigned_by uuid references users (id),
      foreign key (account_id, root_id) references accounts (id, root_id),
      check (effective_to is null or effective_to >= effective_from)
    )`.execute(db);
  // one current holder per seat, and at most one current seat per DSP on a level-3 account (SPEC 4)
  await sql`create unique index seat_mappings_current on seat_mappings (seat_id) where effective_to is null`.execute(
    db,
  );
  await sql`create unique index seat_mappings_l3_one_per_dsp on seat_mappings (account_id, dsp)
    where effective_to is null and account_level = 3`.execute(db);
  await sql`create index seat_mappings_at on seat_mappings (seat_id, effective_from desc)`.execute(db);
  await sql`create index seat_mappings_holder on seat_mappings (account_id) where effective_to is null`.execute(db);

  await sql`
    create table deals (
      id uuid primary key,
      root_id uuid not null,
      owner_account_id uuid not null,
      deal_id text not null check (deal_id ~ '^[A-Za-z0-9._-]{1,64}$'),
      name text not null check (char_length(name) between 1 and 120),
      publisher text not null check (char_length(publisher) between 1 and 120),
      type text not null check (type in ('preferred_deal', 'private_auction', 'programmatic_guaranteed')),
      cpm_micros bigint not null check (cpm_micros >= 0),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      starts_at timestamptz,
      ends_at timestamptz,
      publisher_initiated boolean not null default false,
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      foreign key (owner_account_id, root_id) references accounts (id, root_id),
      unique (root_id, deal_id),
      check (starts_at is null or ends_at is null or ends_at >= starts_at)
    )`.execute(db);
  await sql`create index deals_owner on deals (owner_account_id, created_at desc, id desc)`.execute(db);

  await sql`
    create table deal_dsps (
      deal_id uuid not null references deals (id),
      root_id uuid not null,
      dsp text not null,
      primary key (deal_id, dsp)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deal_dsps', 'deals', 'seat_mappings', 'seats']) await db.schema.dropTable(t).ifExists().execute();
}
