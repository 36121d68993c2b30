import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant } from '../../testing';
import { at, ingest, person, rec, rollAll } from '../../testing/report-world';

const t = useTestDatabase();

/** H (UTC) > agencies A, B > clients C1, C2 (A), D1 (B); C1 topped up and spending on its seat over two days. */
async function world() {
  const op = await (await person(t.db, 'op@trellis.test', { platformOperator: true })).at(0);
  const H = await op.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
  const hAdmin = await person(t.db, 'h@x.test');
  await grant(t.db, hAdmin.userId, H, 'admin');
  const h = await hAdmin.at(0);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
  const B = await h.accounts.create({ parentId: H.id, name: 'B', kind: 'agency' });
  const C1 = await h.accounts.create({ parentId: A.id, name: 'C1', kind: 'client' });
  const C2 = await h.accounts.create({ parentId: A.id, name: 'C2', kind: 'client' });
  const D1 = await h.accounts.create({ parentId: B.id, name: 'D1', kind: 'client' });
  const seat = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'seat-1' });
  await h.seats.assign({ seatId: seat.id, accountId: C1.id });
  const card = await h.credits.addCard({
    clientId: C1.id,
    number: '4242424242424242',
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
  });
  await h.credits.topUp({ clientId: C1.id, amountMicros: '100000000', paymentMethodId: card.id, idempotencyKey: 'k1' });
  const base = {
    dsp: 'dv360',
    seatId: 'seat-1',
    dealId: null,
    auctionType: 'open_auction',
    campaignId: null,
    currency: 'EUR',
  };
  await ingest(await hAdmin.at(60), H.id, [
    rec({ ...base, occurredAt: at(2), spendMicros: 1_234_567 }),
    rec({ ...base, occurredAt: at(26), spendMicros: 2_000_001 }),
    rec({ ...base, occurredAt: at(50), spendMicros: 3_333_333 }),
  ]);
  await rollAll(t.db);
  const aAnalyst = await person(t.db, 'an@x.test');
  await grant(t.db, aAnalyst.userId, A, 'analyst');
  const c1Admin = await person(t.db, 'c1@x.test');
  await grant(t.db, c1Admin.userId, C1, 'admin');
  return { H, A, B, C1, C2, D1, hAdmin, aAnalyst, c1Admin };
}

describe('clients.overview: the MCC clients table', () => {
  it("shows each client's period spend, balance and runway as its Billing page does, to the micro", async () => {
    const w = await world();
    const a = await w.aAnalyst.at(72);
    const period = { from: '2026-11-03', to: '2026-11-04' };
    const rows = (await a.clients.overview({ accountId: w.A.id, ...period })).items;
    expect(rows.map((r) => [r.name, r.agency?.name, r.flag])).toEqual([
      ['C1', 'A', 'ok'],
      ['C2', 'A', 'out_of_credit'],
    ]);
    const c1 = rows[0]!;
    const usage = await a.credits.usage({ clientId: w.C1.id, ...period });
    const billed = usage.items.reduce((s, d) => s + BigInt(d.spentMicros), 0n);
    expect(c1.spentMicros).toBe('5333334');
    expect(c1.spentMicros).toBe(billed.toString());
    const balance = await a.credits.balance({ clientId: w.C1.id });
    expect([c1.balanceMicros, c1.overageMicros, c1.runwayDays, c1.runwayBasis]).toEqual([
      balance.balanceMicros,
      balance.overageMicros,
      balance.runwayDays,
      balance.runwayBasis,
    ]);
    expect(c1.runwayBasis).toBe('average');
    // and the Reports page of the agency (only C1 spent) reads the same spend for the period
    const report = await a.reports.run({ accountId: w.A.id, ...period, groupBy: ['account'] });
    expect(report.totals.map((x) => x.spendMicros)).toEqual([c1.spentMicros]);
    // the holding sees every agency's clients
    const all = (await (await w.hAdmin.at(72)).clients.overview({ accountId: w.H.id, ...period })).items;
    expect(all.map((r) => [r.name, r.agency?.name])).toEqual([
      ['C1', 'A'],
      ['C2', 'A'],
      ['D1', 'B'],
    ]);
  });

  it('flags a client below its threshold as low balance', async () => {
    const w = await world();
    await (await w.hAdmin.at(72)).credits.setLowBalance({ clientId: w.C1.id, thresholdMicros: '95000000' });
    const rows = (
      await (await w.hAdmin.at(72)).clients.overview({ accountId: w.A.id, from: '2026-11-02', to: '2026-11-04' })
    ).items;
    expect(rows.find((r) => r.name === 'C1')!.flag).toBe('low_balance');
  });

  it("refuses a standard client's own members, another tenant, and a bad period", async () => {
    const w = await world();
    const other = await person(t.db, 'other@x.test');
    const p = { from: '2026-11-01', to: '2026-11-04' };
    expect(await codeOf((await w.c1Admin.at(72)).clients.overview({ accountId: w.C1.id, ...p }))).toBe('FORBIDDEN');
    expect(await codeOf((await other.at(72)).clients.overview({ accountId: w.A.id, ...p }))).toBe('NOT_FOUND');
    const h = await w.hAdmin.at(72);
    expect(await codeOf(h.clients.overview({ accountId: w.A.id, from: '2026-11-04', to: '2026-11-01' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(h.clients.overview({ accountId: w.A.id, from: '2024-01-01', to: '2026-11-01' }))).toBe(
      'BAD_REQUEST',
    );
  });
});
