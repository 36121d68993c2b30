import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { accounts, teams } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, authedProcedure, loadVisibleAccount, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id } from '../shapes';

/** Puts a client of the agency in one team (or none, with teamId null): each client is in at most one team (SPEC 2.3). */
export const assignClientRoute = authedProcedure
  .input(z.object({ teamId: id.nullable(), clientId: id }))
  .output(z.object({ clientId: z.string(), teamId: z.string().nullable() }))
  .mutation(async ({ ctx, input }) => {
    const { account: client } = await loadVisibleAccount(ctx, input.clientId);
    if (client.kind !== 'client' || client.parentId === null)
      throw new DomainError('INVALID_INPUT', 'Only a client of an agency joins a team.', {
        clientId: 'not a client of an agency',
      });
    const agencyId = client.parentId;
    if (input.teamId !== null) {
      const team = await teams.findTeam(ctx.db, input.teamId);
      if (!team) throw new DomainError('NOT_FOUND', 'Team not found.');
      await loadVisibleAccountOf(ctx, team.agencyId, 'Team not found.');
      if (team.agencyId !== agencyId)
        throw new DomainError('INVALID_INPUT', 'A client joins a team of its own agency.', {
          teamId: "not this client's agency",
        });
    }
    const agency = (await accounts.findAccount(ctx.db, agencyId))!;
    assertMay(ctx.actor, accounts.toFacts(agency), 'teams.manage');
    return ctx.db.transaction().execute(async (trx) => {
      // a disconnect or transfer moved it meanwhile: its agency (and this team) no longer applies
      await pinAccount(trx, ctx, client);
      await accounts.setTeam(trx, client.id, input.teamId);
      await recordAudit(trx, ctx, {
        rootId: client.rootId,
        accountId: client.id,
        action: 'team.assignClient',
        entityType: 'account',
        entityId: client.id,
        before: { teamId: client.teamId },
        after: { teamId: input.teamId },
      });
      return { clientId: client.id, teamId: input.teamId };
    });
  });
