import { describe, expect, it } from 'vitest';
import { nameKey, SeatDealIndex } from '@trellis/domain';
import { pgErrorCode } from './connect';
import * as accounts from './repos/accounts';
import * as seats from './repos/seats';
import * as users from './repos/users';
import { useTestDatabase } from './testing';

const t = useTestDatabase();

async function tree() {
  const mk = (parent: accounts.Account | null, kind: 'holding' | 'agency' | 'client', name: string) =>
    accounts.insertAccount(t.db, {
      parent: parent && { id: parent.id, rootId: parent.rootId, kind: parent.kind },
      kind,
      level: kind === 'holding' ? 1 : kind === 'agency' ? 2 : 3,
      clientTier: kind === 'client' ? 'standard' : null,
      name,
      nameKey: nameKey(name),
      currency: 'EUR',
      timeZone: 'UTC',
    });
  const h = await mk(null, 'holding', 'H');
  const a = await mk(h, 'agency', 'A');
  const c = await mk(a, 'client', 'C');
  const u = await users.insertUser(t.db, { email: 'u@x.test', name: 'U', passwordHash: 'x' });
  return { h, a, c, u };
}
const at = (s: string) => new Date(`2026-01-${s}T00:00:00Z`);

describe('seat mappings in the database', () => {
  it('answers who held a seat at any time from the history', async () => {
    const { h, a, c, u } = await tree();
    const seat = await t.db.transaction().execute((trx) =>
      seats.insertSeat(trx, {
        rootId: h.id,
        dsp: 'dv360',
        externalId: '111',
        name: null,
        account: h,
        at: at('01'),
        by: u.id,
      }),
    );
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, seat, a, at('10'), u.id));
    const s2 = (await seats.findSeat(t.db, seat.id))!;
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, s2, c, at('20'), u.id));
    expect(await seats.holderAt(t.db, seat.id, at('05'))).toBe(h.id);
    expect(await seats.holderAt(t.db, seat.id, at('10'))).toBe(a.id);
    expect(await seats.holderAt(t.db, seat.id, at('15'))).toBe(a.id);
    expect(await seats.holderAt(t.db, seat.id, at('25'))).toBe(c.id);
    expect(await seats.holderAt(t.db, seat.id, new Date('2025-12-31T00:00:00Z'))).toBeNull();
    expect(await seats.previousHolder(t.db, seat.id)).toBe(a.id);
    expect((await seats.seatHistory(t.db, seat.id)).map((r) => r.accountName)).toEqual(['C', 'A', 'H']);
    // the in-memory index built from the same rows answers the same
    const index = new SeatDealIndex(await seats.seatDealIndexInput(t.db, h.id));
    for (const d of ['05', '10', '15', '25'])
      expect(index.holderAt(seat.id, at(d))).toBe(await seats.holderAt(t.db, seat.id, at(d)));
  });

  it('refuses a second seat with the same DSP and id anywhere, and a second current seat per DSP on an L3', async () => {
    const { h, c, u } = await tree();
    const link = (id: string) =>
      t.db.transaction().execute((trx) =>
        seats.insertSeat(trx, {
          rootId: h.id,
          dsp: 'ttd',
          externalId: id,
          name: null,
          account: h,
          at: at('01'),
          by: u.id,
        }),
      );
    const s1 = await link('a1');
    expect(pgErrorCode(await link('a1').catch((e) => e))).toBe('23505');
    const s2 = await link('a2');
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, s1, c, at('02'), u.id));
    const err = await t.db
      .transaction()
      .execute((trx) => seats.moveSeat(trx, s2, c, at('03'), u.id))
      .catch((e) => e);
    expect(pgErrorCode(err)).toBe('23505');
    expect((await seats.findSeat(t.db, s2.id))!.holderAccountId).toBe(h.id);
  });

  it("refuses a seat's current mapping to an account outside the seat's root, whichever side moves", async () => {
    const { h, a, c, u } = await tree();
    const seat = await t.db.transaction().execute((trx) =>
      seats.insertSeat(trx, {
        rootId: h.id,
        dsp: 'dv360',
        externalId: 'r1',
        name: null,
        account: h,
        at: at('01'),
        by: u.id,
      }),
    );
    // a client that has left the holding's tree (as after a disconnect) is no holder of the holding's seat
    await t.db.transaction().execute(async (trx) => {
      await accounts.setClientTier(trx, c.id, 'premium');
      await accounts.moveClient(trx, c.id, null);
    });
    const err = await t.db
      .transaction()
      .execute((trx) => seats.moveSeat(trx, seat, c, at('02'), u.id))
      .catch((e) => e);
    expect(pgErrorCode(err)).toBe('23503');
    expect((await seats.findSeat(t.db, seat.id))!.holderAccountId).toBe(h.id);
    // nor may a client move out of the tree while it holds one of the tree's seats
    await t.db.transaction().execute((trx) => accounts.moveClient(trx, c.id, a));
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, seat, c, at('03'), u.id));
    const moveErr = await t.db
      .transaction()
      .execute((trx) => accounts.moveClient(trx, c.id, null))
      .catch((e) => e);
    expect(pgErrorCode(moveErr)).toBe('23503');
    expect((await accounts.findAccount(t.db, c.id))!.rootId).toBe(h.id);
    // the history keeps a former holder that has left since
    const s2 = (await seats.findSeat(t.db, seat.id))!;
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, s2, a, at('04'), u.id));
    await t.db.transaction().execute((trx) => accounts.moveClient(trx, c.id, null));
    expect((await seats.seatHistory(t.db, seat.id)).map((r) => r.accountName)).toEqual(['A', 'C', 'H']);
  });
});
