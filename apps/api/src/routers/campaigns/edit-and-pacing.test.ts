import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant, snapshot } from '../../testing';
import { at, ingest, person, rec, rollAll } from '../../testing/report-world';

const t = useTestDatabase();

/** Holding H (UTC) > agency A > clients C1, C2; an analyst of A; another tenant O with its client X and a deal. */
async function world() {
  const op = await (await person(t.db, 'op@trellis.test', { platformOperator: true })).at(0);
  const H = await op.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
  const O = await op.accounts.createHolding({ name: 'O', currency: 'EUR', timeZone: 'UTC' });
  const member = async (email: string, acc: { id: string; rootId: string }, role: 'admin' | 'operator' | 'analyst') => {
    const p = await person(t.db, email);
    await grant(t.db, p.userId, acc, role);
    return p;
  };
  const hAdmin = await member('h@x.test', H, 'admin');
  const h = await hAdmin.at(0);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
  const C1 = await h.accounts.create({ parentId: A.id, name: 'C1', kind: 'client' });
  const C2 = await h.accounts.create({ parentId: A.id, name: 'C2', kind: 'client' });
  const aOperator = await member('aop@x.test', A, 'operator');
  const aAnalyst = await member('aan@x.test', A, 'analyst');
  const c1Admin = await member('c1@x.test', C1, 'admin');
  const oAdmin = await member('o@x.test', O, 'admin');
  const o = await oAdmin.at(0);
  const OA = await o.accounts.create({ parentId: O.id, name: 'OA', kind: 'agency' });
  const X = await o.accounts.create({ parentId: OA.id, name: 'X', kind: 'client' });
  const deal = (c: Awaited<ReturnType<typeof hAdmin.at>>, accountId: string, name: string) =>
    c.deals.create({
      accountId,
      name,
      publisher: 'P',
      type: 'preferred_deal',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['dv360'],
    });
  const aDeal = await deal(h, A.id, 'Agency deal');
  const c2Deal = await deal(h, C2.id, 'C2 only');
  const oDeal = await deal(o, OA.id, 'Other tenant deal');
  return { H, A, C1, C2, X, hAdmin, aOperator, aAnalyst, c1Admin, oAdmin, aDeal, c2Deal, oDeal };
}

describe('campaign names are unique per client', () => {
  it('refuses a second Create of the same name for the same client, and a rename onto a taken name', async () => {
    const w = await world();
    const c = await w.aOperator.at(1);
    const first = await c.campaigns.create({ clientId: w.C1.id, name: 'Spring sale' });
    const before = await snapshot(t.db);
    const again = await c.campaigns.create({ clientId: w.C1.id, name: ' spring SALE ' }).catch((e) => e);
    expect([again.code, again.message]).toEqual([
      'CONFLICT',
      'This client already has a campaign named "Spring sale".',
    ]);
    expect(await snapshot(t.db)).toEqual(before);
    // another client may use the name
    expect(await codeOf(c.campaigns.create({ clientId: w.C2.id, name: 'Spring sale' }))).toBe('ok');
    const other = await c.campaigns.create({ clientId: w.C1.id, name: 'Autumn' });
    expect(await codeOf(c.campaigns.update({ campaignId: other.id, name: 'SPRING SALE' }))).toBe('CONFLICT');
    // renaming a campaign to its own name in another case is fine
    expect((await c.campaigns.update({ campaignId: first.id, name: 'Spring Sale' })).name).toBe('Spring Sale');
  });

  it('creates one campaign when the same Create arrives twice at once', async () => {
    const w = await world();
    const c = await w.aOperator.at(1);
    const results = await Promise.all(
      [1, 2, 3].map(() => codeOf(c.campaigns.create({ clientId: w.C1.id, name: 'Double click' }))),
    );
    expect(results.sort()).toEqual(['CONFLICT', 'CONFLICT', 'ok']);
    expect((await c.campaigns.list({ accountId: w.C1.id })).items.map((x) => x.name)).toEqual(['Double click']);
  });
});

