import { z } from 'zod';
import { authorize } from '@trellis/domain';
import { accounts, seats } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id, iso, page } from '../shapes';
import { loadVisibleSeat } from './load';

/** Every mapping of the seat with the time it took effect, newest first; holders outside the caller's scope are left out. */
export const seatHistoryRoute = authedProcedure
  .input(z.object({ seatId: id }))
  .output(
    page(z.object({ accountId: z.string(), accountName: z.string(), effectiveFrom: iso, effectiveTo: iso.nullable() })),
  )
  .query(async ({ ctx, input }) => {
    const { seat } = await loadVisibleSeat(ctx, input.seatId);
    const rows = await seats.seatHistory(ctx.db, seat.id);
    const visible = new Map<string, boolean>();
    for (const accountId of new Set(rows.map((r) => r.accountId))) {
      const a = (await accounts.findAccount(ctx.db, accountId))!;
      visible.set(accountId, authorize(ctx.actor, accounts.toFacts(a), 'seats.view').ok);
    }
    const items = rows
      .filter((r) => visible.get(r.accountId))
      .map((r) => ({
        accountId: r.accountId,
        accountName: r.accountName,
        effectiveFrom: r.effectiveFrom.toISOString(),
        effectiveTo: r.effectiveTo?.toISOString() ?? null,
      }));
    return { items, nextCursor: null };
  });
