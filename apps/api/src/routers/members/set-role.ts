import { z } from 'zod';
import { assertKeepsAnAdmin } from '@trellis/domain';
import { memberships, teams, users } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { id, memberOut, role, toMemberOut } from '../shapes';
import { loadManagedMembership, lockForMemberChange } from './load';

export const setRoleRoute = authedProcedure
  .input(z.object({ membershipId: id, role }))
  .output(memberOut)
  .mutation(async ({ ctx, input }) => {
    const { membership } = await loadManagedMembership(ctx, input.membershipId);
    return ctx.db.transaction().execute(async (trx) => {
      const { fresh, rootAdminCount, onRoot } = await lockForMemberChange(trx, membership.rootId, membership.id);
      assertKeepsAnAdmin({ currentRole: fresh.role, nextRole: input.role, onRoot, rootAdminCount });
      if (fresh.teamId) await teams.setTeamMembershipRole(trx, fresh.id, input.role);
      else await memberships.setMembershipRole(trx, fresh.id, input.role);
      const user = (await users.findUserById(trx, fresh.userId))!;
      const out = toMemberOut({ ...fresh, role: input.role, email: user.email, name: user.name });
      await recordAudit(trx, ctx, {
        rootId: fresh.rootId,
        accountId: fresh.accountId,
        action: 'membership.setRole',
        entityType: fresh.teamId ? 'teamMembership' : 'membership',
        entityId: fresh.id,
        before: { role: fresh.role },
        after: { role: input.role },
      });
      return out;
    });
  });
