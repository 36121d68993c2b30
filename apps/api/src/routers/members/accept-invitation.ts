import { z } from 'zod';
import { assertInvitationUsable, decideAcceptance, DomainError, SESSION_TTL_MS } from '@trellis/domain';
import { accounts, invitations, memberships, sessions, teams, users, type Trx, type User } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertStrongPassword } from '../../lib/password-strength';
import { hashPassword, hashToken, newToken } from '../../lib/secrets';
import { publicProcedure } from '../../trpc';
import { memberOut, userOut } from '../shapes';
import { password, text, token } from '../inputs';

export const acceptInvitationInput = z.object({
  token,
  /** Only for a new user (signed out, the invited email has no account yet). */
  name: text(120).optional(),
  password: password.optional(),
});

/**
 * Accepts an invitation (the four cases are `decideAcceptance`): a signed-in user whose email it names joins and
 * keeps their session (`token: null`); someone new gets a user, strength-checked password, and a session. No path
 * checks a password, so this is no password oracle. A token works once; a used, revoked or expired one is refused
 * and nothing changes.
 */
export const acceptInvitationRoute = publicProcedure
  .input(acceptInvitationInput)
  .output(z.object({ token: z.string().nullable(), user: userOut, membership: memberOut }))
  .mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const result = await ctx.db.transaction().execute(async (trx) => {
      // its account first, then the row: a disconnect locks the client, then revokes what its agency placed there
      const peek = await invitations.findInvitationByTokenHash(trx, hashToken(input.token));
      if (peek) await accounts.lockAgainstMove(trx, [peek.accountId]);
      const invitation = await invitations.lockInvitationByTokenHash(trx, hashToken(input.token));
      if (!invitation) throw new DomainError('NOT_FOUND', 'This invitation link is not valid.');
      assertInvitationUsable(invitation, now);
      const account = (await accounts.findAccount(trx, invitation.accountId))!;
      if (account.archivedAt)
        throw new DomainError('ACCOUNT_ARCHIVED', 'The account of this invitation has been archived.');
      const existing = await users.findUserByEmail(trx, invitation.email);
      const acceptance = decideAcceptance({
        invitedEmail: invitation.email,
        signedInEmail: ctx.user?.email ?? null,
        emailHasAccount: !!existing,
      });
      let user: User;
      if (acceptance.kind === 'signed-in-user') {
        user = ctx.user!;
      } else {
        const fields: Record<string, string> = {};
        if (!input.name) fields.name = 'must not be empty';
        if (!input.password) fields.password = 'choose a password';
        if (!input.name || !input.password)
          throw new DomainError('INVALID_INPUT', 'Choose your name and a password to join.', fields);
        assertStrongPassword(input.password, [invitation.email, input.name]);
        user = await users.insertUser(trx, {
          email: invitation.email,
          name: input.name,
          passwordHash: await hashPassword(input.password),
        });
      }
      if (
        invitation.teamId
          ? await teams.teamMembershipOf(trx, invitation.teamId, user.id)
          : await memberships.findMembershipOf(trx, account.id, user.id)
      ) {
        throw new DomainError('ALREADY_MEMBER', 'You are already a member there.');
      }
      const membership = invitation.teamId
        ? await teamMembership(trx, account.rootId, invitation.teamId, user.id, invitation.role)
        : await memberships.insertMembership(trx, {
            rootId: account.rootId,
            accountId: account.id,
            userId: user.id,
            role: invitation.role,
          });
      await invitations.markInvitationAccepted(trx, invitation.id, user.id, now);
      const out = { ...membership, createdAt: membership.createdAt.toISOString(), email: user.email, name: user.name };
      await recordAudit(
        trx,
        { user, now: ctx.now },
        {
          rootId: account.rootId,
          accountId: account.id,
          action: 'membership.create',
          entityType: 'membership',
          entityId: membership.id,
          after: { ...out, invitationId: invitation.id },
        },
      );
      if (acceptance.kind === 'signed-in-user') return { token: null, expiresAt: null, user, membership: out };
      const token = newToken();
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
      await sessions.insertSession(trx, { tokenHash: hashToken(token), userId: user.id, expiresAt });
      return { token, expiresAt, user, membership: out };
    });
    if (result.token && result.expiresAt) ctx.cookies.set(result.token, result.expiresAt);
    return { token: result.token, user: result.user, membership: result.membership };
  });

/** A team membership, shaped like an account membership of the team's agency for the response. */
async function teamMembership(
  trx: Trx,
  rootId: string,
  teamId: string,
  userId: string,
  role: 'admin' | 'operator' | 'analyst',
) {
  const team = (await teams.findTeam(trx, teamId))!;
  const m = await teams.insertTeamMembership(trx, { rootId, teamId, userId, role });
  return { id: m.id, rootId, accountId: team.agencyId, userId, role: m.role, createdAt: m.created_at };
}
