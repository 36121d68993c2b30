import { z } from 'zod';
import { assertPlatformOperator, DomainError } from '@trellis/domain';
import { accounts, connections } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, loadVisibleAccount, pinAccount } from '../../trpc';
import { accountOut, id, toAccountOut } from '../shapes';

/** A platform operator promotes a standard client to premium; it keeps its current connection (SPEC 2.2). */
export const promoteRoute = authedProcedure
  .input(z.object({ accountId: id }))
  .output(accountOut)
  .mutation(async ({ ctx, input }) => {
    assertPlatformOperator(ctx.actor);
    const { account } = await loadVisibleAccount(ctx, input.accountId);
    if (account.kind !== 'client')
      throw new DomainError('INVALID_INPUT', 'Only a client can be promoted.', { accountId: 'not a client' });
    if (account.clientTier === 'premium')
      throw new DomainError('CONNECTION_INVALID', 'This client is already premium.');
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      await accounts.setClientTier(trx, account.id, 'premium');
      // a client transferred to its agency already has its accepted connection, which promotion keeps
      if (account.parentId && !(await connections.activeForClient(trx, account.id))) {
        await connections.insertConnection(trx, {
          rootId: account.rootId,
          clientId: account.id,
          agencyId: account.parentId,
          state: 'accepted',
          origin: 'promotion',
          requestedBySide: 'agency',
          by: ctx.user.id,
          at: ctx.now(),
        });
      }
      const out = toAccountOut((await accounts.findAccount(trx, account.id))!);
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'client.promote',
        entityType: 'account',
        entityId: account.id,
        before: { clientTier: 'standard' },
        after: { clientTier: 'premium' },
      });
      return out;
    });
  });
