import type { Request, RequestHandler, Response } from 'express';

/** Body limits of tRPC calls (issue 18): a caller gets a larger body only once it is known to need one. */
export const BODY_LIMITS = {
  /** a caller with no live session or ingest key: sign-in, password reset, accepting an invitation */
  anonymous: 64 * 1024,
  /** a live session */
  signedIn: 1024 * 1024,
  /** `spend.ingest` (10,000 records a call) by an ingest key or a session that may ingest into a root */
  ingest: 16 * 1024 * 1024,
} as const;

/** No JSON of the API nests deeper than a dozen levels; the parser's cost grows with nesting, so refuse it unread. */
export const MAX_BODY_DEPTH = 32;

/** The wire shape of a tRPC error, for refusals made before tRPC sees the request. */
export function trpcErrorBody(code: string, httpStatus: number, message: string) {
  return {
    error: {
      message,
      code: httpStatus === 413 ? -32600 : httpStatus >= 500 ? -32603 : -32600,
      data: { code, httpStatus, path: null, rule: null, fieldErrors: null },
    },
  };
}

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping as soon as it exceeds `limit` (one pass over the
 * bytes; brackets inside strings are skipped, escapes included).
 */
export function jsonDepthExceeds(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

class BodyRefused extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the body of a tRPC POST itself, before tRPC parses it, and hands it on as `req.body` (tRPC takes a string
 * there as the raw JSON). A body stops at `BODY_LIMITS.anonymous` until `limitFor` (asked once, only when a body
 * grows past that) grants more; one nested deeper than `MAX_BODY_DEPTH` is refused without parsing. A refused body
 * answers 413 or 400 in tRPC's error shape and the rest of it is not read.
 */
export function boundedJsonBody(limitFor: (req: Request, res: Response) => Promise<number>): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const refuse = (e: BodyRefused) => {
      res.setHeader('Connection', 'close');
      res
        .status(e.status)
        .json(trpcErrorBody(e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', e.status, e.message));
      // stop reading whatever the caller still sends
      req.unpipe();
      req.resume();
    };
    readBody(req, () => limitFor(req, res)).then(
      (body) => {
        if (jsonDepthExceeds(body, MAX_BODY_DEPTH))
          return refuse(new BodyRefused(400, `The request body nests deeper than ${MAX_BODY_DEPTH} levels.`));
        (req as Request & { body: string }).body = body.toString('utf8');
        next();
      },
      (e: unknown) => (e instanceof BodyRefused ? refuse(e) : next(e)),
    );
  };
}

function tooLarge(limit: number) {
  return new BodyRefused(
    413,
    limit === BODY_LIMITS.anonymous
      ? `The request body is larger than ${limit / 1024} KiB; sign in first.`
      : `The request body is larger than ${limit / (1024 * 1024)} MiB.`,
  );
}

function readBody(req: Request, limitFor: () => Promise<number>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let limit: number = BODY_LIMITS.anonymous;
    let asked = false;
    let pending = false;
    let ended = false;
    let done = false;
    let size = 0;
    const chunks: Buffer[] = [];
    const finish = (e?: unknown) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      if (e === undefined) resolve(Buffer.concat(chunks, size));
      else reject(e instanceof Error ? e : new Error('reading the request body failed', { cause: e }));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit || pending) return;
      if (asked) return finish(tooLarge(limit));
      // past the anonymous limit: ask once who the caller is, reading nothing more meanwhile
      asked = true;
      pending = true;
      req.pause();
      limitFor().then((granted) => {
        pending = false;
        limit = Math.max(limit, granted);
        if (size > limit) finish(tooLarge(limit));
        else if (ended) finish();
        else req.resume();
      }, finish);
    };
    const onEnd = () => {
      ended = true;
      if (!pending) finish();
    };
    // a declared length past even the largest limit is refused before a byte is read
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > BODY_LIMITS.ingest) return finish(tooLarge(BODY_LIMITS.ingest));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', finish);
    // the caller went away before the body ended
    req.on('close', () => {
      if (!ended) finish(new BodyRefused(400, 'The request body was cut short.'));
    });
  });
}
