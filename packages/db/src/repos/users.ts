import { randomUUID } from 'node:crypto';
import type { Db, Trx } from '../connect';
import type { UserRow } from '../schema';

export interface User {
  id: string;
  email: string;
  name: string;
  platformOperator: boolean;
}
/** A user with the stored password hash: only the sign-in path ever loads this. */
export interface UserWithHash extends User {
  passwordHash: string;
}

const toUser = (r: UserRow): UserWithHash => ({
  id: r.id,
  email: r.email,
  name: r.name,
  platformOperator: r.platform_operator,
  passwordHash: r.password_hash,
});
const publicUser = ({ passwordHash: _h, ...u }: UserWithHash): User => u;

export async function findUserByEmail(db: Db | Trx, email: string): Promise<UserWithHash | undefined> {
  const r = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return r && toUser(r);
}

export async function findUserById(db: Db | Trx, id: string): Promise<User | undefined> {
  const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return r && publicUser(toUser(r));
}

export async function insertUser(
  db: Db | Trx,
  u: { email: string; name: string; passwordHash: string; platformOperator?: boolean },
): Promise<User> {
  const r = await db
    .insertInto('users')
    .values({
      id: randomUUID(),
      email: u.email,
      name: u.name,
      password_hash: u.passwordHash,
      platform_operator: u.platformOperator ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return publicUser(toUser(r));
}

export async function setPlatformOperator(db: Db | Trx, id: string): Promise<void> {
  await db.updateTable('users').set({ platform_operator: true }).where('id', '=', id).execute();
}
