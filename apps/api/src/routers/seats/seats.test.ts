import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { callerAt, codeOf, holdingWithAdmin, snapshot, memberOf, premiumConnectedToAgency } from '../../testing';
import { raceWithDisconnect } from '../../testing/races';

const t = useTestDatabase();

/** Holding H (admin, operator) > agencies A, B (admins) > clients A1, A2, B1. */
async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const c = admin.caller;
  const A = await c.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const B = await c.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
  const A1 = await c.accounts.create({ parentId: A.id, name: 'A1', kind: 'client' });
  const A2 = await c.accounts.create({ parentId: A.id, name: 'A2', kind: 'client' });
  const B1 = await c.accounts.create({ parentId: B.id, name: 'B1', kind: 'client' });
  const hOperator = await memberOf(t.db, 'hop@x.test', holding, 'operator');
  const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
  const bAdmin = await memberOf(t.db, 'badmin@x.test', B, 'admin');
  return { op, holding, admin, hOperator, aAdmin, bAdmin, A, B, A1, A2, B1 };
}

describe('seats.link', () => {
  it('lets an L1 admin link a seat once in the whole installation, without saying where it is', async () => {
    const w = await world();
    const seat = await w.admin.caller.seats.link({
      accountId: w.holding.id,
      dsp: 'dv360',
      seatId: ' 1001 ',
      name: 'Main DV360',
    });
    expect(seat).toMatchObject({
      dsp: 'dv360',
      seatId: '1001',
      holder: { id: w.holding.id, level: 1 },
      linkedByAccountId: w.holding.id,
    });
    const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const before = await snapshot(t.db);
    const err = await other.admin.caller.seats
      .link({ accountId: other.holding.id, dsp: 'dv360', seatId: '1001' })
      .catch((e) => e);
    expect([err.code, err.message]).toEqual(['CONFLICT', 'This seat is already linked in Trellis.']);
    expect(
      await codeOf(other.admin.caller.seats.link({ accountId: other.holding.id, dsp: 'ttd', seatId: '1001' })),
    ).toBe('ok');
    expect((await snapshot(t.db))['seats']).toBe(before['seats']! + 1);
  });

  it('refuses an L2 (level), an L1 operator (role), an outsider (scope) and a bad DSP or seat id (input)', async () => {
    const w = await world();
    const before = await snapshot(t.db);
    const level = await w.aAdmin.caller.seats.link({ accountId: w.A.id, dsp: 'dv360', seatId: '1' }).catch((e) => e);
    expect([level.code, level.message]).toEqual(['FORBIDDEN', 'A level-2 account may not do this (linkSeats).']);
    expect(await codeOf(w.hOperator.caller.seats.link({ accountId: w.holding.id, dsp: 'dv360', seatId: '1' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.aAdmin.caller.seats.link({ accountId: w.holding.id, dsp: 'dv360', seatId: '1' }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await codeOf(w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'myspace' as never, seatId: '1' })),
    ).toBe('BAD_REQUEST');
    expect(
      await codeOf(w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'dv360', seatId: 'no spaces' })),
    ).toBe('BAD_REQUEST');
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe('seats.assign', () => {
  it('moves down the tree, lets the agency take back what it passed, and the holding take anything back', async () => {
    const w = await world();
    const s = await w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'ttd', seatId: 's1' });
    expect((await w.admin.caller.seats.assign({ seatId: s.id, accountId: w.A.id })).holder.id).toBe(w.A.id);
    expect((await w.aAdmin.caller.seats.assign({ seatId: s.id, accountId: w.A1.id })).holder.id).toBe(w.A1.id);
    expect((await w.aAdmin.caller.seats.assign({ seatId: s.id, accountId: w.A.id })).holder.id).toBe(w.A.id);
    await w.aAdmin.caller.seats.assign({ seatId: s.id, accountId: w.A2.id });
    expect(await codeOf(w.hOperator.caller.seats.assign({ seatId: s.id, accountId: w.holding.id }))).toBe('FORBIDDEN');
    expect((await w.admin.caller.seats.assign({ seatId: s.id, accountId: w.holding.id })).holder.id).toBe(w.holding.id);
    const history = await w.admin.caller.seats.history({ seatId: s.id });
    expect(history.items.map((h) => h.accountName)).toEqual(['Holding', 'A2', 'A', 'A1', 'A', 'Holding']);
    expect(history.items[0]!.effectiveTo).toBeNull();
    const audit = (await w.admin.caller.audit.list({ accountId: w.holding.id })).items.map((e) => e.action);
    expect(audit.filter((a) => a.startsWith('seat.'))).toEqual([
      'seat.reclaim-to-root',
      'seat.assign-down',
      'seat.take-back-to-agency',
      'seat.assign-down',
      'seat.assign-down',
      'seat.link',
    ]);
  });

  it('refuses sideways and upward moves, archived targets and a second seat per DSP on a client, changing nothing', async () => {
    const w = await world();
    const s1 = await w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'ttd', seatId: 's1' });
    const s2 = await w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'ttd', seatId: 's2' });
    await w.admin.caller.seats.assign({ seatId: s1.id, accountId: w.A1.id });
    await w.admin.caller.seats.assign({ seatId: s2.id, accountId: w.A.id });
    const archived = await w.admin.caller.accounts.create({ parentId: w.A.id, name: 'Gone', kind: 'client' });
    await w.admin.caller.accounts.archive({ accountId: archived.id });
    const before = await snapshot(t.db);
    const sideways = await w.admin.caller.seats.assign({ seatId: s1.id, accountId: w.A2.id }).catch((e) => e);
    expect(sideways.code).toBe('FORBIDDEN');
    expect(sideways.message).toMatch(/only down the tree/);
    expect(await codeOf(w.aAdmin.caller.seats.assign({ seatId: s1.id, accountId: w.A.id }))).toBe('FORBIDDEN'); // the holding put it there
    expect(await codeOf(w.aAdmin.caller.seats.assign({ seatId: s2.id, accountId: w.holding.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.aAdmin.caller.seats.assign({ seatId: s2.id, accountId: w.B1.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.bAdmin.caller.seats.assign({ seatId: s2.id, accountId: w.B1.id }))).toBe('NOT_FOUND');
    const dsp = await w.aAdmin.caller.seats.assign({ seatId: s2.id, accountId: w.A1.id }).catch((e) => e);
    expect([dsp.code, dsp.message]).toEqual([
      'CONFLICT',
      'A level-3 account holds at most one seat per DSP, and this one already has a seat on that DSP.',
    ]);
    expect(await codeOf(w.aAdmin.caller.seats.assign({ seatId: s2.id, accountId: archived.id }))).toBe('CONFLICT');
    expect(await codeOf(w.aAdmin.caller.seats.assign({ seatId: s2.id, accountId: w.A.id }))).toBe('CONFLICT');
    expect(await snapshot(t.db)).toEqual(before);
    const targets = await w.aAdmin.caller.seats.targets({ seatId: s2.id });
    expect(targets.items.map((x) => x.name)).toEqual(['A2']);
  });

  it("lists seats held in a subtree, and hides holders outside the caller's scope from the history", async () => {
    const w = await world();
    const s = await w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'xandr', seatId: 'x1' });
    await w.admin.caller.seats.assign({ seatId: s.id, accountId: w.B1.id });
    await w.admin.caller.seats.assign({ seatId: s.id, accountId: w.holding.id });
    await w.admin.caller.seats.assign({ seatId: s.id, accountId: w.A1.id });
    expect((await w.aAdmin.caller.seats.list({ accountId: w.A.id })).items.map((x) => x.seatId)).toEqual(['x1']);
    expect((await w.bAdmin.caller.seats.list({ accountId: w.B.id })).items).toEqual([]);
    expect(await codeOf(w.bAdmin.caller.seats.history({ seatId: s.id }))).toBe('NOT_FOUND');
    expect((await w.aAdmin.caller.seats.history({ seatId: s.id })).items.map((h) => h.accountName)).toEqual(['A1']);
  });
});

