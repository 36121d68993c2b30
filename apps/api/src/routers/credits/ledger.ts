import { z } from 'zod';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { limit, serialCursor } from '../inputs';
import { id, page, toPage } from '../shapes';
import { entryOut, loadClient, toEntryOut } from './load';

/** A client's ledger, newest first, paged with cursors (SPEC 6, 10); from above, only since its current connection (SPEC 2.2). */
export const ledgerRoute = authedProcedure
  .input(z.object({ clientId: id, cursor: serialCursor.optional(), limit: limit(200, 50) }))
  .output(page(entryOut))
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    const rows = await credits.listEntries(ctx.db, { rootId: account.rootId, clientId: account.id }, { limit: input.limit + 1, since, ...(input.cursor ? { before: input.cursor } : {}) });
    return toPage(rows, input.limit, (e) => e.id, toEntryOut);
  });