describe('campaigns.update edits name, budget, flight and deals', () => {
  it('changes each of them, keeping what it was not given', async () => {
    const w = await world();
    const c = await w.aOperator.at(1);
    const x = await c.campaigns.create({ clientId: w.C1.id, name: 'Spring', budgetMicros: '5000000' });
    const u = await c.campaigns.update({
      campaignId: x.id,
      name: 'Spring 2027',
      budgetMicros: '7000000',
      startsOn: '2026-11-01',
      endsOn: '2026-11-30',
      dealIds: [w.aDeal.id],
    });
    expect(u).toMatchObject({
      name: 'Spring 2027',
      budgetMicros: '7000000',
      startsOn: '2026-11-01',
      endsOn: '2026-11-30',
      dealIds: [w.aDeal.id],
    });
    const v = await c.campaigns.update({ campaignId: x.id, endsOn: null, dealIds: [] });
    expect(v).toMatchObject({ name: 'Spring 2027', budgetMicros: '7000000', startsOn: '2026-11-01', endsOn: null });
    expect(v.dealIds).toEqual([]);
    const created = await c.campaigns.create({
      clientId: w.C1.id,
      name: 'With a flight',
      startsOn: '2026-12-01',
      endsOn: '2026-12-24',
      dealIds: [w.aDeal.id],
    });
    expect([created.startsOn, created.endsOn, created.dealIds]).toEqual(['2026-12-01', '2026-12-24', [w.aDeal.id]]);
  });

  it.each([
    ['a negative budget', { budgetMicros: '-1' }, 'BAD_REQUEST'],
    ['a fractional budget', { budgetMicros: 1.5 }, 'BAD_REQUEST'],
    ['a flight that ends before it starts', { startsOn: '2026-11-10', endsOn: '2026-11-09' }, 'BAD_REQUEST'],
    ['an end before the stored start', { endsOn: '2026-10-31' }, 'BAD_REQUEST'],
    ['a day that is not a day', { startsOn: '2026-02-30' }, 'BAD_REQUEST'],
    ['a 10,000-character name', { name: 'x'.repeat(10_000) }, 'BAD_REQUEST'],
    ['an empty name', { name: '   ' }, 'BAD_REQUEST'],
    ['51 deals', { dealIds: Array.from({ length: 51 }, () => crypto.randomUUID()) }, 'BAD_REQUEST'],
    ['a clientId', { clientId: crypto.randomUUID() }, 'BAD_REQUEST'],
  ])('refuses %s and changes nothing', async (_label, change, code) => {
    const w = await world();
    const c = await w.aOperator.at(1);
    const x = await c.campaigns.create({ clientId: w.C1.id, name: 'Spring', startsOn: '2026-11-01' });
    const before = await snapshot(t.db);
    expect(await codeOf(c.campaigns.update({ campaignId: x.id, ...change }))).toBe(code);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses a deal the client may not use, whether of a sibling client or another tenant, naming no deal', async () => {
    const w = await world();
    const c = await w.aOperator.at(1);
    const x = await c.campaigns.create({ clientId: w.C1.id, name: 'Spring' });
    for (const d of [w.c2Deal.id, w.oDeal.id, crypto.randomUUID()]) {
      const e = await c.campaigns.update({ campaignId: x.id, dealIds: [d] }).catch((err) => err);
      expect([e.code, e.message]).toEqual(['BAD_REQUEST', `The deal "${d}" is not usable by this client.`]);
      const f = await c.campaigns.create({ clientId: w.C1.id, name: `With ${d}`, dealIds: [d] }).catch((err) => err);
      expect([f.code, f.message]).toEqual(['BAD_REQUEST', `The deal "${d}" is not usable by this client.`]);
    }
  });

  it("refuses an analyst and a standard client's own admin (FORBIDDEN); another tenant's campaign is NOT_FOUND", async () => {
    const w = await world();
    const x = await (await w.aOperator.at(1)).campaigns.create({ clientId: w.C1.id, name: 'Spring' });
    const before = await snapshot(t.db);
    const analyst = await (await w.aAnalyst.at(1)).campaigns.update({ campaignId: x.id, name: 'N' }).catch((e) => e);
    expect(analyst.code).toBe('FORBIDDEN');
    // a standard client's own members never edit campaigns (SPEC 2.2)
    expect(await codeOf((await w.c1Admin.at(1)).campaigns.update({ campaignId: x.id, name: 'N' }))).toBe('FORBIDDEN');
    const other = await (await w.oAdmin.at(1)).campaigns.update({ campaignId: x.id, name: 'N' }).catch((e) => e);
    const nowhere = await (
      await w.oAdmin.at(1)
    ).campaigns
      .update({ campaignId: crypto.randomUUID(), name: 'N' })
      .catch((e) => e);
    expect([other.code, other.message]).toEqual([nowhere.code, nowhere.message]);
    expect(other.code).toBe('NOT_FOUND');
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe('campaigns.list: spend to date and pacing', () => {
  it("shows each campaign's spend to date as the Reports page does, to the micro, and its pacing", async () => {
    const w = await world();
    const h = await w.hAdmin.at(0);
    const seat = await h.seats.link({ accountId: w.H.id, dsp: 'dv360', seatId: 'seat-1' });
    await h.seats.assign({ seatId: seat.id, accountId: w.C1.id });
    const c = await w.aOperator.at(0);
    const paced = await c.campaigns.create({
      clientId: w.C1.id,
      name: 'Paced',
      budgetMicros: '30000000',
      startsOn: '2026-11-01',
      endsOn: '2026-11-30',
    });
    const open = await c.campaigns.create({ clientId: w.C1.id, name: 'Open', budgetMicros: '1000000' });
    const idle = await c.campaigns.create({ clientId: w.C1.id, name: 'Idle' });
    const base = { dsp: 'dv360', seatId: 'seat-1', dealId: null, auctionType: 'open_auction', currency: 'EUR' };
    await ingest(await w.hAdmin.at(40), w.H.id, [
      rec({ ...base, occurredAt: at(1), campaignId: paced.id, spendMicros: 1_234_567 }),
      rec({ ...base, occurredAt: at(20), campaignId: paced.id, spendMicros: 1_000_001 }),
      rec({ ...base, occurredAt: at(30), campaignId: paced.id, spendMicros: 765_433 }),
      rec({ ...base, occurredAt: at(31), campaignId: open.id, spendMicros: 1_000_000 }),
      rec({ ...base, occurredAt: at(32), campaignId: null, spendMicros: 999 }),
    ]);
    await rollAll(t.db);
    // T0 + 40 h is 2026-11-03: three days of a thirty-day flight, so an even spend is 3,000,000
    const now = await w.aOperator.at(40);
    const listed = new Map((await now.campaigns.list({ accountId: w.A.id })).items.map((x) => [x.id, x]));
    const report = await now.reports.run({
      accountId: w.A.id,
      from: '2026-10-01',
      to: '2026-11-30',
      groupBy: ['campaign'],
    });
    const reported = new Map(report.rows.map((r) => [r.campaignId, r.spendMicros]));
    expect(listed.get(paced.id)!.spentMicros).toBe('3000001');
    for (const x of [paced, open]) expect(listed.get(x.id)!.spentMicros).toBe(reported.get(x.id));
    expect(listed.get(idle.id)!.spentMicros).toBe('0');
    expect(listed.get(paced.id)!.pacing).toEqual({
      state: 'on_track',
      spentPercent: 10,
      expectedMicros: '3000000',
    });
    expect(listed.get(open.id)!.pacing).toEqual({ state: 'spent', spentPercent: 100, expectedMicros: null });
    expect(listed.get(idle.id)!.pacing.state).toBe('no_budget');
    // the holding's list reads the same figures as the holding's report
    const hList = new Map(
      (await (await w.hAdmin.at(40)).campaigns.list({ accountId: w.H.id })).items.map((x) => [x.id, x]),
    );
    expect(hList.get(paced.id)!.spentMicros).toBe('3000001');
  });
});
