import { z } from 'zod';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id, page } from '../shapes';
import { loadClient, toTopUpOut, topUpOut } from './load';

/** A client's top-ups, newest first (what may still be refunded). */
export const topUpsRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(page(topUpOut))
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    return { items: (await credits.listTopUps(ctx.db, account.id, 200)).map(toTopUpOut), nextCursor: null };
  });
