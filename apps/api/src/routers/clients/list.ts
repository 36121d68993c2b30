import { z } from 'zod';
import { CLIENT_TIERS } from '@trellis/domain';
import { accounts, connections } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { iso, page } from '../shapes';

/**
 * The clients in the account's subtree, with tier, team and connection. Whoever sees an account through a membership
 * on it or above sees its whole subtree, so no per-client check is needed.
 */
export const listClientsRoute = accountProcedure({ includeArchived: z.boolean().default(false) })
  .output(
    page(
      z.object({
        id: z.string(),
        name: z.string(),
        tier: z.enum(CLIENT_TIERS),
        agencyId: z.string().nullable(),
        /** The client's own currency (its credits, campaigns and budgets are in it). */
        currency: z.string(),
        team: z.object({ id: z.string(), name: z.string() }).nullable(),
        archived: z.boolean(),
        connectedSince: iso.nullable(),
      }),
    ),
  )
  .query(async ({ ctx, input }) => {
    ctx.may('account.view');
    const clients = await accounts.clientsUnder(ctx.db, ctx.account.id, input.includeArchived);
    const active = new Map(
      (
        await connections.connectionsOf(
          ctx.db,
          clients.map((c) => c.id),
        )
      )
        .filter((c) => c.state === 'accepted')
        .map((c) => [c.clientId, c.respondedAt ?? c.requestedAt]),
    );
    return {
      items: clients.map((c) => ({ ...c, connectedSince: active.get(c.id)?.toISOString() ?? null })),
      nextCursor: null,
    };
  });
