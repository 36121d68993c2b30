import { seats } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { page, seatOut, toSeatOut } from '../shapes';

/** Seats held now by the account or its descendants. */
export const listSeatsRoute = accountProcedure()
  .output(page(seatOut))
  .query(async ({ ctx }) => {
    ctx.may('seats.view');
    return { items: (await seats.seatsHeldUnder(ctx.db, ctx.account.id)).map(toSeatOut), nextCursor: null };
  });
