import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../embedded';
import { migrateToLatest } from '../migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test server (test databases are created beside it). */
    pgAdminUrl: string;
    /** A migrated database every test file copies its own database from. */
    pgTemplate: string;
  }
}

/**
 * Vitest global setup: a real PostgreSQL for the run. With DATABASE_URL, that server; otherwise the embedded server
 * in a throw-away folder. Migrates a template database once; each test file then gets its own copy.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.DATABASE_URL;
  let stop = async () => {};
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'trellis-test-pg-'));
    await chmod(dir, 0o755); // the server runs as the postgres user
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), ephemeral: true });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const template = `trellis_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = maintenanceDb(adminUrl);
  await sql`create database ${sql.id(template)}`.execute(admin);
  const tplDb = maintenanceDb(withDatabase(adminUrl, template));
  await migrateToLatest(tplDb);
  await tplDb.destroy();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  return async () => {
    await sql`drop database if exists ${sql.id(template)} with (force)`.execute(admin).catch(() => {});
    await admin.destroy();
    await stop();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A one-connection Kysely for maintenance (create/drop database); a dropped connection is not an error here. */
export function maintenanceDb(url: string): Kysely<any> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}
