/** What the bench scripts share: a throw-away database per section. Not a test: benches report, they do not assert. */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb } from '@trellis/db';
import { startEmbeddedPostgres } from '@trellis/db/embedded';

export interface BenchDatabase {
  /** A connection string to an empty database of its own. */
  url: string;
  /** A scratch folder (mode 0755) for files the section writes, removed by `release`. */
  dir: string;
  /** Drops the database (on DATABASE_URL) or stops the embedded server, and removes the scratch folder. */
  release: () => Promise<void>;
}

/** A fresh database: a new one on DATABASE_URL when set, else a throw-away embedded PostgreSQL. */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), `trellis-bench-${name}-`));
  await chmod(dir, 0o755);
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const shared = process.env.DATABASE_URL;
  if (!shared) {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true });
    return {
      url: server.urlFor('postgres'),
      dir,
      release: async () => {
        await server.stop();
        await removeDir();
      },
    };
  }
  const dbName = `trellis_bench_${name.replace(/\W/g, '_')}_${Date.now()}`;
  const admin = createDb(shared, { max: 1 });
  await sql`create database ${sql.id(dbName)}`.execute(admin);
  await admin.destroy();
  const u = new URL(shared);
  u.pathname = `/${dbName}`;
  return {
    url: u.toString(),
    dir,
    release: async () => {
      const a = createDb(shared, { max: 1 });
      await sql`drop database if exists ${sql.id(dbName)} with (force)`.execute(a);
      await a.destroy();
      await removeDir();
    },
  };
}
