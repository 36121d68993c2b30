import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spend } from '@trellis/db';
import { credit, useTestDatabase } from '@trellis/db/testing';
import { microsToDecimal } from '@trellis/domain';
import { decimalOfMicrosSql } from '../../exports';
import { codeOf, holdingWithAdmin, memberOf } from '../../testing';

/** SPEC 13 through the public API: a day, then the DSP's restated file for that day. */
const t = useTestDatabase();
const EUR = 1_000_000;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function world() {
  const { holding, admin } = await holdingWithAdmin(t.db);
  const c = admin.caller;
  const A = await c.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const A1 = await c.accounts.create({ parentId: A.id, name: 'A1', kind: 'client' });
  const s1 = await c.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: 'S1' });
  await c.seats.assign({ seatId: s1.id, accountId: A1.id });
  const k1 = await c.campaigns.create({ clientId: A1.id, name: 'K1' });
  const hOperator = await memberOf(t.db, 'hop@x.test', holding, 'operator');
  const hAnalyst = await memberOf(t.db, 'han@x.test', holding, 'analyst');
  const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
  const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
  return { holding, admin, A, A1, k1, hOperator, hAnalyst, aAdmin, other };
}

// yesterday, an hour after the seat was assigned
const at = new Date(Date.now() - 20 * 3_600_000).toISOString();
const rec = (eventId: string, spendMicros: number, over: Record<string, unknown> = {}) => ({
  eventId,
  occurredAt: at,
  dsp: 'dv360',
  seatId: 'S1',
  dealId: null,
  auctionType: 'open_auction',
  campaignId: null,
  impressions: 100,
  clicks: 2,
  spendMicros,
  currency: 'EUR',
  ...over,
});

/** The seat's mapping history moved 3 days back (linked at the holding a day earlier), so yesterday is A1's. */
const backdateSeat = () =>
  sql`update seat_mappings set
    effective_from = now() - case when effective_to is null then interval '3 days' else interval '4 days' end,
    effective_to = case when effective_to is null then null else now() - interval '3 days' end`.execute(t.db);

const rollAll = async () => {
  while (await spend.rollupUnit(t.db, () => new Date())) {
    /* until nothing is left */
  }
};

