import { DomainError, type Actor, type Role } from '@trellis/domain';
import { accounts, memberships, teams, type Db, type Trx } from '@trellis/db';
import { assertMay, loadVisibleAccountOf } from '../../trpc';

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
  assertMay(ctx.actor, facts, 'members.manage');
  return { membership, account };
}

/** Locks the root account (serialising every change to its admins) and re-reads the membership. */
export async function lockForMemberChange(trx: Trx, rootId: string, membershipId: string) {
  await accounts.lockAccount(trx, rootId);
  const fresh = await findAny(trx, membershipId);
  if (!fresh) throw new DomainError('NOT_FOUND', 'Membership not found.');
  const rootAdminCount = await memberships.countAdmins(trx, rootId);
  // a team membership is never on a root account (a team belongs to an agency), so the last-admin rule never binds it
  return { fresh, rootAdminCount, onRoot: fresh.teamId === null && fresh.accountId === rootId };
}
