import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TRPCError } from '@trpc/server';

// scrypt with N=2^15: ~50-100 ms per hash on this kind of machine, salted per password.
const PARAMS: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEYLEN = 32;

/**
 * Password hashing is the one expensive thing an anonymous caller can ask for, so it runs through a bounded queue:
 * at most 2 hashes at once (libuv's pool stays free for everything else) and at most 64 waiting. A flood beyond that
 * is refused at once with TOO_MANY_REQUESTS instead of making every sign-in wait behind it.
 */
export const HASHING = { concurrency: 2, maxWaiting: 64 } as const;
let running = 0;
const waiting: (() => void)[] = [];
const stats = { hashed: 0, refused: 0 };
/** How many hashes were computed and refused since start (tests count evaluated passwords with it). */
export const hashingStats = (): Readonly<typeof stats> => ({ ...stats });

async function inHashingQueue<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASHING.concurrency) {
    if (waiting.length >= HASHING.maxWaiting) {
      stats.refused++;
      throw new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message: 'The server is busy checking passwords; try again in a moment.',
      });
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    stats.hashed++;
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const scryptAsync = (password: string, salt: Buffer, params: ScryptOptions) =>
  inHashingQueue(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, KEYLEN, params, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password, compared against when the email is unknown, so both paths take as long. */
let dummy: Promise<string> | undefined;
export const dummyPasswordHash = (): Promise<string> =>
  (dummy ??= hashPassword(randomBytes(16).toString('hex')).catch((e: unknown) => {
    dummy = undefined; // refused by a busy queue: try again next time rather than keep the refusal
    throw e;
  }));

/** A random bearer token (sessions, invitations) and the hash under which it is stored. */
export const newToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
