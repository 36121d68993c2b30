import { authorize, DomainError, type Actor } from '@trellis/domain';
import { accounts, seats, type Db, type Trx } from '@trellis/db';

/**
 * A seat the actor may see: its current holder, or the account that linked it, is in their scope with seats.view.
 * Anything else is NOT_FOUND (SPEC 9).
 */
export async function loadVisibleSeat(ctx: { db: Db | Trx; actor: Actor }, seatId: string) {
  const seat = await seats.findSeat(ctx.db, seatId);
  if (!seat) throw new DomainError('NOT_FOUND', 'Seat not found.');
  const holder = (await accounts.findAccount(ctx.db, seat.holderAccountId))!;
  const linker = (await accounts.findAccount(ctx.db, seat.linkedByAccountId))!;
  const sees = (a: accounts.AccountWithPath) => authorize(ctx.actor, accounts.toFacts(a), 'seats.view').ok;
  if (!sees(holder) && !sees(linker)) throw new DomainError('NOT_FOUND', 'Seat not found.');
  return { seat, holder, linker };
}
