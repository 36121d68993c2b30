import { accounts, connections } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { connectionOut, page } from '../shapes';
import { toConnectionOut } from './load';

/** Every connection of the account and the accounts below it, past ones included: both sides see the history. */
export const listConnectionsRoute = accountProcedure()
  .output(page(connectionOut))
  .query(async ({ ctx }) => {
    ctx.may('connections.view');
    const ids = (await accounts.subtreeRows(ctx.db, [ctx.account.id], true)).map((r) => r.id);
    const now = ctx.now();
    const rows = await connections.connectionsOf(ctx.db, ids);
    return { items: await Promise.all(rows.map((c) => toConnectionOut(ctx.db, ctx.actor, c, now))), nextCursor: null };
  });
