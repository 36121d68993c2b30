import { reports } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { savedListOut } from './save';
import { savedQueryIn } from './shape';

/** reports.saved: the reports saved on the account, with the clients each is shared with. */
export const savedReportsRoute = accountProcedure()
  .output(savedListOut)
  .query(async ({ ctx }) => {
    ctx.may('reports.run');
    const rows = await reports.savedOf(ctx.db, ctx.account.id);
    return {
      items: rows.map((r) => ({
        id: r.id,
        accountId: r.accountId,
        name: r.name,
        query: savedQueryIn.parse(r.query),
        createdAt: r.createdAt.toISOString(),
        shares: r.shares.map((s) => ({
          clientId: s.clientId,
          clientName: s.clientName,
          sharedAt: s.sharedAt.toISOString(),
        })),
      })),
      nextCursor: null,
    };
  });
