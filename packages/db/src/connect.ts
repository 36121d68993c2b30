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
  /**
   * Connections COPY streams (`copyOut`) may hold at once, in a pool of their own beside the main one (default 3):
   * however many exports run, they never take the connections every other request needs. `copyOut` refuses with
   * `DatabaseBusyError` when they are all in use rather than queueing.
   */
  copyMax?: number;
  /**
   * Limits that make a stalled or vanished server an error within seconds instead of a hang (issue 21). Omitted:
   * none (tests and scripts). `connectMs` bounds both the wait for a free pooled connection and the connect itself
   * (a paused server accepts the TCP connection but never answers); `statementMs` is PostgreSQL's statement_timeout
   * (it cancels the statement on the server); `queryMs` is the client's own read timeout, for a server that no longer
   * answers at all; `idleInTransactionMs` ends a transaction its client abandoned. COPY streams keep `connectMs`
   * alone: their progress is watched by their consumer (an export stalls after its own timeout).
   */
  timeouts?: { connectMs?: number; statementMs?: number; queryMs?: number; idleInTransactionMs?: number };
}

/** Every connection, pooled or checked out, has an 'error' listener: a server going away must not crash the process. */
function guarded(pool: pg.Pool, what: string): pg.Pool {
  // An idle client losing its connection is reported on the pool; the pool replaces it. A pool being closed (its
  // process stopping) hears the server end its idle connections: that is no error.
  pool.on('error', (err) => {
    if (!pool.ending && !pool.ended) console.error(`[db] ${what} connection error:`, err.message);
  });
  // A checked-out client (a Kysely transaction, a COPY) losing its connection emits 'error' on the client itself;
  // the query in flight fails with the same error, which is how its caller hears of it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

export function createDb(url: string, options: ConnectOptions = {}): Db {
  const t = options.timeouts;
  const base: pg.PoolConfig = {
    connectionString: url,
    application_name: options.applicationName ?? 'trellis',
    keepAlive: true,
    ...(t?.connectMs ? { connectionTimeoutMillis: t.connectMs } : {}),
  };
  const idle = t?.idleInTransactionMs ? { idle_in_transaction_session_timeout: t.idleInTransactionMs } : {};
  const pool = guarded(
    new pg.Pool({
      ...base,
      max: options.max ?? 10,
      ...(t?.statementMs ? { statement_timeout: t.statementMs } : {}),
      ...(t?.queryMs ? { query_timeout: t.queryMs } : {}),
      ...idle,
    }),
    'idle',
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const copyMax = options.copyMax ?? 3;
  let copy: pg.Pool | undefined;
  pools.set(db, {
    main: pool,
    copyMax,
    // made on the first COPY (most processes never run one), ended with the Db
    copy: () =>
      (copy ??= guarded(
        new pg.Pool({
          ...base,
          max: copyMax,
          application_name: `${base.application_name}-copy`,
          ...idle,
        }),
        'idle copy',
      )),
  });
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    await Promise.all([destroy(), copy && !copy.ending ? copy.end() : undefined]);
  };
  return db;
}

/** The database refuses more work for now (all COPY connections busy): answer 503, try again shortly. */
export class DatabaseBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

/**
 * Whether an error means the database cannot be reached or does not answer in time (refused, reset, terminated by a
 * restart, a timeout of ours, PostgreSQL shutting down or starting up): the request may succeed later, so the api
 * answers 503, never 500.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (e instanceof DatabaseBusyError) return true;
  const code = pgErrorCode(e);
  // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57014 a statement timeout, 08xxx connection
  // exceptions, 53300 too many connections, 25P03 idle-in-transaction timeout
  if (code && (/^08/.test(code) || ['57P01', '57P02', '57P03', '57014', '53300', '25P03'].includes(code))) return true;
  const sys = (e as { code?: unknown } | null)?.code;
  if (typeof sys === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(sys))
    return true;
  const message = e instanceof Error ? e.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Connection ended/i.test(
    message,
  );
}

/** The pg pool under each Db made by createDb (COPY streams need a client of their own; Kysely cannot run them). */
const pools = new WeakMap<object, { main: pg.Pool; copy: () => pg.Pool; copyMax: number }>();

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
  const pooled = pools.get(db);
  if (!pooled) throw new Error('copyOut needs a Db made by createDb');
  const pool = pooled.copy();
  // checked synchronously before connect (which counts a connection it opens at once): never queue behind the others
  if (pool.idleCount === 0 && pool.totalCount >= pooled.copyMax)
    throw new DatabaseBusyError(`all ${pooled.copyMax} export connections are in use`);
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
