import { z } from 'zod';
import { dealSource } from '@trellis/domain';
import { deals } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { dealOut, page, toDealOut, toPage } from '../shapes';

const cursor = z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-f-]{36}$/, 'must be a cursor from a previous page');

/** The deals the account owns and those it inherits from its ancestors (SPEC 5), newest first, each marked with its source. */
export const listDealsRoute = accountProcedure({ cursor: cursor.optional(), limit: z.number().int().min(1).max(500).default(100) })
  .output(page(dealOut.extend({ source: z.enum(['owned', 'inherited']) })))
  .query(async ({ ctx, input }) => {
    ctx.may('deals.view');
    const after = input.cursor ? { createdAt: new Date(input.cursor.split('_')[0]!), id: input.cursor.split('_')[1]! } : undefined;
    const rows = await deals.dealsOwnedBy(ctx.db, ctx.account.path, { limit: input.limit + 1, ...(after ? { after } : {}) });
    return toPage(rows, input.limit, (d) => `${d.createdAt.toISOString()}_${d.id}`, (d) => ({
      ...toDealOut(d),
      source: dealSource({ ownerId: d.ownerAccountId, ownerPath: [] }, ctx.account.id),
    }));
  });
