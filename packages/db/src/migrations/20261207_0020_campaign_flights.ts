import { sql, type Kysely } from 'kysely';

/**
 * A campaign's optional flight: the first and last day it runs, in its client's time zone (both inclusive). A flight
 * never ends before it starts; the database refuses it too. Campaign names are compared per client (trimmed,
 * case-insensitive) by the api under a per-client lock; this index makes that lookup cheap.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table campaigns add column starts_on date, add column ends_on date`.execute(db);
  await sql`
    alter table campaigns add constraint campaigns_flight_order
      check (starts_on is null or ends_on is null or ends_on >= starts_on)`.execute(db);
  await sql`create index campaigns_client_name on campaigns (client_id, lower(btrim(name)))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists campaigns_client_name`.execute(db);
  await sql`alter table campaigns drop constraint if exists campaigns_flight_order`.execute(db);
  await sql`alter table campaigns drop column if exists starts_on, drop column if exists ends_on`.execute(db);
}
