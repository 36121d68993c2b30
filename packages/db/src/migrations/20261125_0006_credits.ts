import { sql, type Kysely } from 'kysely';

/**
 * Credits and billing (SPEC 6). Every client has one credit account (made by a trigger when the client is created),
 * an append-only ledger of integer micros, payment methods holding only brand, last four and expiry (plus the
 * provider's opaque reference), and top-ups with their idempotency keys. Every table carries the client's root id
 * with the `(client_id, root_id)` foreign key ON UPDATE CASCADE, so credits follow a client on connect, disconnect
 * and transfer; keys lead with or include root_id where the lookups allow, for a later distribution by root.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table credit_accounts (
      client_id uuid primary key,
      root_id uuid not null,
      currency text not null,
      balance_micros bigint not null default 0 check (balance_micros >= 0),
      overage_micros bigint not null default 0 check (overage_micros >= 0),
      low_balance_micros bigint not null default 0 check (low_balance_micros >= 0),
      low_alert_armed boolean not null default true,
      updated_at timestamptz not null default now(),
      foreign key (client_id, root_id) references accounts (id, root_id) on update cascade,
      unique (client_id, root_id)
    )`.execute(db);
  // Every client has its credit account from the start (so a debit never has to create one under load).
  await sql`
    create function accounts_credit_account() returns trigger language plpgsql as $$
    begin
      insert into credit_accounts (client_id, root_id, currency) values (new.id, new.root_id, new.currency);
      return new;
    end $$`.execute(db);
  await sql`
    create trigger accounts_credit_account after insert on accounts
    for each row when (new.kind = 'client') execute function accounts_credit_account()`.execute(db);
  await sql`insert into credit_accounts (client_id, root_id, currency)
    select id, root_id, currency from accounts where kind = 'client'`.execute(db);

  await sql`
    create table payment_methods (
      id uuid primary key,
      root_id uuid not null,
      client_id uuid not null,
      brand text not null check (brand in ('visa', 'mastercard', 'amex', 'discover')),
      last4 text not null check (last4 ~ '^[0-9]{4}$'),
      exp_month smallint not null check (exp_month between 1 and 12),
      exp_year smallint not null check (exp_year between 2000 and 2100),
      provider text not null,
      provider_ref text not null check (char_length(provider_ref) <= 200),
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      removed_at timestamptz,
      removed_by uuid references users (id),
      foreign key (client_id, root_id) references accounts (id, root_id) on update cascade,
      unique (id, client_id),
      unique (id, root_id)
    )`.execute(db);
  await sql`create index payment_methods_client on payment_methods (client_id, created_at)`.execute(db);

  await sql`
    create table top_ups (
      id uuid primary key,
      root_id uuid not null,
      client_id uuid not null,
      idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
      fingerprint text not null,
      amount_micros bigint not null check (amount_micros > 0),
      payment_method_id uuid not null,
      status text not null check (status in ('pending', 'succeeded', 'declined')),
      decline_reason text,
      provider_charge_id text,
      refunded_micros bigint not null default 0,
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (refunded_micros >= 0 and refunded_micros <= amount_micros),
      check (status <> 'succeeded' or provider_charge_id is not null),
      check (status <> 'declined' or decline_reason is not null),
      foreign key (client_id, root_id) references accounts (id, root_id) on update cascade,
      foreign key (payment_method_id, client_id) references payment_methods (id, client_id),
      unique (root_id, client_id, idempotency_key),
      unique (id, root_id)
    )`.execute(db);
  await sql`create index top_ups_client on top_ups (client_id, created_at desc)`.execute(db);

  await sql`
    create table credit_entries (
      id bigint generated always as identity,
      root_id uuid not null,
      client_id uuid not null,
      kind text not null check (kind in ('top_up', 'spend', 'refund', 'adjustment', 'overage_settlement')),
      amount_micros bigint not null,
      overage_micros bigint not null default 0 check (overage_micros >= 0),
      balance_after_micros bigint not null check (balance_after_micros >= 0),
      reference text check (char_length(reference) <= 200),
      top_up_id uuid references top_ups (id),
      reason text check (char_length(reason) <= 500),
      actor_user_id uuid references users (id),
      created_at timestamptz not null default now(),
      primary key (root_id, client_id, id),
      -- through the client's credit account (which cascades from accounts): the debit path holds that row locked,
      -- so checking this key costs little per entry, where a key on accounts would lock an accounts row per entry
      foreign key (client_id, root_id) references credit_accounts (client_id, root_id) on update cascade,
      check (kind = 'spend' or overage_micros = 0),
      check (case kind
        when 'top_up' then amount_micros > 0 and top_up_id is not null
        when 'spend' then amount_micros <= 0 and (amount_micros < 0 or overage_micros > 0)
        when 'refund' then amount_micros < 0 and top_up_id is not null
        when 'adjustment' then amount_micros <> 0 and reason is not null
        when 'overage_settlement' then amount_micros < 0
      end)
    )`.execute(db);
  // One entry per reference per client: a repeated spend debit is recognised and skipped.
  await sql`create unique index credit_entries_reference on credit_entries (root_id, client_id, reference)
    where reference is not null`.execute(db);
  // Entries are never updated or deleted; the only update allowed is the root following its client (FK cascade).
  await sql`
    create function credit_entries_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and (to_jsonb(new) - 'root_id') = (to_jsonb(old) - 'root_id') then
        return new;
      end if;
      raise exception 'credit entries are append-only: a correction is a new entry' using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`create trigger credit_entries_append_only before update or delete on credit_entries
    for each row execute function credit_entries_append_only()`.execute(db);

  // Spend per client per 15 minutes (every time-zone offset is a multiple of 15 minutes): usage per day in any zone
  // and the 7-day runway read these instead of the ledger. Written in the same statement as the debits.
  await sql`
    create table credit_spend_buckets (
      root_id uuid not null,
      client_id uuid not null,
      bucket timestamptz not null,
      spent_micros bigint not null check (spent_micros >= 0),
      overage_micros bigint not null check (overage_micros >= 0),
      debits integer not null,
      primary key (root_id, client_id, bucket),
      foreign key (client_id, root_id) references credit_accounts (client_id, root_id) on update cascade
    )`.execute(db);
  await sql`create index credit_spend_buckets_client on credit_spend_buckets (client_id, bucket)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('20261125_0006_credits cannot be reverted');
}
