import { z } from 'zod';
import { ENTRY_KINDS, type EntryKind } from '@trellis/domain';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { limit, serialCursor } from '../inputs';
import { id, page, toPage } from '../shapes';
import { entryOut, loadClient, toEntryOut } from './load';

/**
 * A client's ledger, newest first, paged with cursors (SPEC 6, 10), optionally of some kinds only; from above, only
 * since its current connection (SPEC 2.2).
 */
export const ledgerRoute = authedProcedure
  .input(
    z.object({
      clientId: id,
      cursor: serialCursor.optional(),
      limit: limit(200, 50),
      /** Only these kinds of entry (e.g. the top-ups and refunds among a month of spend entries). */
      kinds: z
        .array(z.enum(ENTRY_KINDS as [EntryKind, ...EntryKind[]]))
        .min(1)
        .max(ENTRY_KINDS.length)
        .optional(),
    }),
  )
  .output(page(entryOut))
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    const rows = await credits.listEntries(
      ctx.db,
      { rootId: account.rootId, clientId: account.id },
      {
        limit: input.limit + 1,
        since,
        ...(input.cursor ? { before: input.cursor } : {}),
        ...(input.kinds ? { kinds: input.kinds } : {}),
      },
    );
    return toPage(rows, input.limit, (e) => e.id, toEntryOut);
  });
