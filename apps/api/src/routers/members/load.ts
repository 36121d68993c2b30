import { DomainError, keepsItsLastAdmin, type Actor, type Role } from '@trellis/domain';
import { accounts, memberships, teams, type Db, type Trx } from '@trellis/db';
import { assertMayOf, loadVisibleAccountOf } from '../../trpc';

/** A membership of an account, or of a team of an agency (then its accountId is the agency's). */
export interface ManagedMembership {
  id: string;
  rootId: string;
  accountId: string;
  userId: string;
  role: Role;
  createdAt: Date;
  teamId: string | null;
  teamName: string | null;
}

async function findAny(db: Db | Trx, id: string): Promise<ManagedMembership | undefined> {
  const m = await memberships.findMembership(db, id);
  if (m) return { ...m, teamId: null, teamName: null };
  return teams.findTeamMembership(db, id);
}

/**
 * A membership (of an account or of a team, SPEC 3: "re-roled and removed like any other") the actor may manage,
 * with its account; NOT_FOUND when it is missing or out of scope.
 */
export async function loadManagedMembership(ctx: { db: Db; actor: Actor }, membershipId: string) {
  const membership = await findAny(ctx.db, membershipId);
  if (!membership) throw new DomainError('NOT_FOUND', 'Membership not found.');
  const { account, facts } = await loadVisibleAccountOf(ctx, membership.accountId, 'Membership not found.');
  assertMayOf(ctx.actor, facts, 'members.manage', 'Membership not found.');
  return { membership, account };
}

/**
 * Locks the root account (serialising every change to its admins), re-reads the membership and counts the admins of
 * its account when that account keeps its last admin (a root, or a premium client: SPEC 3, 2.2).
 */
export async function lockForMemberChange(trx: Trx, rootId: string, membershipId: string) {
  await accounts.lockAccount(trx, rootId);
  const fresh = await findAny(trx, membershipId);
  if (!fresh) throw new DomainError('NOT_FOUND', 'Membership not found.');
  // a team membership is never on such an account (a team belongs to an agency), so the rule never binds it
  const account = fresh.teamId === null ? await accounts.findAccount(trx, fresh.accountId) : undefined;
  const onRoot = account !== undefined && keepsItsLastAdmin(account);
  const rootAdminCount = onRoot ? await memberships.countAdmins(trx, fresh.accountId) : 0;
  return { fresh, rootAdminCount, onRoot };
}