describe('seats.deals', () => {
  it('answers by the mapping in force at the asked time', async () => {
    const w = await world();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-02-01T00:00:00Z');
    const t2 = new Date('2026-03-01T00:00:00Z');
    const admin0 = await callerAt(t.db, w.admin.token, t0);
    const s = await admin0.seats.link({ accountId: w.holding.id, dsp: 'dv360', seatId: 'd1' });
    const hDeal = await admin0.deals.create({
      accountId: w.holding.id,
      name: 'H deal',
      publisher: 'P',
      type: 'preferred_deal',
      cpmMicros: 1_000_000,
      currency: 'EUR',
      dsps: ['dv360', 'ttd'],
    });
    const aDeal = await admin0.deals.create({
      accountId: w.A.id,
      name: 'A deal',
      publisher: 'P',
      type: 'private_auction',
      cpmMicros: '2000000',
      currency: 'EUR',
      dsps: ['dv360'],
    });
    const bDeal = await admin0.deals.create({
      accountId: w.B.id,
      name: 'B deal',
      publisher: 'P',
      type: 'private_auction',
      cpmMicros: 3_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
    });
    await admin0.deals.create({
      accountId: w.A.id,
      name: 'A ttd deal',
      publisher: 'P',
      type: 'private_auction',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['ttd'],
    });
    await admin0.deals.create({
      accountId: w.A.id,
      name: 'A later deal',
      publisher: 'P',
      type: 'private_auction',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['dv360'],
      startsAt: '2026-06-01T00:00:00Z',
    });
    await (await callerAt(t.db, w.admin.token, t1)).seats.assign({ seatId: s.id, accountId: w.A1.id });
    // the holding takes it back, then maps it to a client of the other agency
    await (
      await callerAt(t.db, w.admin.token, new Date(t2.getTime() - 1000))
    ).seats.assign({ seatId: s.id, accountId: w.holding.id });
    await (await callerAt(t.db, w.admin.token, t2)).seats.assign({ seatId: s.id, accountId: w.B1.id });
    const at = async (iso: string) =>
      (await w.admin.caller.seats.deals({ seatId: s.id, at: iso })).items.map((d) => d.id).sort();
    expect(await at('2026-01-15T00:00:00Z')).toEqual([hDeal.id]);
    expect(await at('2026-02-15T00:00:00Z')).toEqual([hDeal.id, aDeal.id].sort());
    expect(await at('2026-03-15T00:00:00Z')).toEqual([hDeal.id, bDeal.id].sort());
    expect(await at('2025-12-01T00:00:00Z')).toEqual([]);
    // an agency member asking about a time the seat sat in another branch learns nothing
    expect(await codeOf(w.aAdmin.caller.seats.deals({ seatId: s.id, at: '2026-03-15T00:00:00Z' }))).toBe('NOT_FOUND');
  });
});

