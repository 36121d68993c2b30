import { z } from 'zod';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id, page } from '../shapes';
import { loadClient, toTopUpOut, topUpOut } from './load';

/** A client's top-ups, newest first (what may still be refunded); from above, only since its current connection (SPEC 2.2). */
export const topUpsRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(page(topUpOut))
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    return { items: (await credits.listTopUps(ctx.db, account.id, 200, since)).map(toTopUpOut), nextCursor: null };
  });
