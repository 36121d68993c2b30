import { z } from 'zod';
import { assertSeatTarget, authorize, classifySeatMove, DomainError, refusalError } from '@trellis/domain';
import { accounts, seats } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, loadVisibleAccount } from '../../trpc';
import { id, seatOut, toSeatOut } from '../shapes';
import { loadVisibleSeat } from './load';

/** Maps a seat to another account: down the tree, or back to the agency that passed it, or back to the L1 (SPEC 4). */
export const assignSeatRoute = authedProcedure
  .input(z.object({ seatId: id, accountId: id }))
  .output(seatOut)
  .mutation(async ({ ctx, input }) => {
    // the common refusals, answered before any lock; everything is checked again under the locks below
    const before = (await loadVisibleSeat(ctx, input.seatId)).seat;
    await loadVisibleAccount(ctx, input.accountId);
    return ctx.db.transaction().execute(async (trx) => {
      const scoped = { db: trx, actor: ctx.actor };
      // The holder and the target stay where they are, then the seat: a disconnect (or transfer) locks the client it
      // moves before it hands back the seats it holds, so either it sees this move, or this sees the client gone.
      await accounts.lockAgainstMove(trx, [before.holderAccountId, input.accountId]);
      await seats.lockSeat(trx, input.seatId);
      const { seat, holder } = await loadVisibleSeat(scoped, input.seatId);
      if (seat.holderAccountId !== before.holderAccountId)
        throw new DomainError('CHANGED_MEANWHILE', 'This seat was reassigned meanwhile; reload and try again.');
      const { account: target } = await loadVisibleAccount(scoped, input.accountId);
      const move = classifySeatMove(
        { linkedBy: seat.linkedByAccountId, holder, previousHolder: await seats.previousHolder(trx, seat.id) },
        target,
      );
      const on =
        move.authorizeOn === holder.id
          ? holder
          : move.authorizeOn === target.id
            ? target
            : (await accounts.findAccount(trx, move.authorizeOn))!;
      const d = authorize(ctx.actor, accounts.toFacts(on), move.action);
      if (!d.ok) throw refusalError(d);
      assertSeatTarget(
        { level: target.level, archived: target.archivedAt !== null },
        await seats.countCurrentSeatsOnDsp(trx, target.id, seat.dsp),
      );
      await seats.moveSeat(trx, seat, target, ctx.now(), ctx.user.id);
      const moved = toSeatOut((await seats.findSeat(trx, seat.id))!);
      await recordAudit(trx, ctx, {
        rootId: seat.rootId,
        accountId: on.id,
        action: `seat.${move.kind}`,
        entityType: 'seat',
        entityId: seat.id,
        before: { holder: seat.holderName, holderId: seat.holderAccountId },
        after: { holder: target.name, holderId: target.id },
      });
      return moved;
    });
  });
