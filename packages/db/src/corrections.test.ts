import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as credits from './repos/credits';
import * as seats from './repos/seats';
import * as spend from './repos/spend';
import { credit, hoursAfter, spendFixture, useTestDatabase } from './testing';

/** SPEC 13: restated records, applied once to the stored versions, the aggregates and the credits. */
const t = useTestDatabase();
const NOW = hoursAfter(24 * 5);
const EUR = 1_000_000;

const rec = (eventId: string, over: Record<string, unknown> = {}) => ({
  eventId,
  occurredAt: hoursAfter(25).toISOString(), // seat S1 is C1's from T0+20h
  dsp: 'dv360',
  seatId: 'S1',
  dealId: null,
  auctionType: 'open_auction',
  campaignId: null,
  impressions: 100,
  clicks: 3,
  spendMicros: 2.5 * EUR,
  currency: 'EUR',
  ...over,
});

const ingest = (rootId: string, records: unknown[], now = NOW) =>
  t.db.transaction().execute((trx) => spend.ingestBatch(trx, { rootId, records, now }));

async function rollAll(rootId: string, now = NOW) {
  const done: spend.RollupDone[] = [];
  for (let r; (r = await spend.rollupUnit(t.db, () => now, { rootId }));) done.push(r);
  return done;
}

/** Per event: the sum of its raw rows (first record + differences), which must equal the stored current version. */
async function eventFigures(rootId: string) {
  const r = await sql<{ event_id: string; spend: string; impressions: string; rev: number; cur: string }>`
    select r.event_id, sum(r.spend_micros)::text as spend, sum(r.impressions)::text as impressions,
      max(v.revision) as rev, max(v.spend_micros)::text as cur
    from spend_records r join spend_event_ids v on v.root_id = r.root_id and v.event_id = r.event_id
    where r.root_id = ${rootId}::uuid group by r.event_id order by r.event_id`.execute(t.db);
  return Object.fromEntries(r.rows.map((x) => [x.event_id, x]));
}

/** SPEC 13's invariant for a client: attributed spend as last corrected = -(spend and correction entries) + overage. */
async function invariant(clientId: string) {
  const r = await sql<{ attributed: string; entries: string; overage: string; balance: string; sum: string }>`
    select
      (select coalesce(sum(spend_micros), 0) from spend_records where client_id = ${clientId}::uuid)::text as attributed,
      (select coalesce(sum(amount_micros), 0) from credit_entries
        where client_id = ${clientId}::uuid and kind in ('spend', 'spend_correction'))::text as entries,
      (select coalesce(sum(overage_micros), 0) from credit_entries
        where client_id = ${clientId}::uuid and kind in ('spend', 'spend_correction'))::text as overage,
      (select balance_micros from credit_accounts where client_id = ${clientId}::uuid)::text as balance,
      (select coalesce(sum(amount_micros), 0) from credit_entries where client_id = ${clientId}::uuid)::text as sum`.execute(
    t.db,
  );
  const x = r.rows[0]!;
  expect(-BigInt(x.entries) + BigInt(x.overage)).toBe(BigInt(x.attributed));
  expect(BigInt(x.balance)).toBe(BigInt(x.sum));
  return { attributed: BigInt(x.attributed), balance: BigInt(x.balance) };
}

