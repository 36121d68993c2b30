import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { sql } from 'kysely';
import client from 'prom-client';
import { appliedSchemaVersion, SCHEMA_VERSION, type Db } from '@trellis/db';
import type { Logger } from './log';

/** What one HTTP request did, filled in as it goes (the tRPC layer adds the user and each failing call's code). */
interface RequestInfo {
  id: string;
  userId: string | null;
  errors: Map<string, string>;
}

const infos = new WeakMap<Request, RequestInfo>();
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Status of a non-tRPC refusal as an outcome label (415 -> http_415). */
const outcomeOfStatus = (status: number) => (status < 400 ? 'ok' : `http_${status}`);

export interface Metrics {
  registry: client.Registry;
  observe(procedure: string, outcome: string, seconds: number): void;
}

/**
 * The Prometheus metrics of one api process: request durations per procedure and outcome and the sign-in refusals,
 * counted here; ingest, worker lag and debits read from the database at each scrape, so they hold whichever process
 * (api, worker, CLI) did the work.
 */
export function createMetrics(opts: { db: Db; processMetrics?: boolean }): Metrics {
  const registry = new client.Registry();
  if (opts.processMetrics) client.collectDefaultMetrics({ register: registry, prefix: 'trellis_api_' });
  const duration = new client.Histogram({
    name: 'trellis_http_request_duration_seconds',
    help: 'HTTP request duration by tRPC procedure (or route) and outcome (ok or the error code)',
    labelNames: ['procedure', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const signInFailures = new client.Counter({
    name: 'trellis_sign_in_failures_total',
    help: 'Sign-ins refused for a wrong email or password',
    registers: [registry],
  });
  const lockouts = new client.Counter({
    name: 'trellis_sign_in_lockouts_total',
    help: 'Sign-ins refused because the address or account is throttled',
    registers: [registry],
  });
  const db = opts.db;
  const fromDb = <T>(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Promise<T>,
    set: (g: client.Gauge, v: T) => void,
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        try {
          set(this, await read());
        } catch {
          // database down or schema not there yet: the gauge keeps no value (readyz says why)
        }
      },
    });
  fromDb(
    'trellis_spend_records_ingested',
    'Spend records accepted since the database was created (a counter in effect: take its rate for the ingest rate)',
    [],
    async () =>
      (
        await sql<{
          v: string;
        }>`select case when is_called then last_value else 0 end::text as v from spend_seq`.execute(db)
      ).rows[0]?.v ?? '0',
    (g, v) => g.set(Number(v)),
  );
  fromDb(
    'trellis_spend_batches',
    'Ingest batches received, by source (api or cli)',
    ['source'],
    async () =>
      (
        await sql<{
          source: string;
          n: string;
        }>`select source, count(*)::text as n from spend_batches group by source`.execute(db)
      ).rows,
    (g, rows) => {
      g.reset();
      for (const r of rows) g.set({ source: r.source }, Number(r.n));
    },
  );
  fromDb(
    'trellis_worker_rollup_lag_records',
    'Accepted spend records the worker has not rolled up yet',
    [],
    async () =>
      (
        await sql<{ n: string }>`select coalesce(sum(l.n), 0)::text as n from spend_watermarks w
          cross join lateral (select sum(p.records) as n from spend_partials p where p.root_id = w.root_id
            and p.seq > w.rolled_seq) l`.execute(db)
      ).rows[0]?.n ?? '0',
    (g, v) => g.set(Number(v)),
  );
  fromDb(
    'trellis_worker_heartbeat_age_seconds',
    'Seconds since the freshest worker heartbeat (absent: no worker ever beat)',
    [],
    async () =>
      (
        await sql<{
          s: number | null;
        }>`select extract(epoch from now() - max(beat_at))::float8 as s from worker_heartbeats`.execute(db)
      ).rows[0]?.s ?? null,
    (g, v) => (v === null ? g.reset() : g.set(v)),
  );
  fromDb(
    'trellis_credit_debits',
    'Spend debits posted to client credit balances (count; a counter in effect)',
    [],
    async () =>
      (await sql<{ n: string }>`select coalesce(sum(debits), 0)::text as n from credit_spend_buckets`.execute(db))
        .rows[0]?.n ?? '0',
    (g, v) => g.set(Number(v)),
  );
  fromDb(
    'trellis_credit_debited_micros',
    'Spend debited from client credit balances, in micros of each client currency summed (a counter in effect)',
    [],
    async () =>
      (await sql<{ n: string }>`select coalesce(sum(spent_micros), 0)::text as n from credit_spend_buckets`.execute(db))
        .rows[0]?.n ?? '0',
    (g, v) => g.set(Number(v)),
  );
  return {
    registry,
    observe(procedure, outcome, seconds) {
      duration.observe({ procedure, outcome }, seconds);
      if (procedure === 'auth.signIn' && outcome === 'UNAUTHORIZED') signInFailures.inc();
      if (procedure === 'auth.signIn' && outcome === 'TOO_MANY_REQUESTS') lockouts.inc();
    },
  };
}

/**
 * The first middleware: a request id (the caller's `X-Request-Id` when it is a plain token, else a new uuid) echoed
 * in the response, and, once the response is sent, one log line and one observation per procedure called: method,
 * path (never the query string, which carries tRPC query inputs), status, procedure, user id, duration, outcome.
 */
export function observeRequests(opts: {
  logger: Logger;
  metrics: Metrics;
  procedures: ReadonlySet<string>;
}): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const info: RequestInfo = { id, userId: null, errors: new Map() };
    infos.set(req, info);
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    const path = req.path;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const trpc = path.startsWith('/trpc/');
      // the path is the caller's: a malformed escape (`%E0%A4%A`) must not throw here, where nothing would catch it
      const called = trpc ? safeDecode(path.slice(6)).split(',') : [];
      const names = trpc
        ? called.map((p) => (opts.procedures.has(p) ? p : 'unknown'))
        : [/^\/(healthz|readyz|metrics|exports\/report\.csv)$/.test(path) ? path : 'web'];
      const outcomes = names.map((p, i) => {
        const raw = trpc ? called[i]! : p;
        // a failure tRPC could not pin on one call (an oversize or unparsable body) is every call's outcome
        return (
          info.errors.get(raw) ??
          info.errors.get('') ??
          (res.statusCode >= 400 && info.errors.size === 0 ? outcomeOfStatus(res.statusCode) : 'ok')
        );
      });
      names.forEach((p, i) => opts.metrics.observe(p, outcomes[i]!, seconds));
      const line = {
        reqId: id,
        method: req.method,
        path: trpc ? '/trpc' : path,
        status: res.statusCode,
        procedure: names.join(','),
        outcome: [...new Set(outcomes)].join(','),
        userId: info.userId,
        ms: Math.round(seconds * 1e4) / 10,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) opts.logger.error(line, 'request');
      else if (!trpc && names[0] !== 'web' && names[0] !== '/exports/report.csv' && res.statusCode < 400)
        opts.logger.debug(line, 'request'); // probes and scrapes
      else opts.logger.info(line, 'request');
    };
    // an observation runs after the response, where nothing catches: it must never take the process down
    const observed = () => {
      try {
        finish();
      } catch (e) {
        opts.logger.error({ reqId: id, err: (e as Error).message }, 'request observation failed');
      }
    };
    res.once('finish', observed);
    res.once('close', observed);
    next();
  };
}

