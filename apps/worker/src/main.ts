import { createDb } from '@trellis/db';
import { runWorker } from './worker';

/** The worker process (SPEC 11): its own process, its own connection pool. */
async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (use `pnpm start` to run on the embedded database).');
  const heartbeatMs = Number(process.env.TRELLIS_WORKER_HEARTBEAT_MS ?? 30_000);
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100) throw new Error('TRELLIS_WORKER_HEARTBEAT_MS must be an integer >= 100');
  const db = createDb(url, { max: 2, applicationName: 'trellis-worker' });
  const worker = await runWorker({ db, heartbeatMs, schemaWaitMs: 120_000, log: (l) => console.log(l) });
  console.log(`[worker] ${worker.workerId} running`);
  const shutdown = () => {
    console.log('[worker] stopping');
    void worker.stop().then(() => db.destroy()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error('[worker] failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
