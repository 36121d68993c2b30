import { z } from 'zod';
import { assertPlatformOperator, DomainError } from '@trellis/domain';
import { accounts, connections, spendDaily } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { connectionStart, detachClient } from '../../lib/detach';
import { authedProcedure, loadVisibleAccount } from '../../trpc';
import { accountOut, id, toAccountOut } from '../shapes';

/** A platform operator moves a client to another agency: a disconnect followed by a connect, in one transaction. */
export const transferRoute = authedProcedure
  .input(z.object({ accountId: id, agencyId: id }))
  .output(accountOut)
  .mutation(async ({ ctx, input }) => {
    assertPlatformOperator(ctx.actor);
    const { account: client } = await loadVisibleAccount(ctx, input.accountId);
    const { account: agency } = await loadVisibleAccount(ctx, input.agencyId);
    if (client.kind !== 'client')
      throw new DomainError('INVALID_INPUT', 'Only a client can be transferred.', { accountId: 'not a client' });
    if (agency.kind !== 'agency')
      throw new DomainError('INVALID_INPUT', 'A client is transferred to an agency.', { agencyId: 'not an agency' });
    if (agency.archivedAt || client.archivedAt)
      throw new DomainError('ACCOUNT_ARCHIVED', 'Archived accounts take part in no transfer.');
    if (client.parentId === agency.id)
      throw new DomainError('CONNECTION_INVALID', 'The client is already with that agency.');
    return ctx.db.transaction().execute(async (trx) => {
      // first, before any row lock: the rollups finish, and wait for this move (the daily aggregates follow the tree)
      await spendDaily.lockTreeForMove(trx);
      await accounts.lockAccount(trx, client.id);
      const fresh = (await accounts.findAccount(trx, client.id))!;
      if (fresh.parentId) await detachClient(trx, ctx, fresh, 'operator', agency);
      else await accounts.moveClient(trx, client.id, agency);
      // the new agency's view of the client starts here, strictly after everything of the former one
      const start = await connectionStart(trx, client.id, ctx.now());
      await connections.insertConnection(trx, {
        rootId: agency.rootId,
        clientId: client.id,
        agencyId: agency.id,
        state: 'accepted',
        origin: 'transfer',
        requestedBySide: 'agency',
        by: ctx.user.id,
        at: start,
      });
      // the new ancestors' daily aggregates get its records from the transfer on (none yet, unless dated ahead)
      await spendDaily.admitClient(trx, client.id);
      const moved = (await accounts.findAccount(trx, client.id))!;
      // names only the new agency: the entry is part of what the new agency sees
      await recordAudit(
        trx,
        { ...ctx, now: () => start },
        {
          rootId: moved.rootId,
          accountId: moved.id,
          action: 'client.transfer',
          entityType: 'account',
          entityId: moved.id,
          after: { agencyId: agency.id, agency: agency.name },
        },
      );
      return toAccountOut(moved);
    });
  });