describe('seats.assign racing a disconnect', () => {
  /** Holding H > agency A, with a premium client P connected to A and four of H's seats passed to A. */
  async function connected() {
    const { holding, admin, A, P, aAdmin, pAdmin } = await premiumConnectedToAgency(t.db);
    const held = [];
    for (const dsp of ['dv360', 'ttd', 'xandr', 'amazon'] as const) {
      const s = await admin.caller.seats.link({ accountId: holding.id, dsp, seatId: `h-${dsp}` });
      held.push(await admin.caller.seats.assign({ seatId: s.id, accountId: A.id }));
    }
    return { holding, admin, A, P, aAdmin, pAdmin, seats: held };
  }

  /** The holders of the seats, with the root each holder is in now. */
  const holders = (ids: string[]) =>
    sql<{ seat_id: string; account_id: string; holder_root: string; seat_root: string }>`
      select m.seat_id, m.account_id, a.root_id as holder_root, m.root_id as seat_root
      from seat_mappings m join accounts a on a.id = m.account_id
      where m.effective_to is null and m.seat_id = any(${ids}::uuid[])`
      .execute(t.db)
      .then((r) => r.rows);

  it('never leaves a seat with the departed client: the assignment waits for the move and finds the client gone', async () => {
    const w = await connected();
    const [seat] = w.seats;
    const race = await raceWithDisconnect(t.url, w.P.id, w.pAdmin.user.id, () =>
      w.aAdmin.caller.seats.assign({ seatId: seat!.id, accountId: w.P.id }),
    );
    expect(race).toEqual({ code: 'NOT_FOUND', waited: true });
    expect(await holders([seat!.id])).toEqual([
      { seat_id: seat!.id, account_id: w.A.id, holder_root: w.holding.id, seat_root: w.holding.id },
    ]);
    expect((await w.admin.caller.seats.list({ accountId: w.holding.id })).items.map((s) => s.id).sort()).toEqual(
      w.seats.map((s) => s.id).sort(),
    );
    expect(await codeOf(w.pAdmin.caller.seats.list({ accountId: w.P.id }))).toBe('ok');
    expect((await w.pAdmin.caller.seats.list({ accountId: w.P.id })).items).toEqual([]);
  });

  it('ends with every seat in the holding when the client disconnects amid assignments, and no 500', async () => {
    const w = await connected();
    const codes = await Promise.all([
      ...w.seats.map((s) => codeOf(w.aAdmin.caller.seats.assign({ seatId: s.id, accountId: w.P.id }))),
      codeOf(w.pAdmin.caller.connections.disconnect({ clientId: w.P.id })),
    ]);
    expect(codes.at(-1)).toBe('ok');
    for (const c of codes.slice(0, -1)) expect(['ok', 'NOT_FOUND', 'CONFLICT']).toContain(c);
    const rows = await holders(w.seats.map((s) => s.id));
    expect(rows).toHaveLength(4);
    for (const r of rows)
      expect([r.account_id, r.holder_root, r.seat_root]).toEqual([w.A.id, w.holding.id, w.holding.id]);
  });
});
