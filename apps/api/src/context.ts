import type { Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import { sessions, type Db, type User } from '@trellis/db';
import { ingestKeyOfToken, isIngestKeyToken, type IngestKeyCaller } from './lib/ingest-key';
import { hashToken } from './lib/secrets';
import { outboxMailer, type Mailer } from './lib/mailer';
import { localTestProcessor, type PaymentProvider } from './lib/payments';

export const SESSION_COOKIE = 'trellis_session';

/** How a procedure hands a session to the browser; tests leave it out. */
export interface SessionCookies {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface ContextInnerOptions {
  db: Db;
  /** The session token from the cookie or the bearer header, if any. */
  sessionToken?: string | null;
  /**
   * An ingest key (`trk_...`) sent as the bearer: a machine credential that authorizes nothing but spend.ingest of
   * its own root (no user, so every authed procedure refuses it).
   */
  ingestKey?: string | null;
  now?: () => Date;
  clientAddress?: string;
  mailer?: Mailer;
  /** Base URL put in links sent by mail. */
  publicUrl?: string;
  cookies?: SessionCookies;
  /** The payment provider (default: the built-in local test processor). */
  payments?: PaymentProvider;
}

export async function createContextInner(opts: ContextInnerOptions) {
  const now = opts.now ?? (() => new Date());
  const tokenHash = opts.sessionToken ? hashToken(opts.sessionToken) : null;
  const user: User | null = tokenHash ? ((await sessions.findSessionUser(opts.db, tokenHash, now())) ?? null) : null;
  const ingestKey: IngestKeyCaller | null = opts.ingestKey ? await ingestKeyOfToken(opts.db, opts.ingestKey) : null;
  return {
    db: opts.db,
    now,
    user,
    ingestKey,
    sessionTokenHash: user ? tokenHash : null,
    clientAddress: opts.clientAddress ?? 'local',
    mailer: opts.mailer ?? outboxMailer,
    publicUrl: opts.publicUrl ?? 'http://localhost:3000',
    cookies: opts.cookies ?? { set() {}, clear() {} },
    payments: opts.payments ?? localTestProcessor,
  };
}
export type Context = Awaited<ReturnType<typeof createContextInner>>;

export function sessionTokenOf(req: Request): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim() || null;
  const cookie = req.headers.cookie;
  return cookie ? (parseCookies(cookie)[SESSION_COOKIE] ?? null) : null;
}

/** An ingest key is taken only from the Authorization header, never from a cookie; it replaces any session. */
function bearerOrSession(req: Request): { sessionToken: string | null; ingestKey: string | null } {
  const token = sessionTokenOf(req);
  const fromHeader = req.headers.authorization?.startsWith('Bearer ') ?? false;
  if (token && fromHeader && isIngestKeyToken(token)) return { sessionToken: null, ingestKey: token };
  return { sessionToken: token, ingestKey: null };
}

export function cookiesFor(req: Request, res: Response): SessionCookies {
  const secure = req.secure;
  return {
    set: (token, expiresAt) =>
      res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt }),
    clear: () => res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' }),
  };
}

export function createContextFactory(deps: { db: Db; publicUrl: string; mailer?: Mailer; payments?: PaymentProvider }) {
  return ({ req, res }: { req: Request; res: Response }) =>
    createContextInner({
      db: deps.db,
      ...bearerOrSession(req),
      clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      publicUrl: deps.publicUrl,
      cookies: cookiesFor(req, res),
      ...(deps.mailer ? { mailer: deps.mailer } : {}),
      ...(deps.payments ? { payments: deps.payments } : {}),
    });
}
