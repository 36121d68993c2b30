import { z } from 'zod';
import { DomainError, nameKey, validateAccountName } from '@trellis/domain';
import { teams } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, authedProcedure, loadVisibleAccount } from '../../trpc';
import { id } from '../shapes';
import { text } from '../inputs';

export const teamOut = z.object({ id: z.string(), agencyId: z.string(), name: z.string(), createdAt: z.string() });

/** An agency defines teams (SPEC 2.3). */
export const createTeamRoute = authedProcedure
  .input(z.object({ agencyId: id, name: text(120) }))
  .output(teamOut)
  .mutation(async ({ ctx, input }) => {
    const { account, facts } = await loadVisibleAccount(ctx, input.agencyId);
    assertMay(ctx.actor, facts, 'teams.manage');
    if (account.kind !== 'agency')
      throw new DomainError('INVALID_INPUT', 'Teams belong to an agency.', { agencyId: 'not an agency' });
    const name = validateAccountName(input.name);
    return ctx.db.transaction().execute(async (trx) => {
      if (await teams.teamNameTaken(trx, account.id, nameKey(name)))
        throw new DomainError('NAME_TAKEN', `${account.name} already has a team named "${name}".`, {
          name: 'already taken',
        });
      const team = await teams.insertTeam(trx, {
        rootId: account.rootId,
        agencyId: account.id,
        name,
        nameKey: nameKey(name),
      });
      const out = { id: team.id, agencyId: team.agencyId, name: team.name, createdAt: team.createdAt.toISOString() };
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'team.create',
        entityType: 'team',
        entityId: team.id,
        after: out,
      });
      return out;
    });
  });
