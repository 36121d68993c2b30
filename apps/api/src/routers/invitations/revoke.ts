import { z } from 'zod';
import { assertRevocable, DomainError } from '@trellis/domain';
import { accounts, invitations } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMayOf, authedProcedure, loadVisibleAccountOf } from '../../trpc';
import { id, invitationOut, toInvitationOut } from '../shapes';

export const revokeInvitationRoute = authedProcedure
  .input(z.object({ invitationId: id }))
  .output(invitationOut.extend({ revokedAt: z.string() }))
  .mutation(async ({ ctx, input }) =>
    ctx.db.transaction().execute(async (trx) => {
      // its account first, then the row: a disconnect locks the client, then revokes what its agency placed there
      const peek = await invitations.findInvitation(trx, input.invitationId);
      if (!peek) throw new DomainError('NOT_FOUND', 'Invitation not found.');
      await accounts.lockAgainstMove(trx, [peek.accountId]);
      const invitation = (await invitations.lockInvitation(trx, input.invitationId))!;
      const { facts } = await loadVisibleAccountOf(
        { db: trx, actor: ctx.actor },
        invitation.accountId,
        'Invitation not found.',
      );
      assertMayOf(ctx.actor, facts, 'members.invite', 'Invitation not found.');
      const now = ctx.now();
      assertRevocable(invitation, now);
      const revoked = await invitations.markInvitationRevoked(trx, invitation.id, ctx.user.id, now);
      await recordAudit(trx, ctx, {
        rootId: invitation.rootId,
        accountId: invitation.accountId,
        action: 'invitation.revoke',
        entityType: 'invitation',
        entityId: invitation.id,
        before: toInvitationOut(invitation),
        after: { revokedAt: now.toISOString() },
      });
      return { ...toInvitationOut(revoked), revokedAt: now.toISOString() };
    }),
  );
