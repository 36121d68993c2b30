import { DomainError, type Actor } from '@trellis/domain';
import { accounts, memberships, type Db, type Trx } from '@trellis/db';
import { assertMay, loadVisibleAccountOf } from '../../trpc';

/** A membership the actor may manage, with its account; NOT_FOUND when it is missing or out of scope. */
export async function loadManagedMembership(ctx: { db: Db; actor: Actor }, membershipId: string) {
  const membership = await memberships.findMembership(ctx.db, membershipId);
  if (!membership) throw new DomainError('NOT_FOUND', 'Membership not found.');
  const { account, facts } = await loadVisibleAccountOf(ctx, membership.accountId, 'Membership not found.');
  assertMay(ctx.actor, facts, 'members.manage');
  return { membership, account };
}

/** Locks the root account (serialising every change to its admins) and re-reads the membership. */
export async function lockForMemberChange(trx: Trx, rootId: string, membershipId: string) {
  await accounts.lockAccount(trx, rootId);
  const fresh = await memberships.findMembership(trx, membershipId);
  if (!fresh) throw new DomainError('NOT_FOUND', 'Membership not found.');
  const rootAdminCount = await memberships.countAdmins(trx, rootId);
  return { fresh, rootAdminCount, onRoot: fresh.accountId === rootId };
}
