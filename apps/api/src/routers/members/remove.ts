import { z } from 'zod';
import { assertKeepsAnAdmin } from '@trellis/domain';
import { memberships, teams, users } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { id } from '../shapes';
import { loadManagedMembership, lockForMemberChange } from './load';

export const removeMemberRoute = authedProcedure
  .input(z.object({ membershipId: id }))
  .output(z.object({ id: z.string(), removed: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const { membership } = await loadManagedMembership(ctx, input.membershipId);
    return ctx.db.transaction().execute(async (trx) => {
      const { fresh, rootAdminCount, onRoot } = await lockForMemberChange(trx, membership.rootId, membership.id);
      assertKeepsAnAdmin({ currentRole: fresh.role, nextRole: null, onRoot, rootAdminCount });
      const user = await users.findUserById(trx, fresh.userId);
      if (fresh.teamId) await teams.deleteTeamMembership(trx, fresh.id);
      else await memberships.deleteMembership(trx, fresh.id);
      const team = fresh.teamId ? { teamId: fresh.teamId, teamName: fresh.teamName } : {};
      await recordAudit(trx, ctx, {
        rootId: fresh.rootId,
        accountId: fresh.accountId,
        action: 'membership.remove',
        entityType: fresh.teamId ? 'teamMembership' : 'membership',
        entityId: fresh.id,
        before: { userId: fresh.userId, email: user?.email, role: fresh.role, ...team },
      });
      return { id: fresh.id, removed: true as const };
    });
  });
