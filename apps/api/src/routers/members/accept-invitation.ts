import { z } from 'zod';
import { assertInvitationUsable, DomainError, SESSION_TTL_MS, validatePassword } from '@trellis/domain';
import { accounts, invitations, memberships, sessions, teams, users, type Trx } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { hashPassword, hashToken, newToken, verifyPassword } from '../../lib/secrets';
import { publicProcedure } from '../../trpc';
import { memberOut, userOut } from '../shapes';
import { password, text, token } from '../inputs';

export const acceptInvitationInput = z.object({
  token,
  name: text(120),
  password,
});

/**
 * Accepts an invitation: creates the user (or, for an existing user, checks their password), grants the membership
 * and signs them in. A token works once; a used, revoked or expired one is refused and nothing changes.
 */
export const acceptInvitationRoute = publicProcedure
  .input(acceptInvitationInput)
  .output(z.object({ token: z.string(), user: userOut, membership: memberOut }))
  .mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const result = await ctx.db.transaction().execute(async (trx) => {
      const invitation = await invitations.lockInvitationByTokenHash(trx, hashToken(input.token));
      if (!invitation) throw new DomainError('NOT_FOUND', 'This invitation link is not valid.');
      assertInvitationUsable(invitation, now);
      const account = (await accounts.findAccount(trx, invitation.accountId))!;
      if (account.archivedAt) throw new DomainError('ACCOUNT_ARCHIVED', 'The account of this invitation has been archived.');
      let user = await users.findUserByEmail(trx, invitation.email);
      if (user) {
        if (!(await verifyPassword(input.password, user.passwordHash))) {
          throw new DomainError('INVALID_CREDENTIALS', `${invitation.email} already has a Trellis account: enter its password to accept.`, { password: 'does not match your existing account' });
        }
      } else {
        validatePassword(input.password);
        const created = await users.insertUser(trx, { email: invitation.email, name: input.name, passwordHash: await hashPassword(input.password) });
        user = { ...created, passwordHash: '' };
      }
      if (invitation.teamId ? await teams.teamMembershipOf(trx, invitation.teamId, user.id) : await memberships.findMembershipOf(trx, account.id, user.id)) {
        throw new DomainError('ALREADY_MEMBER', 'You are already a member there.');
      }
      const membership = invitation.teamId
        ? await teamMembership(trx, account.rootId, invitation.teamId, user.id, invitation.role)
        : await memberships.insertMembership(trx, { rootId: account.rootId, accountId: account.id, userId: user.id, role: invitation.role });
      await invitations.markInvitationAccepted(trx, invitation.id, user.id, now);
      const out = { ...membership, createdAt: membership.createdAt.toISOString(), email: user.email, name: user.name };
      await recordAudit(trx, { user, now: ctx.now }, { rootId: account.rootId, accountId: account.id, action: 'membership.create', entityType: 'membership', entityId: membership.id, after: { ...out, invitationId: invitation.id } });
      const token = newToken();
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
      await sessions.insertSession(trx, { tokenHash: hashToken(token), userId: user.id, expiresAt });
      const { passwordHash: _h, ...publicUser } = user;
      return { token, expiresAt, user: publicUser, membership: out };
    });
    ctx.cookies.set(result.token, result.expiresAt);
    return { token: result.token, user: result.user, membership: result.membership };
  });

/** A team membership, shaped like an account membership of the team's agency for the response. */
async function teamMembership(trx: Trx, rootId: string, teamId: string, userId: string, role: 'admin' | 'operator' | 'analyst') {
  const team = (await teams.findTeam(trx, teamId))!;
  const m = await teams.insertTeamMembership(trx, { rootId, teamId, userId, role });
  return { id: m.id, rootId, accountId: team.agencyId, userId, role: m.role, createdAt: m.created_at };
}
