import { z } from 'zod';
import { DomainError, INVITATION_TTL_MS, normalizeEmail } from '@trellis/domain';
import { invitations, memberships, teams, users } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { pageLink } from '../../lib/notices';
import { hashToken, newToken } from '../../lib/secrets';
import { assertMay, authedProcedure, loadVisibleAccount, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id, invitationOut, role, toInvitationOut } from '../shapes';
import { email } from '../inputs';

export const inviteInput = z
  .object({ accountId: id.optional(), teamId: id.optional(), email, role })
  .refine((i) => (i.accountId === undefined) !== (i.teamId === undefined), {
    message: 'name either accountId or teamId',
    path: ['accountId'],
  });

/**
 * Invites someone to an account, or to a team of an agency (then the membership covers that team's clients), with
 * a role. The invitation is single-use and expires after 7 days; inviting the
 * same email again replaces the pending invitation. The email goes to the outbox in the same transaction, and the
 * token comes back too so the inviter can hand the link over by hand (SPEC 10), unless a real mail transport
 * delivers it: then only the invitee's mailbox gets the link, and `token`/`link` are null (SPEC 12).
 */
export const inviteRoute = authedProcedure
  .input(inviteInput)
  .output(invitationOut.extend({ token: z.string().nullable(), link: z.string().nullable() }))
  .mutation(async ({ ctx, input }) => {
    const team = input.teamId ? await teams.findTeam(ctx.db, input.teamId) : undefined;
    if (input.teamId && !team) throw new DomainError('NOT_FOUND', 'Team not found.');
    const { account, facts } = team
      ? await loadVisibleAccountOf(ctx, team.agencyId, 'Team not found.')
      : await loadVisibleAccount(ctx, input.accountId!);
    assertMay(ctx.actor, facts, 'members.invite');
    const teamId = team?.id ?? null;
    const where = team ? `the team ${team.name} of ${account.name}` : account.name;
    const email = normalizeEmail(input.email);
    const now = ctx.now();
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account, team ? 'Team not found.' : undefined);
      const existing = await users.findUserByEmail(trx, email);
      if (
        existing &&
        (team
          ? await teams.teamMembershipOf(trx, team.id, existing.id)
          : await memberships.findMembershipOf(trx, account.id, existing.id))
      ) {
        throw new DomainError(
          'ALREADY_MEMBER',
          `${email} is already a member of ${team ? 'this team' : 'this account'}.`,
          { email: 'already a member' },
        );
      }
      for (const old of await invitations.listPendingInvitations(trx, account.id, now)) {
        if (old.email === email && old.teamId === teamId)
          await invitations.markInvitationRevoked(trx, old.id, ctx.user.id, now);
      }
      const token = newToken();
      const invitation = await invitations.insertInvitation(trx, {
        rootId: account.rootId,
        accountId: account.id,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedBy: ctx.user.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
        teamId,
      });
      const link = pageLink(ctx, `/invite/${token}`);
      await ctx.mailer.send(trx, {
        rootId: account.rootId,
        accountId: account.id,
        to: email,
        subject: `You are invited to ${where} on Trellis`,
        body: `${ctx.user.name} invited you to join ${where} as ${input.role}. The link works once, for 7 days.`,
        link,
        sentBy: ctx.user.id,
        invitationId: invitation.id,
      });
      const out = toInvitationOut(invitation);
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'invitation.create',
        entityType: 'invitation',
        entityId: invitation.id,
        after: out,
      });
      return ctx.mailer.delivers ? { ...out, token: null, link: null } : { ...out, token, link };
    });
  });
