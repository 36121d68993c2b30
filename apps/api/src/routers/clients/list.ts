import { z } from 'zod';
import { CLIENT_TIERS, authorize } from '@trellis/domain';
import { accounts, connections } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { iso, page } from '../shapes';

/** The clients in the account's subtree the caller may see, with tier, team and connection. */
export const listClientsRoute = accountProcedure({ includeArchived: z.boolean().default(false) })
  .output(page(z.object({ id: z.string(), name: z.string(), tier: z.enum(CLIENT_TIERS), agencyId: z.string().nullable(), team: z.object({ id: z.string(), name: z.string() }).nullable(), archived: z.boolean(), connectedSince: iso.nullable() })))
  .query(async ({ ctx, input }) => {
    ctx.may('account.view');
    const rows = (await accounts.subtreeRows(ctx.db, [ctx.account.id], input.includeArchived)).filter((r) => r.kind === 'client');
    const ids = rows.map((r) => r.id);
    const full = await Promise.all(ids.map((i) => accounts.findAccount(ctx.db, i)));
    const teamIds = [...new Set(full.flatMap((a) => (a?.teamId ? [a.teamId] : [])))];
    const teamNames = new Map((teamIds.length ? await ctx.db.selectFrom('teams').select(['id', 'name']).where('id', 'in', teamIds).execute() : []).map((t) => [t.id, t.name]));
    const active = new Map((await connections.connectionsOf(ctx.db, ids)).filter((c) => c.state === 'accepted').map((c) => [c.clientId, c.respondedAt ?? c.requestedAt]));
    const items = full.flatMap((a) =>
      a && authorize(ctx.actor, accounts.toFacts(a), 'account.view').ok
        ? [{ id: a.id, name: a.name, tier: a.clientTier!, agencyId: a.parentId, team: a.teamId ? { id: a.teamId, name: teamNames.get(a.teamId) ?? '' } : null, archived: a.archivedAt !== null, connectedSince: active.get(a.id)?.toISOString() ?? null }]
        : [],
    );
    return { items, nextCursor: null };
  });