/** The request's id (for other log lines about it). */
export const requestIdOf = (req: Request) => infos.get(req)?.id ?? null;
/** Called by the tRPC context: who is calling. */
export const noteUser = (req: Request, userId: string | null) => {
  const info = infos.get(req);
  if (info) info.userId = userId;
};
/** Called by the tRPC error hook: one call of the request failed with this code. */
export const noteError = (req: Request, procedure: string | undefined, code: string) => {
  const info = infos.get(req);
  if (info) info.errors.set(procedure ?? '', code);
};

/**
 * `GET /metrics`: with `TRELLIS_METRICS_TOKEN` set, for a caller presenting it as a bearer token; without, only for a
 * caller on this machine talking to the api directly (loopback peer, no proxy's forwarding header), and never when a
 * proxy is configured (`TRELLIS_TRUST_PROXY`: a proxy on this machine makes every caller a loopback peer, and not
 * every proxy adds a forwarding header). Anyone else gets 404, as if there were nothing.
 */
export function metricsHandler(opts: {
  metrics: Metrics;
  token?: string | undefined;
  behindProxy?: boolean;
}): RequestHandler {
  const token = opts.token ? Buffer.from(opts.token) : null;
  return async (req, res) => {
    let allowed: boolean;
    if (token) {
      const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      allowed = given.length === token.length && timingSafeEqual(given, token);
    } else {
      const peer = req.socket.remoteAddress ?? '';
      const forwarded =
        req.headers['x-forwarded-for'] !== undefined ||
        req.headers.forwarded !== undefined ||
        req.headers['x-real-ip'] !== undefined;
      allowed =
        !opts.behindProxy && !forwarded && (peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1');
    }
    if (!allowed) return void res.status(404).type('text/plain').send('Not found');
    res.setHeader('Content-Type', opts.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.end(await opts.metrics.registry.metrics());
  };
}

/** How long a worker's last heartbeat may be old for /readyz to count it (a worker beats every 30 s by default). */
export const HEARTBEAT_FRESH_SECONDS = 60;

/** Each part is 'ok' or the plain reason it is not. */
export interface Readiness {
  ready: boolean;
  database: string;
  schema: string;
  worker: string;
}

/**
 * The three things /readyz needs: the database answers, its schema is the code's, a worker beat within a minute.
 * The answer is public: a driver's error text (host, port, user names) goes to `logError`, never into it.
 */
export async function readiness(
  db: Db,
  logError: (part: string, message: string) => void = () => {},
): Promise<Readiness> {
  const r: Readiness = { ready: false, database: 'not checked', schema: 'not checked', worker: 'not checked' };
  try {
    await sql`select 1`.execute(db);
    r.database = 'ok';
  } catch (e) {
    r.database = 'does not answer (the api log says why)';
    logError('database', e instanceof Error ? e.message : String(e));
    return r;
  }
  const applied = await appliedSchemaVersion(db).catch(() => null);
  r.schema = applied === SCHEMA_VERSION ? 'ok' : `is ${applied ?? 'empty'}, expected ${SCHEMA_VERSION}`;
  try {
    const beat = await sql<{
      age: number | null;
    }>`select extract(epoch from now() - max(beat_at))::float8 as age from worker_heartbeats`.execute(db);
    const age = beat.rows[0]?.age ?? null;
    r.worker =
      age === null
        ? 'no worker has ever beaten its heart'
        : age <= HEARTBEAT_FRESH_SECONDS
          ? 'ok'
          : `last heartbeat ${Math.round(age)} s ago (more than ${HEARTBEAT_FRESH_SECONDS} s)`;
  } catch (e) {
    r.worker = 'unknown (the api log says why)';
    logError('worker', e instanceof Error ? e.message : String(e));
  }
  r.ready = r.database === 'ok' && r.schema === 'ok' && r.worker === 'ok';
  return r;
}

/**
 * `/readyz`: 200 when ready, 503 with what is not. It answers within `withinMs` whatever the database does (a paused
 * server reads as "does not answer"); give it a small pool of its own (`AppOptions.probeDb`), so a pool the requests
 * or the exports have filled never makes it wait.
 */
export function readyzHandler(db: Db, logger?: Logger, withinMs = 3000): RequestHandler {
  return async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => {
        logger?.warn({ part: 'database', withinMs }, 'not ready: the database did not answer in time');
        resolve({
          ready: false,
          database: `does not answer within ${withinMs / 1000} s`,
          schema: 'not checked',
          worker: 'not checked',
        });
      }, withinMs);
    });
    const r = await Promise.race([readiness(db, (part, err) => logger?.warn({ part, err }, 'not ready')), late]);
    clearTimeout(timer);
    res.setHeader('Cache-Control', 'no-store');
    res.status(r.ready ? 200 : 503).json(r);
  };
}

/** decodeURIComponent that answers '' instead of throwing on a malformed escape. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}
