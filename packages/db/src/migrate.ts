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

/** The names of every migration this code knows, in order. */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(MIGRATIONS).sort();

/**
 * Brings an empty or older schema exactly to `version` (a restore rebuilds the schema of the backup's code, then the
 * next start migrates to this code's latest). Refuses a version this code does not know.
 */
export async function migrateTo(db: Kysely<any>, version: string): Promise<string[]> {
  if (!KNOWN_MIGRATIONS.includes(version)) throw new Error(`unknown schema version ${version}`);
  const { error, results } = await new Migrator({ db, provider }).migrateTo(version);
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
