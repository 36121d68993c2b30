import { z } from 'zod';
import { assertSeatTarget, authorize, classifySeatMove, isDomainError, type AccountFacts } from '@trellis/domain';
import { accounts, seats } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { id } from '../shapes';
import { loadVisibleSeat } from './load';

/**
 * The accounts the caller may map this seat to now, for a picker that offers only legal moves, each with the agency
 * it sits in so the picker can group them by agency.
 */
export const seatTargetsRoute = authedProcedure
  .input(z.object({ seatId: id }))
  .output(
    z.object({
      items: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
          move: z.string(),
          /** The agency the target sits in (itself for an agency; null for the holding or a standalone client). */
          agency: z.object({ id: z.string(), name: z.string() }).nullable(),
        }),
      ),
      nextCursor: z.null(),
    }),
  )
  .query(async ({ ctx, input }) => {
    const { seat, holder } = await loadVisibleSeat(ctx, input.seatId);
    const previous = await seats.previousHolder(ctx.db, seat.id);
    const rows = await accounts.subtreeRows(ctx.db, [seat.rootId], false);
    const parentOf = new Map(rows.map((r) => [r.id, r.parentId]));
    const pathOf = (accountId: string): string[] => {
      const p = parentOf.get(accountId);
      return p ? [...pathOf(p), accountId] : [accountId];
    };
    const facts = new Map<string, AccountFacts>(
      rows.map((r) => [
        r.id,
        { id: r.id, kind: r.kind, level: r.level, clientTier: r.clientTier, archived: r.archived, path: pathOf(r.id) },
      ]),
    );
    const busyOnDsp = await seats.holdersOnDsp(ctx.db, seat.rootId, seat.dsp);
    const items = [];
    for (const r of rows) {
      const target = facts.get(r.id)!;
      try {
        const move = classifySeatMove({ linkedBy: seat.linkedByAccountId, holder, previousHolder: previous }, target);
        const on = facts.get(move.authorizeOn);
        if (!on || !authorize(ctx.actor, on, move.action).ok) continue;
        if (r.level === 3) assertSeatTarget({ level: 3, archived: r.archived }, busyOnDsp.has(r.id) ? 1 : 0);
        const agencyId = r.level === 2 ? r.id : r.level === 3 ? (target.path.at(-2) ?? null) : null;
        const agencyRow = agencyId ? rows.find((x) => x.id === agencyId && x.level === 2) : undefined;
        items.push({
          id: r.id,
          name: r.name,
          level: r.level,
          move: move.kind,
          agency: agencyRow ? { id: agencyRow.id, name: agencyRow.name } : null,
        });
      } catch (e) {
        if (!isDomainError(e)) throw e;
      }
    }
    return { items, nextCursor: null };
  });
