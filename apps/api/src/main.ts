import { createDb, migrateToLatest } from '@trellis/db';
import { createApp, parseTrustProxy } from './app';
import { outboxMailer, smtpMailer } from './lib/mailer';
import { createLogger } from './lib/log';
import { createMetrics } from './lib/observe';
import { ensurePlatformOperator, withStartupLock } from './bootstrap';
import { seedDemo } from './demo';
import { defaultWebDist, readEnv } from './env';

const log = createLogger('api', { level: process.env.TRELLIS_LOG_LEVEL });

/**
 * The api's limits on the database (README, Operating): a connection (waiting for a free one, or connecting) 3 s, a
 * statement 5 s on the server, an answer 6 s on the client (a server that stopped answering), a transaction left idle
 * 30 s. The slowest requests of the benches take well under a second; exports have their own pool and no limit but
 * their progress.
 */
const API_DB_TIMEOUTS = { connectMs: 3000, statementMs: 5000, queryMs: 6000, idleInTransactionMs: 30_000 };

/** The api process: migrates, creates the first operator and the demo data, then serves /trpc, /healthz and the web app. */
async function main() {
  const env = readEnv();
  log.level = env.TRELLIS_LOG_LEVEL;
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (use `pnpm start` to run on the embedded database).');
  // issue 21: a paused or vanished database makes requests fail within seconds (503), never hang
  const db = createDb(env.DATABASE_URL, { applicationName: 'trellis-api', timeouts: API_DB_TIMEOUTS });
  const probeDb = createDb(env.DATABASE_URL, {
    max: 2,
    applicationName: 'trellis-api-probe',
    timeouts: { connectMs: 2000, statementMs: 2000, queryMs: 2500, idleInTransactionMs: 5000 },
  });
  const publicUrl = env.TRELLIS_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  await withStartupLock(db, async () => {
    const applied = await migrateToLatest(db);
    if (applied.length) log.info({ migrations: applied }, `migrated: ${applied.join(', ')}`);
    if (env.TRELLIS_ADMIN_EMAIL && env.TRELLIS_ADMIN_PASSWORD) {
      const r = await ensurePlatformOperator(db, env.TRELLIS_ADMIN_EMAIL, env.TRELLIS_ADMIN_PASSWORD);
      log.info(`platform operator ${env.TRELLIS_ADMIN_EMAIL}: ${r}`);
    }
    if (env.TRELLIS_DEMO === '1') {
      const { created } = await seedDemo(db, { publicUrl });
      log.info(created ? 'demo data created' : 'demo data present');
    }
  });
  const trustProxy = parseTrustProxy(env.TRELLIS_TRUST_PROXY);
  const mailer = env.TRELLIS_SMTP_URL ? smtpMailer(env.TRELLIS_SMTP_URL, env.TRELLIS_MAIL_FROM) : outboxMailer;
  if (env.TRELLIS_SMTP_URL) log.info(`mail is sent through ${new URL(env.TRELLIS_SMTP_URL).host}`);
  const app = createApp({
    db,
    probeDb,
    publicUrl,
    webDist: env.TRELLIS_WEB_DIST ?? defaultWebDist(),
    mailer,
    logger: log,
    metrics: createMetrics({ db, processMetrics: true }),
    ...(env.TRELLIS_METRICS_TOKEN ? { metricsToken: env.TRELLIS_METRICS_TOKEN } : {}),
    ...(trustProxy !== undefined ? { trustProxy } : {}),
  });
  const server = app.listen(env.PORT, '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : env.PORT;
    log.info({ port }, `listening on http://127.0.0.1:${port}`);
  });
  server.on('error', (e) => {
    log.fatal(`cannot listen on 127.0.0.1:${env.PORT}: ${e.message}`);
    process.exit(1);
  });
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${why})`);
    server.close(() => void Promise.all([db.destroy(), probeDb.destroy()]).finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // under `pnpm start`: the supervisor's IPC channel closing (it ended, however) ends this process too
  if (process.send) process.on('disconnect', () => shutdown('the supervisor is gone'));
}

main().catch((e) => {
  log.fatal(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
