import pino from 'pino';
import pretty from 'pino-pretty';
import { createDb } from '@trellis/db';
import { runWorker } from './worker';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const level = process.env.TRELLIS_LOG_LEVEL ?? 'info';
/** Structured (JSON) logs like the api's (issue 12); pretty in a terminal, and `pnpm start` pretty-prints them in one. */
const logger = pino(
  {
    level: LEVELS.includes(level) ? level : 'info',
    base: { service: 'worker', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  process.stdout.isTTY && process.env.TRELLIS_LOG_FORMAT !== 'json'
    ? pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : pino.destination({ dest: 1, sync: true }),
);
const log = (line: string) => {
  const msg = line.replace(/^\[worker\] /, '');
  if (/ failed\b/.test(msg)) logger.warn(msg);
  else logger.info(msg);
};

/** The worker process (SPEC 11): its own process, its own connection pool. */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (use `pnpm start` to run on the embedded database).');
  if (!LEVELS.includes(level)) throw new Error(`TRELLIS_LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  const heartbeatMs = Number(process.env.TRELLIS_WORKER_HEARTBEAT_MS ?? 30_000);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100)
    throw new Error('TRELLIS_WORKER_HEARTBEAT_MS must be an integer >= 100');
  const pollMs = Number(process.env.TRELLIS_WORKER_POLL_MS ?? 1000);
  if (!Number.isInteger(pollMs) || pollMs < 10) throw new Error('TRELLIS_WORKER_POLL_MS must be an integer >= 10');
  const maxRange = process.env.TRELLIS_WORKER_MAX_RANGE;
  if (maxRange !== undefined && !/^[1-9][0-9]{0,15}$/.test(maxRange))
    throw new Error('TRELLIS_WORKER_MAX_RANGE must be a positive integer');
  const name = process.env.TRELLIS_WORKER_NAME ?? 'trellis-worker';
  // waiting for a connection is bounded (the step fails, is logged and retried); a rollup's statements may run long,
  // so no statement limit
  const db = createDb(url, {
    max: 4,
    applicationName: name,
    timeouts: { connectMs: 10_000, idleInTransactionMs: 300_000 },
  });
  const worker = await runWorker({
    db,
    heartbeatMs,
    pollMs,
    schemaWaitMs: 120_000,
    log,
    ...(maxRange ? { maxRange: BigInt(maxRange) } : {}),
  });
  logger.info({ workerId: worker.workerId }, `${worker.workerId} running`);
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`stopping (${why})`);
    void worker
      .stop()
      .then(() => db.destroy())
      .finally(() => process.exit(0));
    // the unit in flight finishes (or, past this, is abandoned: its transaction rolls back with the connection)
    setTimeout(() => process.exit(0), 30_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // under `pnpm start`: the supervisor's IPC channel closing (it ended, however) ends this process too
  if (process.send) process.on('disconnect', () => shutdown('the supervisor is gone'));
}

main().catch((e) => {
  logger.fatal(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
