import { existsSync } from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express } from 'express';
import type { Db } from '@trellis/db';
import { createContextFactory } from './context';
import type { Mailer } from './lib/mailer';
import type { PaymentProvider } from './lib/payments';
import { appRouter } from './root';

export interface AppOptions {
  db: Db;
  publicUrl: string;
  /** The built web app to serve; omitted or missing: api only. */
  webDist?: string;
  mailer?: Mailer;
  /** The payment provider (default: the built-in local test processor). */
  payments?: PaymentProvider;
  log?: (line: string) => void;
}

export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: createContextFactory({ db: opts.db, publicUrl: opts.publicUrl, ...(opts.mailer ? { mailer: opts.mailer } : {}), ...(opts.payments ? { payments: opts.payments } : {}) }),
      maxBodySize: 1024 * 1024,
      onError: ({ error, path: p }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') (opts.log ?? console.error)(`[api] ${p ?? '?'}: ${error.cause?.stack ?? error.message}`);
      },
    }),
  );
  const dist = opts.webDist;
  if (dist && existsSync(path.join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h' }));
    // The client routes (/accounts/…, /invite/…) all load the single page.
    app.get(/^\/(?!trpc\/|healthz).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(dist, 'index.html'));
    });
  }
  return app;
}
