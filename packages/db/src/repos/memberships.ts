import { randomUUID } from 'node:crypto';
import type { Role } from '@trellis/domain';
import type { Db, Trx } from '../connect';
import type { MembershipRow } from '../schema';

export interface Membership {
  id: string;
  rootId: string;
  accountId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}
export interface MemberListing extends Membership {
  email: string;
  name: string;
}

const toMembership = (r: MembershipRow): Membership => ({
  id: r.id,
  rootId: r.root_id,
  accountId: r.account_id,
  userId: r.user_id,
  role: r.role,
  createdAt: r.created_at,
});

/** A user's memberships as account id -> role: the facts authorization reads. */
export async function membershipsOfUser(db: Db | Trx, userId: string): Promise<Map<string, Role>> {
  const rows = await db.selectFrom('memberships').select(['account_id', 'role']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.account_id, r.role]));
}

export async function listMembers(
  db: Db,
  accountId: string,
  page: { limit: number; after?: string },
): Promise<MemberListing[]> {
  let q = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .selectAll('m')
    .select(['u.email', 'u.name'])
    .where('m.account_id', '=', accountId)
    .orderBy('u.email')
    .limit(page.limit);
  if (page.after !== undefined) q = q.where('u.email', '>', page.after);
  const rows = await q.execute();
  return rows.map((r) => ({ ...toMembership(r), email: r.email, name: r.name }));
}

export async function findMembership(db: Db | Trx, id: string): Promise<Membership | undefined> {
  const r = await db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toMembership(r);
}

export async function findMembershipOf(db: Db | Trx, accountId: string, userId: string): Promise<Membership | undefined> {
  const r = await db.selectFrom('memberships').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
  return r && toMembership(r);
}

export async function insertMembership(db: Db | Trx, m: { rootId: string; accountId: string; userId: string; role: Role }): Promise<Membership> {
  const r = await db
    .insertInto('memberships')
    .values({ id: randomUUID(), root_id: m.rootId, account_id: m.accountId, user_id: m.userId, role: m.role })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toMembership(r);
}

export async function setMembershipRole(trx: Trx, id: string, role: Role): Promise<Membership> {
  const r = await trx.updateTable('memberships').set({ role }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return toMembership(r);
}

export async function deleteMembership(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('memberships').where('id', '=', id).execute();
}

export async function countAdmins(db: Db | Trx, accountId: string): Promise<number> {
  const r = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_id', '=', accountId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A user's memberships with the name and kind of each account, by account name. */
export async function membershipsWithAccounts(db: Db | Trx, userId: string) {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select(['m.account_id', 'm.role', 'a.name', 'a.kind'])
    .where('m.user_id', '=', userId)
    .orderBy('a.name_key')
    .execute();
  return rows.map((r) => ({ accountId: r.account_id, accountName: r.name, accountKind: r.kind, role: r.role }));
}
