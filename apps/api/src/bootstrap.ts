import { sql } from 'kysely';
import { normalizeEmail } from '@trellis/domain';
import { users, type Db } from '@trellis/db';
import { assertStrongPassword } from './lib/password-strength';
import { hashPassword } from './lib/secrets';

/**
 * The first platform operator, from TRELLIS_ADMIN_EMAIL / TRELLIS_ADMIN_PASSWORD, created if missing (SPEC 1). The
 * password must pass the same strength rule as any other (a weak one stops the start with the reason).
 */
export async function ensurePlatformOperator(db: Db, email: string, password: string): Promise<'created' | 'exists'> {
  const normalized = normalizeEmail(email);
  const existing = await users.findUserByEmail(db, normalized);
  if (existing) {
    if (!existing.platformOperator) await users.setPlatformOperator(db, existing.id);
    return 'exists';
  }
  try {
    assertStrongPassword(password, [normalized]);
  } catch (e) {
    throw new Error(`TRELLIS_ADMIN_PASSWORD is refused: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await users.insertUser(db, {
    email: normalized,
    name: 'Platform operator',
    passwordHash: await hashPassword(password),
    platformOperator: true,
  });
  return 'created';
}

/** Runs `work` while holding a database-wide advisory lock, so several api processes starting at once seed once. */
export async function withStartupLock<T>(db: Db, work: () => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(7242001)`.execute(conn);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(7242001)`.execute(conn);
    }
  });
}
