import { reports } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { savedListOut } from './save';
import { shareableClients } from './plan';
import { savedQueryIn } from './shape';

/** reports.saved: the reports saved on the account, with the clients each is shared with. */
export const savedReportsRoute = accountProcedure()
  .output(savedListOut)
  .query(async ({ ctx }) => {
    ctx.may('reports.run');
    const rows = await reports.savedOf(ctx.db, ctx.account.id);
    const below = rows.length ? await reports.clientsBelow(ctx.db, ctx.account.id) : [];
    const items = [];
    for (const r of rows) {
      const query = savedQueryIn.parse(r.query);
      const shareTo = await shareableClients(
        ctx.db,
        r.accountId,
        query,
        r.shares.map((s) => s.clientId),
        below,
      );
      items.push({
        id: r.id,
        accountId: r.accountId,
        name: r.name,
        query,
        createdAt: r.createdAt.toISOString(),
        shares: r.shares.map((s) => ({
          clientId: s.clientId,
          clientName: s.clientName,
          sharedAt: s.sharedAt.toISOString(),
        })),
        shareTo,
      });
    }
    return { items, nextCursor: null };
  });
