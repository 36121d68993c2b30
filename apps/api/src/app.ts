import { existsSync } from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { TRPCError } from '@trpc/server';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import { isDatabaseUnavailable, type Db } from '@trellis/db';
import { createContextFactory } from './context';
import type { Mailer } from './lib/mailer';
import { reportCsvHandler } from './exports';
import { BODY_LIMITS, boundedJsonBody, trpcErrorBody } from './lib/body';
import { DATABASE_UNAVAILABLE } from './trpc';
import { mayIngestSomewhere } from './routers/spend/ingest';
import { createLogger, type Logger } from './lib/log';
import {
  createMetrics,
  metricsHandler,
  noteError,
  noteUser,
  observeRequests,
  readyzHandler,
  type Metrics,
} from './lib/observe';
import type { PaymentProvider } from './lib/payments';
import { appRouter } from './root';

/** At most this many calls in one batched request; a larger batch is refused whole before any call runs (SPEC 12). */
export const MAX_BATCH_SIZE = 50;

export interface AppOptions {
  db: Db;
  /** A small pool of its own for /readyz (default: `db`), so a full pool never delays the readiness probe. */
  probeDb?: Db;
  /** An export making no progress for this long is ended (default EXPORT_STALL_MS). */
  exportStallMs?: number;
  publicUrl: string;
  /** The built web app to serve; omitted or missing: api only. */
  webDist?: string;
  mailer?: Mailer;
  /**
   * Express's `trust proxy` (TRELLIS_TRUST_PROXY): which proxy's X-Forwarded-For / -Proto to believe for the client
   * address and for HTTPS. Omitted: none, the socket's peer is the client.
   */
  trustProxy?: string | number;
  /** The payment provider (default: the built-in local test processor). */
  payments?: PaymentProvider;
  log?: (line: string) => void;
  /** The structured logger (default: warnings and errors only, e.g. in tests). */
  logger?: Logger;
  /** The Prometheus metrics (default: a registry of this app's own). */
  metrics?: Metrics;
  /** `TRELLIS_METRICS_TOKEN`: /metrics for bearers of it; unset: for direct callers on this machine only. */
  metricsToken?: string;
}

/** `TRELLIS_TRUST_PROXY` as express takes it: a hop count, or addresses, subnets and names (`loopback`, ...). */
export function parseTrustProxy(value: string | undefined): string | number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim();
}

/**
 * A cross-site HTML form can send a cookie but only urlencoded, multipart or text/plain bodies: mutations must be
 * JSON (which a browser sends cross-site only after a CORS preflight we never grant) or carry the bearer token.
 */
const mutationsNeedJsonOrBearer: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^Bearer\s+\S/i.test(req.headers.authorization ?? '')) return next();
  res.status(415).json({
    error: {
      message: 'Send mutations as application/json (or with an Authorization: Bearer token).',
      code: -32600,
      data: { code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415, path: null, rule: null, fieldErrors: null },
    },
  });
};

/** Headers for everything served: a CSP the built web app satisfies (no inline scripts), no framing, no referrer. */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      // Style attributes set by React components (positions, chart colours) need 'unsafe-inline'; scripts never do.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
});

export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  // issue 12: a request id, one log line and the metrics for every request
  const logger = opts.logger ?? createLogger('api', { level: 'warn' });
  const metrics = opts.metrics ?? createMetrics({ db: opts.db });
  app.use(observeRequests({ logger, metrics, procedures: new Set(Object.keys(appRouter._def.procedures)) }));
  app.use(securityHeaders);
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', readyzHandler(opts.probeDb ?? opts.db, logger));
  app.get(
    '/metrics',
    metricsHandler({ metrics, token: opts.metricsToken, behindProxy: opts.trustProxy !== undefined }),
  );
  // SPEC 10: the CSV export of a report, beside the API and authenticated like it
  app.get(
    '/exports/report.csv',
    reportCsvHandler({
      db: opts.db,
      log: opts.log ?? ((l) => logger.error(l)),
      ...(opts.exportStallMs !== undefined ? { stallMs: opts.exportStallMs } : {}),
    }),
  );
  app.use('/trpc', mutationsNeedJsonOrBearer);
  const contextOf = createContextFactory({
    db: opts.db,
    publicUrl: opts.publicUrl,
    ...(opts.mailer ? { mailer: opts.mailer } : {}),
    ...(opts.payments ? { payments: opts.payments } : {}),
  });
  app.use(
    '/trpc',
    boundedJsonBody(async (req, res) => {
      const c = await contextOf({ req, res });
      if (req.path === '/spend.ingest' && (c.ingestKey || (c.user && (await mayIngestSomewhere(opts.db, c.user)))))
        return BODY_LIMITS.ingest;
      return c.user ? BODY_LIMITS.signedIn : BODY_LIMITS.anonymous;
    }),
  );
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: withUserNoted(databaseUnavailableAs503(contextOf)),
      // the body was read and bounded above (boundedJsonBody); tRPC parses the string it left
      maxBodySize: BODY_LIMITS.ingest,
      maxBatchSize: MAX_BATCH_SIZE,
      onError: ({ error, path: p, req }) => {
        noteError(req, p, error.code);
        if (error.code === 'INTERNAL_SERVER_ERROR')
          (opts.log ?? ((l: string) => logger.error(l)))(`[api] ${p ?? '?'}: ${error.cause?.stack ?? error.message}`);
      },
    }),
  );
  // Source maps are never served, even if a build left some beside the app.
  app.use((req, res, next) => (/\.map$/i.test(req.path) ? void res.status(404).end() : next()));
  const dist = opts.webDist;
  if (dist && existsSync(path.join(dist, 'index.html'))) {
    app.use(express.static(dist, { index: false, maxAge: '1h' }));
    // The client routes (/accounts/…, /invite/…) all load the single page.
    app.get(/^\/(?!trpc\/|healthz|readyz|metrics|exports\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(dist, 'index.html'));
    });
  }
  // Whatever fails outside tRPC's own handling answers JSON in tRPC's error shape, never Express's HTML page or a stack
  // (whatever NODE_ENV is): 503 when the database is unavailable, 500 otherwise.
  app.use(((err, req, res, next) => {
    if (res.headersSent) return next(err);
    const unavailable = isDatabaseUnavailable(err);
    if (!unavailable)
      (opts.log ?? ((l: string) => logger.error(l)))(`[api] ${req.path}: ${(err as Error).stack ?? String(err)}`);
    if (unavailable) res.setHeader('Retry-After', '5');
    res
      .status(unavailable ? 503 : 500)
      .json(
        unavailable
          ? trpcErrorBody('SERVICE_UNAVAILABLE', 503, DATABASE_UNAVAILABLE)
          : trpcErrorBody('INTERNAL_SERVER_ERROR', 500, 'Something went wrong on our side; nothing was changed.'),
      );
  }) as ErrorRequestHandler);
  return app;
}

/** A context factory whose database failing (down, restarting, too slow) reads as tRPC's SERVICE_UNAVAILABLE. */
function databaseUnavailableAs503<O, C>(factory: (o: O) => Promise<C>) {
  return async (o: O) => {
    try {
      return await factory(o);
    } catch (e) {
      if (isDatabaseUnavailable(e))
        throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE, cause: e });
      throw e;
    }
  };
}

/** The tRPC context factory, noting the caller's user id for the request's log line. */
function withUserNoted<O extends { req: Request }, C extends { user: { id: string } | null }>(
  factory: (o: O) => Promise<C>,
) {
  return async (o: O) => {
    const ctx = await factory(o);
    noteUser(o.req, ctx.user?.id ?? null);
    return ctx;
  };
}
