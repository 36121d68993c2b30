import { z } from 'zod';
import { authorize, DomainError, seatMayTransact } from '@trellis/domain';
import { accounts, deals, seats } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { dealOut, id, page, toDealOut } from '../shapes';
import { loadVisibleSeat } from './load';
import { instant } from '../inputs';

/**
 * The deals a seat may transact on at an instant (default now): those usable by the account the seat was mapped to
 * then, on the seat's DSP, within their flight (SPEC 5). The caller must see that account's deals.
 */
export const seatDealsRoute = authedProcedure
  .input(z.object({ seatId: id, at: instant.optional() }))
  .output(page(dealOut).extend({ holderAccountId: z.string().nullable() }))
  .query(async ({ ctx, input }) => {
    const { seat } = await loadVisibleSeat(ctx, input.seatId);
    const at = input.at ? new Date(input.at) : ctx.now();
    const holderId = await seats.holderAt(ctx.db, seat.id, at);
    if (holderId === null) return { items: [], nextCursor: null, holderAccountId: null };
    const holder = (await accounts.findAccount(ctx.db, holderId))!;
    if (!authorize(ctx.actor, accounts.toFacts(holder), 'deals.view').ok)
      throw new DomainError('NOT_FOUND', 'Seat not found.');
    const found = await deals.dealsForSeat(ctx.db, holder.path, seat.dsp, at);
    const items = found.filter((d) =>
      seatMayTransact(
        { dsp: seat.dsp, holderPath: holder.path },
        { ownerId: d.ownerAccountId, ownerPath: [], dsps: d.dsps, startsAt: d.startsAt, endsAt: d.endsAt },
        at,
      ),
    );
    return { items: items.map(toDealOut), nextCursor: null, holderAccountId: holder.id };
  });
