import { z } from 'zod';
import { DomainError, INVITATION_TTL_MS, normalizeEmail } from '@trellis/domain';
import { invitations, memberships, users } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { hashToken, newToken } from '../../lib/secrets';
import { accountProcedure } from '../../trpc';
import { invitationOut, role, toInvitationOut } from '../shapes';

export const inviteInput = z.object({ email: z.email({ message: 'must be an email address' }).max(254), role });

/**
 * Invites someone to an account with a role. The invitation is single-use and expires after 7 days; inviting the
 * same email again replaces the pending invitation. The email goes to the outbox in the same transaction, and the
 * token comes back too so the inviter can hand the link over by hand (SPEC 10).
 */
export const inviteRoute = accountProcedure(inviteInput.shape)
  .output(invitationOut.extend({ token: z.string(), link: z.string() }))
  .mutation(async ({ ctx, input }) => {
    ctx.may('members.invite');
    const email = normalizeEmail(input.email);
    const now = ctx.now();
    return ctx.db.transaction().execute(async (trx) => {
      const existing = await users.findUserByEmail(trx, email);
      if (existing && (await memberships.findMembershipOf(trx, ctx.account.id, existing.id))) {
        throw new DomainError('ALREADY_MEMBER', `${email} is already a member of this account.`, { email: 'already a member' });
      }
      for (const old of await invitations.listPendingInvitations(trx, ctx.account.id, now)) {
        if (old.email === email) await invitations.markInvitationRevoked(trx, old.id, ctx.user.id, now);
      }
      const token = newToken();
      const invitation = await invitations.insertInvitation(trx, {
        rootId: ctx.account.rootId,
        accountId: ctx.account.id,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedBy: ctx.user.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      });
      const link = `${ctx.publicUrl.replace(/\/$/, '')}/invite/${token}`;
      await ctx.mailer.send(trx, {
        rootId: ctx.account.rootId,
        accountId: ctx.account.id,
        to: email,
        subject: `You are invited to ${ctx.account.name} on Trellis`,
        body: `${ctx.user.name} invited you to join ${ctx.account.name} as ${input.role}. The link works once, for 7 days.`,
        link,
      });
      const out = toInvitationOut(invitation);
      await recordAudit(trx, ctx, { rootId: ctx.account.rootId, accountId: ctx.account.id, action: 'invitation.create', entityType: 'invitation', entityId: invitation.id, after: out });
      return { ...out, token, link };
    });
  });

