import { z } from 'zod';
import { buildForest, coveringTops } from '@trellis/domain';
import { accounts, teams } from '@trellis/db';
import { authedProcedure, loadVisibleAccount } from '../../trpc';
import { id, treeNodeOut } from '../shapes';

export const treeInput = z
  .object({ accountId: id.optional(), includeArchived: z.boolean().default(false) })
  .default({ includeArchived: false });

/**
 * With `accountId`: that account's subtree as one nested node. Without: every tree the caller can see, as a list
 * of nested nodes (a platform operator sees every root; a member, the accounts their memberships cover, and the
 * clients of their teams).
 */
export const treeRoute = authedProcedure
  .input(treeInput)
  .output(z.union([treeNodeOut, z.array(treeNodeOut)]))
  .query(async ({ ctx, input }) => {
    if (input.accountId !== undefined) {
      const { account } = await loadVisibleAccount(ctx, input.accountId);
      const rows = await accounts.subtreeRows(ctx.db, [account.id], true);
      const visible = input.includeArchived ? rows : rows.filter((r) => !r.archived || r.id === account.id);
      return buildForest(visible, [account.id])[0]!;
    }
    let tops: string[];
    if (ctx.actor.platformOperator) {
      tops = await accounts.rootAccountIds(ctx.db, input.includeArchived);
    } else {
      // memberships cover their accounts; a team membership covers exactly the clients of its team (SPEC 3)
      const teamClients = await teams.clientIdsOfTeams(ctx.db, [...(ctx.actor.teamMemberships?.keys() ?? [])]);
      tops = coveringTops(await accounts.pathsOf(ctx.db, [...ctx.actor.memberships.keys(), ...teamClients]));
    }
    return buildForest(await accounts.subtreeRows(ctx.db, tops, input.includeArchived), tops);
  });
