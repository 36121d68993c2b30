import { accounts, connections } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { connectionOut, page } from '../shapes';
import { seesConnection, toConnectionOut } from './load';

/**
 * Every connection of the account and the accounts below it, past ones included: both sides see the history. A
 * viewer who reaches a client through its agency sees only the connections of agencies in their own sight.
 */
export const listConnectionsRoute = accountProcedure()
  .output(page(connectionOut))
  .query(async ({ ctx }) => {
    ctx.may('connections.view');
    const ids = (await accounts.subtreeRows(ctx.db, [ctx.account.id], true)).map((r) => r.id);
    const now = ctx.now();
    const rows = [];
    const cache = new Map<string, Promise<boolean>>();
    for (const c of await connections.connectionsOf(ctx.db, ids))
      if (await seesConnection(ctx.db, ctx.actor, c, cache)) rows.push(c);
    return { items: await Promise.all(rows.map((c) => toConnectionOut(ctx.db, ctx.actor, c, now))), nextCursor: null };
  });
