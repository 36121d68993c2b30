import { Migrator, sql, type Kysely } from 'kysely';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

const provider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema to the latest version (Kysely's Migrator takes a lock, so concurrent starts are safe). */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The last migration applied to the database, or null when it has none. */
export async function appliedSchemaVersion(db: Kysely<any>): Promise<string | null> {
  const exists = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return null;
  const row = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db);
  return row.rows[0]?.name ?? null;
}

export { SCHEMA_VERSION };
