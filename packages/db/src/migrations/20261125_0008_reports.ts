import { sql, type Kysely } from 'kysely';

/**
 * Saved and shared reports (SPEC 7, 10), and an index for the report reads that need raw records.
 * - saved_reports: a report query saved on an account; keyed (root_id, id) and tied to its account by the
 *   (account, root) foreign key ON UPDATE CASCADE, so a premium client's reports follow it when it connects or leaves.
 * - report_shares: which client's users may run a saved report; the row follows its report's root. A share whose
 *   client is no longer in the report account's subtree (a disconnect, a transfer) is deleted at commit by a deferred
 *   trigger: nothing shared by the agency survives a disconnect.
 * - spend_records (account_id, occurred_at): reports read raw records where an hourly bucket cannot cut exactly
 *   (zones with :30/:45 offsets, the hour in which a premium client's current connection began).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table saved_reports (
      root_id uuid not null,
      id uuid not null,
      account_id uuid not null,
      name text not null check (char_length(name) between 1 and 120),
      query jsonb not null,
      created_by uuid references users (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (root_id, id),
      foreign key (account_id, root_id) references accounts (id, root_id) on update cascade
    )`.execute(db);
  await sql`create index saved_reports_id on saved_reports (id)`.execute(db);
  await sql`create index saved_reports_account on saved_reports (account_id, created_at desc)`.execute(db);

  await sql`
    create table report_shares (
      root_id uuid not null,
      report_id uuid not null,
      client_id uuid not null references accounts (id),
      shared_by uuid references users (id),
      shared_at timestamptz not null default now(),
      primary key (root_id, report_id, client_id),
      foreign key (root_id, report_id) references saved_reports (root_id, id) on update cascade on delete cascade
    )`.execute(db);
  await sql`create index report_shares_client on report_shares (client_id, shared_at desc)`.execute(db);

  await sql`
    create function report_shares_follow_tree() returns trigger language plpgsql as $$
    begin
      delete from report_shares s using saved_reports r
      where s.client_id = new.id and r.root_id = s.root_id and r.id = s.report_id
        and not exists (select 1 from account_paths p where p.ancestor_id = r.account_id and p.descendant_id = s.client_id);
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger accounts_report_shares after update of parent_id, root_id on accounts
    deferrable initially deferred for each row
    when (old.parent_id is distinct from new.parent_id or old.root_id <> new.root_id)
    execute function report_shares_follow_tree()`.execute(db);

  await sql`create index spend_records_account_at on spend_records (account_id, occurred_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists accounts_report_shares on accounts`.execute(db);
  await sql`drop function if exists report_shares_follow_tree()`.execute(db);
  await sql`drop index if exists spend_records_account_at`.execute(db);
  await db.schema.dropTable('report_shares').ifExists().execute();
  await db.schema.dropTable('saved_reports').ifExists().execute();
}
