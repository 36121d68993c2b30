import type { Db, Trx } from '../connect';
import type { User } from './users';

export async function insertSession(
  db: Db | Trx,
  s: { tokenHash: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ token_hash: s.tokenHash, user_id: s.userId, expires_at: s.expiresAt })
    .execute();
}

/** The user of a live session, or undefined when the token is unknown or expired. */
export async function findSessionUser(db: Db, tokenHash: string, now: Date): Promise<User | undefined> {
  const r = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.email', 'u.name', 'u.platform_operator'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
  return r && { id: r.id, email: r.email, name: r.name, platformOperator: r.platform_operator };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}
