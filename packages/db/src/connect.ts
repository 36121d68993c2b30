import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

export interface ConnectOptions {
  /** Pool size; the api and worker each have their own pool. */
  max?: number;
  applicationName?: string;
}

export function createDb(url: string, options: ConnectOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'trellis',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  // A pool being closed (its process stopping) hears the server end its idle connections: that is no error.
  pool.on('error', (err) => {
    if (!pool.ending && !pool.ended) console.error('[db] idle connection error:', err.message);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function pgErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
export const UNIQUE_VIOLATION = '23505';