describe('spend corrections (SPEC 13)', () => {
  it('classifies each copy of a stored event: correction, duplicate, stale, conflicting revision, changed identity', async () => {
    const f = await spendFixture(t.db);
    expect(
      await ingest(
        f.h.id,
        ['e1', 'e2', 'e3', 'e4', 'e5'].map((e) => rec(e)),
      ),
    ).toMatchObject({ accepted: 5, corrected: 0, stale: 0, duplicates: 0, rejected: [] });
    const res = await ingest(f.h.id, [
      rec('e1', { revision: 1, correctionReason: 'invalid_traffic', spendMicros: 1 * EUR }),
      rec('e2'),
      rec('e3', { spendMicros: 3 * EUR }),
      rec('e4', { revision: 1, dsp: 'ttd', seatId: 'S2' }),
      rec('e5', { revision: 2, spendMicros: 4 * EUR }), // the highest wins whatever the order
      rec('e5', { revision: 1, spendMicros: 9 * EUR }),
      rec('e6', { revision: 3 }), // a correction of an event never seen: its first version
      rec('e7', { revision: 1, spendMicros: -5 }),
      rec('e8', { correctionReason: 'overdelivery' }),
      rec('e9', { revision: 'two' }),
      rec('e1', { revision: 1, correctionReason: 'invalid_traffic', spendMicros: 1 * EUR }), // same again: duplicate
    ]);
    expect(res).toMatchObject({ accepted: 1, corrected: 2, duplicates: 2, stale: 1 });
    expect(res.rejected.map((r) => [r.index, r.eventId, r.reason])).toEqual([
      [2, 'e3', 'conflicting_revision'],
      [3, 'e4', 'correction_changes_identity'],
      [7, 'e7', 'negative_number'],
      [8, 'e8', 'malformed'],
      [9, 'e9', 'malformed'],
    ]);
    const ev = await eventFigures(f.h.id);
    expect(ev.e1).toMatchObject({ spend: String(1 * EUR), cur: String(1 * EUR), rev: 1 });
    expect(ev.e5).toMatchObject({ spend: String(4 * EUR), cur: String(4 * EUR), rev: 2 });
    expect(ev.e6).toMatchObject({ spend: String(2.5 * EUR), rev: 3 });
    expect(ev.e3).toMatchObject({ spend: String(2.5 * EUR), rev: 0 });
    // the first version of an event again, after its correction: stale, counted
    expect(await ingest(f.h.id, [rec('e1'), rec('e5', { revision: 1 })])).toMatchObject({
      stale: 2,
      accepted: 0,
      corrected: 0,
    });
    const [batch] = await spend.recentBatches(t.db, f.h.id, 1);
    expect(batch).toMatchObject({ stale: 2 });
    const [restated] = (await spend.recentBatches(t.db, f.h.id, 3)).slice(1);
    expect(restated).toMatchObject({ corrected: 2, stale: 1, duplicates: 2, rejected: 5 });
  });

  it("refuses a correction older than the root's window, and keeps the first attribution when the seat moved since", async () => {
    const f = await spendFixture(t.db);
    await ingest(f.h.id, [rec('w1'), rec('w2')]);
    // S1 moves from C1 to C2 afterwards: a correction of C1's record stays C1's
    const s1 = (await seats.findSeat(t.db, f.s1.id))!;
    await t.db.transaction().execute((trx) => seats.moveSeat(trx, s1, f.c2, hoursAfter(30), f.u.id));
    const later = hoursAfter(25 + 24 * 61);
    const res = await ingest(f.h.id, [rec('w1', { revision: 1, spendMicros: 1 })], later);
    expect(res.rejected.map((r) => r.reason)).toEqual(['correction_window_closed']);
    await sql`insert into spend_settings (root_id, correction_window_days) values (${f.h.id}, 90)`.execute(t.db);
    expect(await ingest(f.h.id, [rec('w1', { revision: 1, spendMicros: 1 })], later)).toMatchObject({ corrected: 1 });
    const rows = await sql<{ client_id: string; n: string }>`
      select client_id, count(*)::text as n from spend_records where event_id = 'w1' group by 1`.execute(t.db);
    expect(rows.rows).toEqual([{ client_id: f.c1.id, n: '2' }]);
  });

  it('applies each difference once to the aggregates of the original hour and day and to the credits', async () => {
    const f = await spendFixture(t.db);
    await credit(t.db, f.c1.id, BigInt(10 * EUR));
    await ingest(f.h.id, [rec('c1'), rec('c2'), rec('c3')]);
    await rollAll(f.h.id);
    expect((await invariant(f.c1.id)).balance).toBe(BigInt(2.5 * EUR));
    // the restated file: c1 was invalid traffic (credit 2.5), c2 cost 6 (+3.5): net +1
    const restated = [
      rec('c1', { revision: 1, correctionReason: 'invalid_traffic', impressions: 0, clicks: 0, spendMicros: 0 }),
      rec('c2', { revision: 1, spendMicros: 6 * EUR }),
      rec('c3'),
    ];
    expect(await ingest(f.h.id, restated)).toMatchObject({ corrected: 2, duplicates: 1 });
    const [unit] = await rollAll(f.h.id);
    expect(unit).toMatchObject({ clientsCorrected: 1, corrections: 2, clientsDebited: 0 });
    expect((await invariant(f.c1.id)).balance).toBe(BigInt(1.5 * EUR));
    const [entry] = await credits.listEntries(t.db, { rootId: f.h.id, clientId: f.c1.id }, { limit: 1 });
    expect(entry).toMatchObject({ kind: 'spend_correction', amountMicros: BigInt(-1 * EUR), overageMicros: 0n });
    expect(entry!.detail!.reasons).toEqual([
      {
        reason: 'invalid_traffic',
        events: 1,
        firstDay: '2026-03-02',
        lastDay: '2026-03-02',
        micros: String(-2.5 * EUR),
      },
      { reason: 'restatement', events: 1, firstDay: '2026-03-02', lastDay: '2026-03-02', micros: String(3.5 * EUR) },
    ]);
    // the original hour and day show the corrected figures, with the correction beside them, at every level
    const hourly = await sql<{ spend: string; cor: string; imp: string }>`
      select sum(spend_micros)::text as spend, sum(correction_micros)::text as cor, sum(impressions)::text as imp
      from spend_hourly where root_id = ${f.h.id}::uuid and hour = ${hoursAfter(25)}`.execute(t.db);
    expect(hourly.rows[0]).toEqual({ spend: String(8.5 * EUR), cor: String(1 * EUR), imp: '200' });
    const daily = await sql<{ viewer_id: string; spend: string; cor: string }>`
      select viewer_id, sum(spend_micros)::text as spend, sum(correction_micros)::text as cor
      from spend_daily where root_id = ${f.h.id}::uuid and day = '2026-03-02' group by 1 order by 1`.execute(t.db);
    expect(daily.rows.map((r) => [r.spend, r.cor])).toEqual([
      [String(8.5 * EUR), String(1 * EUR)],
      [String(8.5 * EUR), String(1 * EUR)],
    ]);
    const audit = await sql<{ entity_id: string }>`
      select entity_id from audit_entries where action = 'credits.spend_correction'`.execute(t.db);
    const [batch] = await spend.recentBatches(t.db, f.h.id, 1);
    expect(audit.rows).toEqual([{ entity_id: batch!.id }]);
    // the restated file again changes nothing
    expect(await ingest(f.h.id, restated)).toMatchObject({ corrected: 0, duplicates: 3 });
    expect(await rollAll(f.h.id)).toEqual([]);
    expect((await invariant(f.c1.id)).balance).toBe(BigInt(1.5 * EUR));
  });

  it('debits a higher figure into overage and pauses; a credit pays the overage off first', async () => {
    const f = await spendFixture(t.db);
    await credit(t.db, f.c1.id, BigInt(3 * EUR));
    await ingest(f.h.id, [rec('o1', { campaignId: f.k1.id })]);
    await rollAll(f.h.id);
    await ingest(f.h.id, [rec('o1', { campaignId: f.k1.id, revision: 1, spendMicros: 5.5 * EUR })]);
    await rollAll(f.h.id);
    const a = (await credits.findCreditAccount(t.db, f.c1.id))!;
    expect([a.balanceMicros, a.overageMicros]).toEqual([0n, BigInt(2.5 * EUR)]);
    const k1 = await sql<{ status: string }>`select status from campaigns where id = ${f.k1.id}`.execute(t.db);
    expect(k1.rows[0]!.status).toBe('paused');
    await invariant(f.c1.id);
    // invalid traffic: back to 1 EUR, a credit of 4.5 pays off the 2.5 of overage, then 2 to the balance
    await ingest(f.h.id, [
      rec('o1', { campaignId: f.k1.id, revision: 2, correctionReason: 'invalid_traffic', spendMicros: 1 * EUR }),
    ]);
    await rollAll(f.h.id);
    const b = (await credits.findCreditAccount(t.db, f.c1.id))!;
    expect([b.balanceMicros, b.overageMicros]).toEqual([BigInt(2 * EUR), 0n]);
    const [entry] = await credits.listEntries(t.db, { rootId: f.h.id, clientId: f.c1.id }, { limit: 1 });
    expect(entry).toMatchObject({ amountMicros: BigInt(2 * EUR), overageMicros: BigInt(-2.5 * EUR) });
    expect((await invariant(f.c1.id)).attributed).toBe(BigInt(1 * EUR));
  });

  it('two batches carrying revisions 1 and 2 of the same events at once end with revision 2, each difference once', async () => {
    const f = await spendFixture(t.db);
    const ids = Array.from({ length: 200 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    await ingest(
      f.h.id,
      ids.map((e) => rec(e)),
    );
    for (let round = 0; round < 4; round++) {
      const r1 = ids.map((e) => rec(e, { revision: 2 * round + 1, spendMicros: 1000 + round }));
      const r2 = ids.map((e) => rec(e, { revision: 2 * round + 2, spendMicros: 2000 + round }));
      const [a, b] = await Promise.all(
        round % 2 ? [ingest(f.h.id, r2), ingest(f.h.id, r1)] : [ingest(f.h.id, r1), ingest(f.h.id, r2)],
      );
      const all = [a, b];
      expect(all.reduce((n, x) => n + x.corrected + x.stale, 0)).toBe(400);
      expect(all.every((x) => x.rejected.length === 0)).toBe(true);
      const ev = await eventFigures(f.h.id);
      for (const e of ids) expect(ev[e]).toMatchObject({ spend: String(2000 + round), rev: 2 * round + 2 });
    }
    // a new event and its correction at once: whichever commits first, the correction wins, once
    for (let round = 0; round < 4; round++) {
      const fresh = ids.map((e) => `${e}-new-${round}`);
      const r0 = fresh.map((e) => rec(e, { spendMicros: 500 }));
      const r1 = fresh.map((e) => rec(e, { revision: 1, spendMicros: 700 }));
      const [a, b] = await Promise.all(
        round % 2 ? [ingest(f.h.id, r1), ingest(f.h.id, r0)] : [ingest(f.h.id, r0), ingest(f.h.id, r1)],
      );
      expect(a.accepted + b.accepted).toBe(200);
      expect(a.accepted + a.corrected + a.stale + b.accepted + b.corrected + b.stale).toBe(400);
      const ev = await eventFigures(f.h.id);
      for (const e of fresh) expect(ev[e]).toMatchObject({ spend: '700', rev: 1 });
    }
    await rollAll(f.h.id);
    const h = await sql<{ spend: string }>`
      select sum(spend_micros)::text as spend from spend_hourly where root_id = ${f.h.id}::uuid`.execute(t.db);
    expect(h.rows[0]!.spend).toBe(String(200 * 2003 + 4 * 200 * 700));
    await invariant(f.c1.id);
  }, 60_000);
});
