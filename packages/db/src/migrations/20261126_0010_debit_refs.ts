import { sql, type Kysely } from 'kysely';

/**
 * The spend debit path at volume (issue 9's 50,000 debits/s; SPEC 6):
 * - `credit_spend_refs`: one narrow row per spend debit reference, keyed (root_id, client_id, reference), naming the
 *   ledger entry that covers it. It is the idempotency key of a debit (insert ... on conflict do nothing) and says
 *   which references an entry covers, so the ledger holds one spend entry per client (and time) per call instead of
 *   one per debit. Existing spend entries' references move in; the ledger's reference index goes (an entry keeps its
 *   first reference, and `debits` says how many it covers).
 * - The (client_id, root_id) link of `credit_entries` and `credit_spend_refs` to their credit account is kept by
 *   triggers instead of a foreign key: a row-level key check costs one query per inserted row (most of a debit
 *   call's time), while every writer of these tables already holds the credit account row locked (FOR UPDATE: the
 *   one lock every credit change takes), which a foreign key's FOR KEY SHARE would only repeat. The replacement keeps
 *   what the key gave: each insert statement checks, set-based, that every row names an existing credit account with
 *   its root (and takes FOR KEY SHARE on those accounts, as the key did); a root change of a credit account carries
 *   its entries and references along (the key's ON UPDATE CASCADE); a credit account with entries or references
 *   cannot be deleted. The never-negative CHECKs and the append-only trigger are untouched.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table credit_spend_refs (
      root_id uuid not null,
      client_id uuid not null,
      reference text not null check (char_length(reference) between 1 and 200),
      entry_id bigint not null,
      primary key (root_id, client_id, reference)
    )`.execute(db);
  await sql`
    insert into credit_spend_refs (root_id, client_id, reference, entry_id)
    select root_id, client_id, reference, id from credit_entries where kind = 'spend' and reference is not null`.execute(
    db,
  );
  await sql`drop index credit_entries_reference`.execute(db);
  // how many debits a spend entry covers (null: an entry from before this migration, one debit, or another kind)
  await sql`alter table credit_entries add column debits integer check (debits > 0)`.execute(db);

  // The key check, once per insert statement over all its rows.
  await sql`
    create function credit_rows_check_account() returns trigger language plpgsql as $$
    begin
      if exists (
        select 1 from (select distinct client_id, root_id from inserted) i
        left join lateral (
          select true as found from credit_accounts ca where ca.client_id = i.client_id and ca.root_id = i.root_id for key share of ca
        ) ca on true
        where ca.found is null
      ) then
        raise exception 'insert on table "%" violates its credit account key: a row names no credit account with its root', tg_table_name
          using errcode = 'foreign_key_violation';
      end if;
      return null;
    end $$`.execute(db);
  for (const table of ['credit_entries', 'credit_spend_refs']) {
    await sql`create trigger ${sql.id(`${table}_account_check`)} after insert on ${sql.id(table)}
      referencing new table as inserted for each statement execute function credit_rows_check_account()`.execute(db);
  }
  await sql`alter table credit_entries drop constraint credit_entries_client_id_root_id_fkey`.execute(db);

  // What ON UPDATE CASCADE / NO ACTION did for those two tables, from the credit account's side.
  await sql`
    create function credit_accounts_carry_rows() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' or new.client_id <> old.client_id then
        if exists (select 1 from credit_entries where root_id = old.root_id and client_id = old.client_id)
          or exists (select 1 from credit_spend_refs where root_id = old.root_id and client_id = old.client_id) then
          raise exception 'credit account % still has ledger entries', old.client_id using errcode = 'foreign_key_violation';
        end if;
      elsif new.root_id <> old.root_id then
        update credit_entries set root_id = new.root_id where root_id = old.root_id and client_id = old.client_id;
        update credit_spend_refs set root_id = new.root_id where root_id = old.root_id and client_id = old.client_id;
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger credit_accounts_carry_rows after update of client_id, root_id or delete on credit_accounts
    for each row execute function credit_accounts_carry_rows()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('20261126_0010_debit_refs cannot be reverted');
}
