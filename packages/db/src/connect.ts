import type { Readable } from 'node:stream';
import { Kysely, PostgresDialect, type CompiledQuery, type Transaction } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The pg pool under each Db made by createDb (COPY streams need a client of their own; Kysely cannot run them). */
const pools = new WeakMap<object, pg.Pool>();

/**
 * A SQL literal of a query parameter, for statements that take no parameters (COPY): strings quoted as
 * pg's escapeLiteral does, arrays as array literals, dates as ISO instants. Types come from the casts and the
 * context in the statement, as they do for parameters.
 */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return `'${String(v)}'`;
  }
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Array.isArray(v)) {
    const items = v.map((x) =>
      x === null || x === undefined
        ? 'NULL'
        : `"${String(x instanceof Date ? x.toISOString() : x).replace(/[\\"]/g, (c) => `\\${c}`)}"`,
    );
    return quote(`{${items.join(',')}}`);
  }
  if (typeof v === 'string') return quote(v);
  throw new TypeError(`cannot inline a parameter of type ${typeof v}`);
}
function quote(s: string): string {
  if (s.includes('\u0000')) throw new RangeError('a NUL character cannot be sent to PostgreSQL');
  const body = s.replaceAll("'", "''");
  return s.includes('\\') ? ` E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}

/** The query's text with each $n parameter replaced by its literal (placeholders inside quotes are left alone). */
export function inlineParameters(q: Pick<CompiledQuery, 'sql' | 'parameters'>): string {
  let out = '';
  let i = 0;
  const text = q.sql;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw new Error('unterminated quote in a compiled query');
      out += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const m = ch === '$' ? /^\$(\d+)/.exec(text.slice(i, i + 12)) : null;
    if (m) {
      const n = Number(m[1]);
      if (n < 1 || n > q.parameters.length) throw new Error(`no parameter $${n}`);
      out += literal(q.parameters[n - 1]);
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * Runs `COPY (query) TO STDOUT WITH (options)` on a client of its own, in a read-only transaction, and hands the
 * stream to `consume`, which reads it with back-pressure (memory stays bounded whatever the size). A consumer that
 * stops early or fails discards the connection, which ends the COPY on the server.
 */
export async function copyOut<T>(
  db: Db,
  query: Pick<CompiledQuery, 'sql' | 'parameters'>,
  options: string,
  consume: (rows: Readable) => Promise<T>,
  settings: Record<string, string> = {},
): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('copyOut needs a Db made by createDb');
  const client = await pool.connect();
  let finished = false;
  try {
    // a read-only transaction of its own; `settings` (e.g. work_mem) hold for it alone
    await client.query('begin transaction read only');
    for (const [name, value] of Object.entries(settings))
      await client.query('select set_config($1, $2, true)', [name, value]);
    const stream = client.query(copyTo(`copy (${inlineParameters(query)}) to stdout with (${options})`));
    const out = await consume(stream);
    finished = stream.readableEnded;
    if (finished) await client.query('commit');
    return out;
  } finally {
    client.release(finished ? undefined : true);
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function pgErrorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
export const UNIQUE_VIOLATION = '23505';
