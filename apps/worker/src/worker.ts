import { hostname } from 'node:os';
import { appliedSchemaVersion, SCHEMA_VERSION, type Db } from '@trellis/db';
import { housekeeping } from './jobs/housekeeping';
import { partitions } from './jobs/partitions';
import { rollup } from './jobs/rollup';
import { startLoop, type Loop } from './loop';

export interface WorkerOptions {
  db: Db;
  heartbeatMs: number;
  /** How long to wait for the api to migrate the schema before giving up. */
  schemaWaitMs: number;
  log: (line: string) => void;
  now?: () => Date;
  /** Pause of the rollup after finding nothing to roll up (default 1 s). */
  pollMs?: number;
  /** At most this many sequence numbers per rollup unit (default 2,000,000). */
  maxRange?: bigint;
  /** Run no jobs, only beat (tests of the process shell). */
  jobs?: boolean;
}

export class SchemaMismatchError extends Error {}

/**
 * Waits until the database schema is the one this code expects (the api migrates it), polling once a second.
 * A database newer than this code is refused at once: an old worker must not touch a newer schema.
 */
export async function waitForSchema(db: Db, waitMs: number, log: (l: string) => void): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const applied = await appliedSchemaVersion(db);
    if (applied === SCHEMA_VERSION) return;
    if (applied !== null && applied > SCHEMA_VERSION) {
      throw new SchemaMismatchError(
        `database schema ${applied} is newer than this worker's ${SCHEMA_VERSION}; upgrade the worker`,
      );
    }
    if (Date.now() >= deadline) {
      throw new SchemaMismatchError(
        `database schema is ${applied ?? 'empty'}, expected ${SCHEMA_VERSION}; run the api (it migrates) first`,
      );
    }
    log(`[worker] waiting for schema ${SCHEMA_VERSION} (database has ${applied ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The worker process: checks the schema, beats every `heartbeatMs` (a row in worker_heartbeats and a log line), and
 * runs its jobs (spend rollup with credit debits, partitions ahead, housekeeping) in one loop until stopped.
 */
export async function runWorker(
  opts: WorkerOptions,
): Promise<{ stop: () => Promise<void>; workerId: string; loop: Loop | null }> {
  const now = opts.now ?? (() => new Date());
  await waitForSchema(opts.db, opts.schemaWaitMs, opts.log);
  const workerId = `${hostname()}:${process.pid}`;
  const startedAt = now();
  const beat = async () => {
    const at = now();
    await opts.db
      .insertInto('worker_heartbeats')
      .values({
        worker_id: workerId,
        pid: process.pid,
        started_at: startedAt,
        beat_at: at,
        schema_version: SCHEMA_VERSION,
      })
      .onConflict((oc) => oc.column('worker_id').doUpdateSet({ beat_at: at }))
      .execute();
    opts.log(`[worker] heartbeat ${at.toISOString()} (schema ${SCHEMA_VERSION})`);
  };
  await beat();
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    pending = beat().catch((e) => opts.log(`[worker] heartbeat failed: ${e instanceof Error ? e.message : String(e)}`));
  }, opts.heartbeatMs);
  const loop =
    opts.jobs === false
      ? null
      : startLoop(
          [
            {
              name: 'rollup',
              run: () => rollup(opts.db, now, opts.maxRange ? { maxRange: opts.maxRange } : {}),
              idleMs: opts.pollMs ?? 1000,
            },
            {
              name: 'partitions',
              run: async () => {
                const r = await partitions(opts.db, now);
                return r.created.length ? r : null;
              },
              idleMs: 3_600_000,
            },
            {
              name: 'housekeeping',
              run: async () => {
                const r = await housekeeping(opts.db, now);
                return r.sessions + r.signInFailures + r.connectionsExpired + r.partialsPurged > 0 ? r : null;
              },
              idleMs: 600_000,
            },
          ],
          opts.log,
        );
  return {
    workerId,
    loop,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await loop?.stop();
      await pending;
      // a stopped worker says so at once (readiness needs a live one), rather than looking alive for another minute
      await opts.db
        .deleteFrom('worker_heartbeats')
        .where('worker_id', '=', workerId)
        .execute()
        .catch(() => {});
    },
  };
}
