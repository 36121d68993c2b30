import { createDb, migrateToLatest } from '@trellis/db';
import { createApp, parseTrustProxy } from './app';
import { outboxMailer, smtpMailer } from './lib/mailer';
import { ensurePlatformOperator, withStartupLock } from './bootstrap';
import { seedDemo } from './demo';
import { defaultWebDist, readEnv } from './env';

/** The api process: migrates, creates the first operator and the demo data, then serves /trpc, /healthz and the web app. */
async function main() {
  const env = readEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set (use `pnpm start` to run on the embedded database).');
  const db = createDb(env.DATABASE_URL, { applicationName: 'trellis-api' });
  await withStartupLock(db, async () => {
    const applied = await migrateToLatest(db);
    if (applied.length) console.log(`[api] migrated: ${applied.join(', ')}`);
    if (env.TRELLIS_ADMIN_EMAIL && env.TRELLIS_ADMIN_PASSWORD) {
      const r = await ensurePlatformOperator(db, env.TRELLIS_ADMIN_EMAIL, env.TRELLIS_ADMIN_PASSWORD);
      console.log(`[api] platform operator ${env.TRELLIS_ADMIN_EMAIL}: ${r}`);
    }
    if (env.TRELLIS_DEMO === '1') {
      const { created } = await seedDemo(db);
      console.log(created ? '[api] demo data created' : '[api] demo data present');
    }
  });
  const publicUrl = env.TRELLIS_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const trustProxy = parseTrustProxy(env.TRELLIS_TRUST_PROXY);
  const mailer = env.TRELLIS_SMTP_URL ? smtpMailer(env.TRELLIS_SMTP_URL, env.TRELLIS_MAIL_FROM) : outboxMailer;
  if (env.TRELLIS_SMTP_URL) console.log(`[api] mail is sent through ${new URL(env.TRELLIS_SMTP_URL).host}`);
  const app = createApp({ db, publicUrl, webDist: env.TRELLIS_WEB_DIST ?? defaultWebDist(), mailer, ...(trustProxy !== undefined ? { trustProxy } : {}) });
  const server = app.listen(env.PORT, '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : env.PORT;
    console.log(`[api] listening on http://127.0.0.1:${port}`);
  });
  const shutdown = () => {
    console.log('[api] stopping');
    server.close(() => void db.destroy().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e) => {
  console.error('[api] failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
