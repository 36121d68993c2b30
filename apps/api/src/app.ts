import { existsSync } from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express } from 'express';
import type { Db } from '@trellis/db';
import { createContextFactory } from './context';
import type { Mailer } from './lib/mailer';
import { reportCsvHandler } from './exports';
import { appRouter } from './root';

export interface AppOptions {
  db: Db;
  publicUrl: string;
  /** The built web app to serve; omitted or missing: api only. */
  webDist?: string;
  mailer?: Mailer;
  log?: (line: string) => void;
}

export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  // SPEC 10: the CSV export of a report, beside the API and authenticated like it
  app.get('/exports/report.csv', reportCsvHandler({ db: opts.db, ...(opts.log ? { log: opts.log } : {}) }));
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: createContextFactory({ db: opts.db, publicUrl: opts.publicUrl, ...(opts.mailer ? { mailer: opts.mailer } : {}) }),
      // spend.ingest takes up to 10,000 records a call (a few MB of JSON)
      maxBodySize: 16 * 1024 * 1024,
      onError: ({ error, path: p }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') (opts.log ?? console.error)(`[api] ${p ?? '?'}: ${error.cause?.stack ?? error.message}`);
      },
    }),
  );
  const dist = opts.webDist;
  if (dist && existsSync(path.join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h' }));
    // The client routes (/accounts/…, /invite/…) all load the single page.
    app.get(/^\/(?!trpc\/|healthz|exports\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(dist, 'index.html'));
    });
  }
  return app;
}
