import { z } from 'zod';
import { assertMayDisconnect } from '@trellis/domain';
import { accounts, spendDaily } from '@trellis/db';
import { detachClient } from '../../lib/detach';
import { authedProcedure, assertMay, loadVisibleAccount } from '../../trpc';
import { id } from '../shapes';

/**
 * Either side ends a premium connection, at once and completely (SPEC 2.2): the agency's seats come back, campaigns
 * on its deals pause, what its side placed on the client goes, and its and the holding's members lose all access to
 * the client. Answers what it did, counted as connections.disconnectPreview lists it.
 */
export const disconnectRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(
    z.object({
      clientId: z.string(),
      seatsReturned: z.number(),
      campaignsPaused: z.number(),
      campaignsWithDealsRemoved: z.number(),
      invitationsRevoked: z.number(),
      cardsRemoved: z.number(),
      reportsDeleted: z.number(),
      reportsUnshared: z.number(),
    }),
  )
  .mutation(async ({ ctx, input }) => {
    const { facts } = await loadVisibleAccount(ctx, input.clientId);
    assertMay(ctx.actor, facts, 'connections.manage');
    return ctx.db.transaction().execute(async (trx) => {
      // first, before any row lock: the rollups finish, and wait for this move (the daily aggregates follow the tree)
      await spendDaily.lockTreeForMove(trx);
      await accounts.lockAccount(trx, input.clientId);
      const client = (await accounts.findAccount(trx, input.clientId))!;
      assertMayDisconnect({ kind: client.kind, clientTier: client.clientTier, connectedAgencyId: client.parentId });
      const side = ctx.actor.memberships.has(client.id) ? 'client' : 'agency';
      const result = await detachClient(trx, ctx, client, side, null);
      return { clientId: client.id, ...result };
    });
  });
