import { createDb } from '@trellis/db';
import { runWorker } from './worker';

/** The worker process (SPEC 11): its own process, its own connection pool. */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (use `pnpm start` to run on the embedded database).');
  const heartbeatMs = Number(process.env.TRELLIS_WORKER_HEARTBEAT_MS ?? 30_000);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100) throw new Error('TRELLIS_WORKER_HEARTBEAT_MS must be an integer >= 100');
  const pollMs = Number(process.env.TRELLIS_WORKER_POLL_MS ?? 1000);
  if (!Number.isInteger(pollMs) || pollMs < 10) throw new Error('TRELLIS_WORKER_POLL_MS must be an integer >= 10');
  const maxRange = process.env.TRELLIS_WORKER_MAX_RANGE;
  if (maxRange !== undefined && !/^[1-9][0-9]{0,15}$/.test(maxRange)) throw new Error('TRELLIS_WORKER_MAX_RANGE must be a positive integer');
  const name = process.env.TRELLIS_WORKER_NAME ?? 'trellis-worker';
  const db = createDb(url, { max: 4, applicationName: name });
  const worker = await runWorker({
    db, heartbeatMs, pollMs, schemaWaitMs: 120_000, log: (l) => console.log(l),
    ...(maxRange ? { maxRange: BigInt(maxRange) } : {}),
  });
  console.log(`[worker] ${worker.workerId} running`);
  const shutdown = () => {
    console.log('[worker] stopping');
    void worker.stop().then(() => db.destroy()).finally(() => process.exit(0));
    // the unit in flight finishes (or, past this, is abandoned: its transaction rolls back with the connection)
    setTimeout(() => process.exit(0), 30_000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error('[worker] failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
