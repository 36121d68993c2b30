import { z } from 'zod';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id, page } from '../shapes';
import { loadClient, paymentMethodOut, toPaymentMethodOut } from './load';

/** A client's payment methods: brand, last four and expiry only (SPEC 6). */
export const cardsRoute = authedProcedure
  .input(z.object({ clientId: id }))
  .output(page(paymentMethodOut))
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    return {
      items: (await credits.listPaymentMethods(ctx.db, account.id)).map((p) => toPaymentMethodOut(p, ctx.now())),
      nextCursor: null,
    };
  });
