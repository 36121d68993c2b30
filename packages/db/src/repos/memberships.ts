import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
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
  /** For a team membership (SPEC 2.3): the team; its accountId is the team's agency. */
  teamId?: string | null;
  teamName?: string | null;
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
  const rows = await db
    .selectFrom('memberships')
    .select(['account_id', 'role'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [r.account_id, r.role]));
}

/**
 * Members holding a role on the account itself, and the members of its teams (an agency's, SPEC 3: a team membership
 * is listed with the agency's members), by email then id; `after` is the (email, id) of the last row of the page before.
 */
export async function listMembers(
  db: Db,
  accountId: string,
  page: { limit: number; after?: { email: string; id: string } },
): Promise<MemberListing[]> {
  const after = page.after ? sql`where (x.email, x.id) > (${page.after.email}, ${page.after.id}::uuid)` : sql``;
  const rows = await sql<
    MembershipRow & { email: string; name: string; team_id: string | null; team_name: string | null }
  >`
    select * from (
      select m.id, m.root_id, m.account_id, m.user_id, m.role, m.created_at, u.email, u.name, null::uuid as team_id, null::text as team_name
      from memberships m join users u on u.id = m.user_id where m.account_id = ${accountId}
      union all
      select tm.id, tm.root_id, t.agency_id, tm.user_id, tm.role, tm.created_at, u.email, u.name, t.id, t.name
      from team_memberships tm join teams t on t.id = tm.team_id join users u on u.id = tm.user_id where t.agency_id = ${accountId}
    ) x ${after}
    order by x.email, x.id
    limit ${page.limit}`.execute(db);
  return rows.rows.map((r) => ({
    ...toMembership(r),
    email: r.email,
    name: r.name,
    teamId: r.team_id,
    teamName: r.team_name,
  }));
}

export async function findMembership(db: Db | Trx, id: string): Promise<Membership | undefined> {
  const r = await db.selectFrom('memberships').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toMembership(r);
}

export async function findMembershipOf(
  db: Db | Trx,
  accountId: string,
  userId: string,
): Promise<Membership | undefined> {
  const r = await db
    .selectFrom('memberships')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r && toMembership(r);
}

export async function insertMembership(
  db: Db | Trx,
  m: { rootId: string; accountId: string; userId: string; role: Role },
): Promise<Membership> {
  const r = await db
    .insertInto('memberships')
    .values({ id: randomUUID(), root_id: m.rootId, account_id: m.accountId, user_id: m.userId, role: m.role })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toMembership(r);
}

export async function setMembershipRole(trx: Trx, id: string, role: Role): Promise<Membership> {
  const r = await trx
    .updateTable('memberships')
    .set({ role })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toMembership(r);
}

export async function deleteMembership(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('memberships').where('id', '=', id).execute();
}

/**
 * The members holding one of `roles` on the account itself (not through a team, nor on an account above it), each
 * email once, by email: the people a notice about that account is addressed to.
 */
export async function membersWithRole(
  db: Db | Trx,
  accountId: string,
  roles: readonly Role[],
): Promise<{ userId: string; email: string; name: string }[]> {
  if (roles.length === 0) return [];
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.email', 'u.name'])
    .where('m.account_id', '=', accountId)
    .where('m.role', 'in', roles)
    .orderBy('u.email')
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name }));
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
