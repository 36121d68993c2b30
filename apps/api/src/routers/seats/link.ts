import { z } from 'zod';
import { assertSeatTarget, DomainError, DSPS, validateExternalSeatId } from '@trellis/domain';
import { seats } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { accountProcedure, pinAccount } from '../../trpc';
import { seatOut, toSeatOut } from '../shapes';
import { text } from '../inputs';

export const dspInput = z.enum(DSPS, { message: `dsp must be one of ${DSPS.join(', ')}` });

/**
 * Links a DSP seat to a level-1 account (or a standalone premium client). A seat exists once in the installation;
 * linking one that is already linked anywhere is a CONFLICT that does not say where (SPEC 4, 9).
 */
export const linkSeatRoute = accountProcedure({ dsp: dspInput, seatId: text(200), name: text(120).optional() })
  .output(seatOut)
  .mutation(async ({ ctx, input }) => {
    ctx.may('seats.link');
    const externalId = validateExternalSeatId(input.seatId);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, ctx.account);
      if (await seats.seatExists(trx, input.dsp, externalId)) {
        throw new DomainError('SEAT_ALREADY_LINKED', 'This seat is already linked in Trellis.', {
          seatId: 'already linked',
        });
      }
      assertSeatTarget(
        { level: ctx.account.level, archived: false },
        await seats.countCurrentSeatsOnDsp(trx, ctx.account.id, input.dsp),
      );
      const seat = await seats.insertSeat(trx, {
        rootId: ctx.account.rootId,
        dsp: input.dsp,
        externalId,
        name: input.name ?? null,
        account: ctx.account,
        at: ctx.now(),
        by: ctx.user.id,
      });
      const out = toSeatOut(seat);
      await recordAudit(trx, ctx, {
        rootId: seat.rootId,
        accountId: ctx.account.id,
        action: 'seat.link',
        entityType: 'seat',
        entityId: seat.id,
        after: out,
      });
      return out;
    });
  });
