import { z } from 'zod';
import { dealSource } from '@trellis/domain';
import { deals } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { dealOut, page, toDealOut, toPage } from '../shapes';
import { cursor, encodeCursor, id, instant, limit } from '../inputs';

/** The position after a deal: its creation time and id (opaque to clients). */
const dealCursor = cursor(z.object({ at: instant, id }));

/** The deals the account owns and those it inherits from its ancestors (SPEC 5), newest first, each marked with its source. */
export const listDealsRoute = accountProcedure({ cursor: dealCursor.optional(), limit: limit(500, 100) })
  .output(page(dealOut.extend({ source: z.enum(['owned', 'inherited']) })))
  .query(async ({ ctx, input }) => {
    ctx.may('deals.view');
    const after = input.cursor ? { createdAt: new Date(input.cursor.at), id: input.cursor.id } : undefined;
    const rows = await deals.dealsOwnedBy(ctx.db, ctx.account.path, {
      limit: input.limit + 1,
      ...(after ? { after } : {}),
    });
    return toPage(
      rows,
      input.limit,
      (d) => encodeCursor({ at: d.createdAt.toISOString(), id: d.id }),
      (d) => ({
        ...toDealOut(d),
        source: dealSource({ ownerId: d.ownerAccountId, ownerPath: [] }, ctx.account.id),
      }),
    );
  });