describe('spend corrections through the API (SPEC 13)', () => {
  it('a restated day: reports show the corrected figures with their corrections, the ledger the difference once', async () => {
    const w = await world();
    // the seat was assigned just now: backdate its mapping so yesterday's spend is attributed to A1
    await backdateSeat();
    await credit(t.db, w.A1.id, BigInt(10 * EUR));
    const api = w.admin.caller;
    const first = [rec('d1', 3 * EUR), rec('d2', 3 * EUR), rec('d3', 2 * EUR, { campaignId: w.k1.id })];
    expect(await api.spend.ingest({ accountId: w.holding.id, records: first })).toMatchObject({
      accepted: 3,
      corrected: 0,
      stale: 0,
    });
    await rollAll();
    expect((await api.credits.balance({ clientId: w.A1.id })).balanceMicros).toBe(String(2 * EUR));
    // the DSP's restated file: d1 lower, d2 invalid traffic (nothing billable), d3 higher
    const restated = [
      rec('d1', 2.5 * EUR, { revision: 1 }),
      rec('d2', 0, { revision: 1, correctionReason: 'invalid_traffic', impressions: 0, clicks: 0 }),
      rec('d3', 2.5 * EUR, { revision: 1, correctionReason: 'overdelivery', campaignId: w.k1.id }),
    ];
    const res = await api.spend.ingest({ accountId: w.holding.id, records: restated });
    expect(res).toMatchObject({ accepted: 0, corrected: 3, duplicates: 0, stale: 0, rejected: [] });
    const status = await api.spend.status({ accountId: w.holding.id });
    expect(status.batches[0]).toMatchObject({ id: res.batchId, corrected: 3, stale: 0 });
    await rollAll();
    // net -3: 5 EUR attributed now, the balance 5
    expect((await api.credits.balance({ clientId: w.A1.id })).balanceMicros).toBe(String(5 * EUR));
    const ledger = (await api.credits.ledger({ clientId: w.A1.id })).items;
    const corrections = ledger.filter((e) => e.kind === 'spend_correction');
    expect(corrections).toHaveLength(1);
    expect(corrections[0]).toMatchObject({ amountMicros: String(3 * EUR), overageMicros: '0' });
    expect(corrections[0]!.correction!.reasons.map((r) => [r.reason, r.events, r.micros])).toEqual([
      ['invalid_traffic', 1, String(-3 * EUR)],
      ['overdelivery', 1, String(0.5 * EUR)],
      ['restatement', 1, String(-0.5 * EUR)],
    ]);
    // (A1 itself sees none of it in reports: the seat is not its own, SPEC 7 L3 rule)
    for (const viewer of [w.holding.id, w.A.id]) {
      const r = await api.reports.run({ accountId: viewer, from: day(-3), to: day(1), groupBy: ['campaign'] });
      expect(r.totals).toMatchObject([{ spendMicros: String(5 * EUR), correctionMicros: String(-3 * EUR) }]);
      const k1Row = r.rows.find((x) => x.campaignId === w.k1.id);
      expect(k1Row).toMatchObject({ spendMicros: String(2.5 * EUR), correctionMicros: String(0.5 * EUR) });
    }
    // either file again changes nothing
    expect(await api.spend.ingest({ accountId: w.holding.id, records: restated })).toMatchObject({ duplicates: 3 });
    expect(await api.spend.ingest({ accountId: w.holding.id, records: first })).toMatchObject({ stale: 3 });
    await rollAll();
    expect((await api.credits.balance({ clientId: w.A1.id })).balanceMicros).toBe(String(5 * EUR));
    expect(
      (await api.credits.ledger({ clientId: w.A1.id })).items.filter((e) => e.kind === 'spend_correction'),
    ).toHaveLength(1);
  });

  it('writes a correction in the CSV export as microsToDecimal does, negative ones too', async () => {
    for (const v of [0n, 1n, -1n, 10_000n, -2_500_000n, 123_456_789n, -1_000_000_000_000_000n, 7_000_000n]) {
      const r = await sql<{ d: string }>`select ${decimalOfMicrosSql(sql.lit(v.toString()))} as d`.execute(t.db);
      expect(r.rows[0]!.d, String(v)).toBe(microsToDecimal(v));
    }
  });

  it("the correction window: set by the root's admins only, 0-180 whole days, audited, shown in the status", async () => {
    const w = await world();
    expect((await w.admin.caller.spend.status({ accountId: w.holding.id })).correctionWindowDays).toBe(60);
    expect(await w.admin.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: 7 })).toEqual({
      accountId: w.holding.id,
      correctionWindowDays: 7,
    });
    expect((await w.hOperator.caller.spend.status({ accountId: w.holding.id })).correctionWindowDays).toBe(7);
    const audit = await sql<{ before: unknown; after: unknown }>`
      select before, after from audit_entries where action = 'spend.setCorrectionWindow'`.execute(t.db);
    expect(audit.rows).toEqual([
      { before: { correctionWindowDays: 60 }, after: { accountId: w.holding.id, correctionWindowDays: 7 } },
    ]);
    for (const who of [w.hOperator, w.hAnalyst])
      expect(await codeOf(who.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: 30 }))).toBe(
        'FORBIDDEN',
      );
    // an agency admin is not the root's admin; another holding's admin does not find it
    expect(await codeOf(w.aAdmin.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: 30 }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(w.other.admin.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: 30 }))).toBe(
      'NOT_FOUND',
    );
    // only a root has a window
    expect(await codeOf(w.admin.caller.spend.setCorrectionWindow({ accountId: w.A.id, days: 30 }))).not.toBe('OK');
    for (const days of [-1, 181, 1.5, '30', null])
      expect(
        await codeOf(w.admin.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: days as number })),
      ).toBe('BAD_REQUEST');
    expect((await w.admin.caller.spend.status({ accountId: w.holding.id })).correctionWindowDays).toBe(7);
    // a window of 0 days closes every correction of a record from before today
    await w.admin.caller.spend.setCorrectionWindow({ accountId: w.holding.id, days: 0 });
    await backdateSeat();
    await w.admin.caller.spend.ingest({ accountId: w.holding.id, records: [rec('x1', EUR)] });
    const res = await w.admin.caller.spend.ingest({
      accountId: w.holding.id,
      records: [rec('x1', 2 * EUR, { revision: 1 })],
    });
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual([[0, 'correction_window_closed']]);
  });
});
