import { randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import type { Role } from '@trellis/domain';
import type { Db, Trx } from '../connect';
import type { InvitationRow } from '../schema';

export interface Invitation {
  id: string;
  rootId: string;
  accountId: string;
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  /** Set for an invitation to a team of the account (an agency). */
  teamId: string | null;
}

const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  rootId: r.root_id,
  accountId: r.account_id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
  teamId: r.team_id,
});

export async function insertInvitation(
  db: Db | Trx,
  i: {
    rootId: string;
    accountId: string;
    email: string;
    role: Role;
    tokenHash: string;
    invitedBy: string;
    createdAt: Date;
    expiresAt: Date;
    teamId?: string | null;
  },
): Promise<Invitation> {
  const r = await db
    .insertInto('invitations')
    .values({
      id: randomUUID(),
      root_id: i.rootId,
      account_id: i.accountId,
      email: i.email,
      role: i.role,
      token_hash: i.tokenHash,
      invited_by: i.invitedBy,
      created_at: i.createdAt,
      expires_at: i.expiresAt,
      team_id: i.teamId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInvitation(r);
}

/** Finds an invitation by its token hash and locks it, so two acceptances of one token cannot both succeed. */
export async function lockInvitationByTokenHash(trx: Trx, tokenHash: string): Promise<Invitation | undefined> {
  const r = await trx
    .selectFrom('invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
  return r && toInvitation(r);
}

/** An invitation by id, without locking. */
export async function findInvitation(db: Db | Trx, id: string): Promise<Invitation | undefined> {
  const r = await db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toInvitation(r);
}

export async function lockInvitation(trx: Trx, id: string): Promise<Invitation | undefined> {
  const r = await trx.selectFrom('invitations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return r && toInvitation(r);
}

export async function markInvitationAccepted(trx: Trx, id: string, userId: string, at: Date): Promise<void> {
  await trx.updateTable('invitations').set({ accepted_at: at, accepted_by: userId }).where('id', '=', id).execute();
}

export async function markInvitationRevoked(trx: Trx, id: string, userId: string, at: Date): Promise<Invitation> {
  const r = await trx
    .updateTable('invitations')
    .set({ revoked_at: at, revoked_by: userId })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInvitation(r);
}

/** Invitations of an account that are neither used nor revoked nor expired. */
export async function listPendingInvitations(db: Db, accountId: string, now: Date): Promise<Invitation[]> {
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(toInvitation);
}

/**
 * The pending invitations to an account sent by anyone who is neither a member of that account itself nor a platform
 * operator (its agency's or holding's members): the one condition that both the disconnect preview lists and the
 * disconnect revokes by.
 */
const placedFromAbove = (accountId: string, at: Date) => sql<SqlBool>`
  i.account_id = ${accountId}::uuid and i.accepted_at is null and i.revoked_at is null
  and i.expires_at > ${at}::timestamptz
  and not exists (select 1 from memberships m where m.user_id = i.invited_by and m.account_id = ${accountId}::uuid)
  and not exists (select 1 from users u where u.id = i.invited_by and u.platform_operator)`;

/** The invitations `revokePlacedFromAbove` would revoke at `at`, by email. */
export async function pendingPlacedFromAbove(db: Db | Trx, accountId: string, at: Date): Promise<Invitation[]> {
  const rows = await db
    .selectFrom('invitations as i')
    .selectAll('i')
    .where(placedFromAbove(accountId, at))
    .orderBy('i.email')
    .orderBy('i.id')
    .execute();
  return rows.map(toInvitation);
}

/**
 * Revokes the pending invitations to an account sent by anyone who is neither a member of that account itself nor a
 * platform operator: what an agency placed on a client does not survive a disconnect (SPEC 2.2). Returns their ids.
 */
export async function revokePlacedFromAbove(trx: Trx, accountId: string, by: string, at: Date): Promise<string[]> {
  const rows = await trx
    .updateTable('invitations as i')
    .set({ revoked_at: at, revoked_by: by })
    .where(placedFromAbove(accountId, at))
    .returning('i.id')
    .execute();
  return rows.map((r) => r.id);
}

/** An invitation by its token hash, without locking (for showing it before acceptance). */
export async function findInvitationByTokenHash(db: Db | Trx, tokenHash: string): Promise<Invitation | undefined> {
  const r = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return r && toInvitation(r);
}
