import { z } from 'zod';
import { DomainError, invitationState } from '@trellis/domain';
import { accounts, invitations, teams, users } from '@trellis/db';
import { hashToken } from '../../lib/secrets';
import { publicProcedure } from '../../trpc';
import { iso, role } from '../shapes';

export const previewInvitationInput = z.object({ token: z.string().min(1).max(200) });

/**
 * What an invitation link is for, shown to whoever holds the link before they accept: the invited email, the account
 * (and team), who invited, and its state. The token is the secret; an unknown one is NOT_FOUND.
 */
export const previewInvitationRoute = publicProcedure
  .input(previewInvitationInput)
  .output(
    z.object({
      email: z.string(),
      role,
      accountId: z.string(),
      accountName: z.string(),
      accountKind: z.string(),
      // a standard client's members, whatever their role, only manage its users and see what its agency shares
      clientTier: z.enum(['standard', 'premium']).nullable(),
      teamName: z.string().nullable(),
      invitedBy: z.string().nullable(),
      expiresAt: iso,
      state: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    }),
  )
  .query(async ({ ctx, input }) => {
    const invitation = await invitations.findInvitationByTokenHash(ctx.db, hashToken(input.token));
    if (!invitation) throw new DomainError('NOT_FOUND', 'This invitation link is not valid.');
    const account = await accounts.findAccount(ctx.db, invitation.accountId);
    if (!account) throw new DomainError('NOT_FOUND', 'This invitation link is not valid.');
    const team = invitation.teamId ? await teams.findTeam(ctx.db, invitation.teamId) : undefined;
    const inviter = await users.findUserById(ctx.db, invitation.invitedBy);
    return {
      email: invitation.email,
      role: invitation.role,
      accountId: account.id,
      accountName: account.name,
      accountKind: account.kind,
      clientTier: account.clientTier,
      teamName: team?.name ?? null,
      invitedBy: inviter?.name ?? null,
      expiresAt: invitation.expiresAt.toISOString(),
      state: invitationState(invitation, ctx.now()).kind,
    };
  });
