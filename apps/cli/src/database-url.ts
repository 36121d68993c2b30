import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export class NoDatabaseError extends Error {}

/** The data folder of the embedded database: TRELLIS_DATA_DIR, default `.data/` in the checkout. */
export function dataDirOf(env: NodeJS.ProcessEnv, repoRoot: string): string {
  return path.resolve(repoRoot, env.TRELLIS_DATA_DIR ?? '.data');
}

/**
 * Where the CLI finds its database: DATABASE_URL; else the embedded server of a running `pnpm start` in the data
 * folder (TRELLIS_DATA_DIR, default `.data/` in the checkout): the port from its `postmaster.pid`, the password from
 * the `<folder>.password` file beside it (mode 0600) or the legacy default of folders made before that file existed.
 */
export function databaseUrl(env: NodeJS.ProcessEnv, repoRoot: string): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  return embeddedDatabaseUrl(dataDirOf(env, repoRoot));
}

/** The URL of the `trellis` database of the embedded server running in a data folder (see `databaseUrl`). */
export function embeddedDatabaseUrl(dataDir: string): string {
  const pgDir = path.join(dataDir, 'postgres');
  const pidFile = path.join(pgDir, 'postmaster.pid');
  const howTo =
    'Set DATABASE_URL (postgres://user:password@host:port/database), or start Trellis with `pnpm start` ' +
    `(its embedded database keeps its data in ${dataDir}; set TRELLIS_DATA_DIR if it uses another folder).`;
  if (!existsSync(pidFile))
    throw new NoDatabaseError(
      `No database: DATABASE_URL is not set and no embedded server is running in ${pgDir}. ${howTo}`,
    );
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(port) || port <= 0)
    throw new NoDatabaseError(`Cannot read the port of the embedded server from ${pidFile}. ${howTo}`);
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH')
      throw new NoDatabaseError(`The embedded server in ${pgDir} is not running (stale ${pidFile}). ${howTo}`);
  }
  const passwordFile = `${path.resolve(pgDir)}.password`;
  const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : 'trellis';
  return `postgres://trellis:${encodeURIComponent(password)}@127.0.0.1:${port}/trellis`;
}
