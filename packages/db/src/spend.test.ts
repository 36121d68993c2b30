import { sql, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as m0011 from './migrations/20261126_0011_spend_partials';
import * as spend from './repos/spend';
import { useTestDatabase } from './testing';
import { hoursAfter, spendFixture } from './testing/spend-fixture';

const t = useTestDatabase();

const rec = (over: Record<string, unknown> = {}) => ({
  eventId: `e-${Math.random().toString(36).slice(2)}`,
  occurredAt: hoursAfter(5).toISOString(),
  dsp: 'dv360',
  seatId: 'S1',
  dealId: null,
  auctionType: 'open_auction',
  campaignId: null,
  impressions: 100,
  clicks: 3,
  spendMicros: '2500000',
  currency: 'EUR',
  ...over,
});

async function ingest(rootId: string, records: unknown[]) {
  return t.db.transaction().execute((trx) => spend.ingestBatch(trx, { rootId, records }));
}

describe('spend ingestion plans (a root’s first file, planned while its tables are empty)', () => {
  const cond = (n: Record<string, unknown>) => (typeof n['Index Cond'] === 'string' ? n['Index Cond'] : '');
  /** Every scan of `relation` (or its partitions) in an EXPLAIN (FORMAT JSON) plan. */
  const reads = (plan: unknown, relation: string): Record<string, unknown>[] => {
    const out: Record<string, unknown>[] = [];
    const walk = (n: Record<string, unknown>) => {
      const scan = String(n['Node Type']).includes('Scan');
      if (scan && typeof n['Relation Name'] === 'string' && n['Relation Name'].startsWith(relation)) out.push(n);
      for (const c of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c);
    };
    walk(plan as Record<string, unknown>);
    return out;
  };

  it('looks each candidate up by its key: never a scan of the stored events, whatever the planner believes', async () => {
    const f = await spendFixture(t.db);
    await t.db.transaction().execute(async (trx) => {
      const exec = spend.trxExec(trx);
      await exec(spend.createStagingTable());
      await exec(spend.stageJson(Array.from({ length: 2000 }, (_, i) => rec({ eventId: `plan-${i}` }))));
      await exec(sql`analyze ${sql.id(spend.STAGING_TABLE)}`.compile(spend.compiler));
      await exec(spend.createJudgedTable());
      const q = spend.judgeStatement(f.h.id).compile(spend.compiler);
      const [row] = await exec<{ 'QUERY PLAN': [{ Plan: unknown }] }>({
        ...q,
        sql: `explain (format json) ${q.sql}`,
      });
      const events = reads(row!['QUERY PLAN'][0].Plan, 'spend_event_ids');
      expect(events.length).toBeGreaterThan(0);
      // a scan on the root alone, rescanned per candidate, read the rows another connection was inserting once per
      // candidate: 50,000 x 100,000 tuples for minutes
      for (const n of events) expect(cond(n)).toContain('event_id');

      // the store statement finds a difference's first record by its key; the settle statement its event
      await exec(q);
      await exec(sql`analyze ${sql.id(spend.JUDGED_TABLE)}`.compile(spend.compiler));
      const explain = async (s: CompiledQuery) => {
        const [r] = await exec<{ 'QUERY PLAN': [{ Plan: unknown }] }>({ ...s, sql: `explain (format json) ${s.sql}` });
        return r!['QUERY PLAN'][0].Plan;
      };
      const store = await explain(spend.storeStatement(f.h.id, f.h.id).compile(spend.compiler));
      const records = reads(store, 'spend_records');
      expect(records.length).toBeGreaterThan(0);
      for (const n of records) expect(cond(n)).toContain('seq');
      const settle = await explain(spend.settleStatement(f.h.id).compile(spend.compiler));
      for (const n of reads(settle, 'spend_event_ids')) expect(cond(n)).toContain('event_id');
    });
  });
});

describe('spend ingestion (shared by the API and the CLI)', () => {
  it('attributes by the seat mapping in force at occurredAt, and a campaign to its client', async () => {
    const f = await spendFixture(t.db);
    const res = await ingest(f.h.id, [
      rec({ eventId: 'h', occurredAt: hoursAfter(5).toISOString() }),
      rec({ eventId: 'a', occurredAt: hoursAfter(10).toISOString() }),
      rec({ eventId: 'c1', occurredAt: hoursAfter(25).toISOString() }),
      rec({ eventId: 'k2', occurredAt: hoursAfter(12).toISOString(), campaignId: f.k2.id }),
      rec({
        eventId: 'deal',
        occurredAt: hoursAfter(25).toISOString(),
        dealId: 'DEAL-A',
        auctionType: 'private_auction',
      }),
    ]);
    expect(res).toMatchObject({ accepted: 5, duplicates: 0, rejected: [] });
    const rows = await sql<{ event_id: string; account_id: string; client_id: string | null; deal_id: string | null }>`
      select event_id, account_id, client_id, deal_id from spend_records order by event_id`.execute(t.db);
    const by = Object.fromEntries(rows.rows.map((r) => [r.event_id, r]));
    expect(by.h).toMatchObject({ account_id: f.h.id, client_id: null });
    expect(by.a).toMatchObject({ account_id: f.a.id, client_id: null });
    expect(by.c1).toMatchObject({ account_id: f.c1.id, client_id: f.c1.id });
    expect(by.k2).toMatchObject({ account_id: f.c2.id, client_id: f.c2.id });
    expect(by.deal).toMatchObject({ account_id: f.c1.id, deal_id: f.deal.id });
  });

  it('rejects each bad record with its index and reason, and stores the good neighbours', async () => {
    const f = await spendFixture(t.db);
    const cases: [string, unknown][] = [
      ['malformed', rec({ occurredAt: 'yesterday' })],
      ['malformed', rec({ occurredAt: '2026-02-30T00:00:00Z' })],
      ['malformed', rec({ impressions: 'many' })],
      ['malformed', rec({ auctionType: 'first_price' })],
      ['malformed', 'not a record'],
      ['malformed', rec({ eventId: '' })],
      ['negative_number', rec({ spendMicros: -1 })],
      ['clicks_above_impressions', rec({ impressions: 2, clicks: 3 })],
      ['unknown_seat', rec({ seatId: 'NOPE' })],
      ['unknown_seat', rec({ seatId: 'X1' })], // a seat of another holding reads as unknown
      ['seat_not_mapped', rec({ occurredAt: hoursAfter(-48).toISOString() })],
      ['deal_not_usable', rec({ dealId: 'NOPE', auctionType: 'private_auction' })],
      [
        'deal_not_usable',
        rec({ occurredAt: hoursAfter(5).toISOString(), dealId: 'DEAL-A', auctionType: 'private_auction' }),
      ], // seat at H then: A's deal is not H's
      ['campaign_not_covered', rec({ occurredAt: hoursAfter(25).toISOString(), campaignId: f.k2.id })], // seat at C1, campaign of C2
      ['campaign_not_covered', rec({ campaignId: '00000000-0000-4000-8000-000000000000' })],
      ['currency_mismatch', rec({ currency: 'USD' })],
    ];
    const good = [rec({ eventId: 'good-1' }), rec({ eventId: 'good-2', dsp: 'ttd', seatId: 'S2' })];
    const batch = [good[0], ...cases.map((c) => c[1]), good[1]];
    const res = await ingest(f.h.id, batch);
    expect(res.accepted).toBe(2);
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual(cases.map((c, i) => [i + 1, c[0]]));
    const n = await sql<{ n: string }>`select count(*)::text as n from spend_records`.execute(t.db);
    expect(n.rows[0]!.n).toBe('2');
    const batches = await spend.recentBatches(t.db, f.h.id);
    expect(batches[0]).toMatchObject({
      records: cases.length + 2,
      accepted: 2,
      rejected: cases.length,
      reasons: { malformed: 6, unknown_seat: 2 },
    });
  });

  it('counts a repeated event id as a duplicate, within a batch and across batches, and stores it once', async () => {
    const f = await spendFixture(t.db);
    expect(await ingest(f.h.id, [rec({ eventId: 'x' }), rec({ eventId: 'x' }), rec({ eventId: 'y' })])).toMatchObject({
      accepted: 2,
      duplicates: 1,
    });
    expect(await ingest(f.h.id, [rec({ eventId: 'x' }), rec({ eventId: 'z' })])).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    // the same event id in another holding is that holding's own
    expect(await ingest(f.x.id, [rec({ eventId: 'x', seatId: 'X1' })])).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('stores a batch sent twice at once exactly once', async () => {
    const f = await spendFixture(t.db);
    const batch = Array.from({ length: 2000 }, (_, i) => rec({ eventId: `ev-${i}` }));
    const [a, b] = await Promise.all([ingest(f.h.id, batch), ingest(f.h.id, [...batch].reverse())]);
    expect(a.accepted + b.accepted).toBe(2000);
    expect(a.duplicates + b.duplicates).toBe(2000);
    const n = await sql<{ n: string }>`select count(*)::text as n from spend_records`.execute(t.db);
    expect(n.rows[0]!.n).toBe('2000');
  });

  it('refuses to update or delete a raw record', async () => {
    const f = await spendFixture(t.db);
    await ingest(f.h.id, [rec()]);
    await expect(sql`update spend_records set spend_micros = 0`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from spend_records`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});

describe('partial aggregates (migration 0011)', () => {
  it('writes per hour and batch the sums the rollup needs, with the sums before minute 15, 30 and 45', async () => {
    const f = await spendFixture(t.db);
    const at = (min: number) => new Date(hoursAfter(5).getTime() + min * 60_000).toISOString();
    await ingest(
      f.h.id,
      [0, 14, 15, 29, 44, 45, 59, 60].map((m, i) =>
        rec({ occurredAt: at(m), impressions: 10 + i, clicks: i, spendMicros: String(1000 * (i + 1)) }),
      ),
    );
    const rows = await sql<Record<string, string>>`
      select hour, impressions::text, clicks::text, spend_micros::text, records::text, imp_15::text, imp_30::text, imp_45::text,
        clk_15::text, spd_30::text, rec_15::text, rec_30::text, rec_45::text
      from spend_partials order by hour`.execute(t.db);
    expect(rows.rows).toEqual([
      // minutes 0, 14 | 15, 29 | 44 | 45, 59 of hour 5 (impressions 10..16, clicks 0..6, spend 1000..7000)
      {
        hour: hoursAfter(5),
        impressions: '91',
        clicks: '21',
        spend_micros: '28000',
        records: '7',
        imp_15: '21',
        imp_30: '46',
        imp_45: '60',
        clk_15: '1',
        spd_30: '10000',
        rec_15: '2',
        rec_30: '4',
        rec_45: '5',
      },
      {
        hour: hoursAfter(6),
        impressions: '17',
        clicks: '7',
        spend_micros: '8000',
        records: '1',
        imp_15: '17',
        imp_30: '17',
        imp_45: '17',
        clk_15: '7',
        spd_30: '8000',
        rec_15: '1',
        rec_30: '1',
        rec_45: '1',
      },
    ]);
  });

  it('the migration gives the records not rolled up yet their partials, and none to those rolled up', async () => {
    const f = await spendFixture(t.db);
    await ingest(f.h.id, [
      rec({ occurredAt: hoursAfter(5).toISOString() }),
      rec({ occurredAt: hoursAfter(6).toISOString() }),
    ]);
    await t.db.transaction().execute(async (trx) => {
      const claim = (await spend.claimRoot(trx, f.h.id))!;
      await spend.rollupRange(trx, f.h.id, claim.rolledSeq, await spend.safeHighSeq(t.db, f.h.id), null);
    });
    await ingest(f.h.id, [
      rec({ occurredAt: hoursAfter(7).toISOString(), impressions: 7 }),
      rec({ occurredAt: hoursAfter(7.5).toISOString(), impressions: 8 }),
    ]);
    const before = (
      await sql<
        Record<string, unknown>
      >`select hour, impressions, records, imp_30, imp_45 from spend_partials order by seq`.execute(t.db)
    ).rows;
    await sql`drop table spend_partials`.execute(t.db);
    await m0011.up(t.db);
    const after = (
      await sql<
        Record<string, unknown>
      >`select hour, impressions, records, imp_30, imp_45 from spend_partials order by seq`.execute(t.db)
    ).rows;
    expect(after).toEqual(before.slice(2));
    expect(after).toEqual([{ hour: hoursAfter(7), impressions: '15', records: '2', imp_30: '7', imp_45: '15' }]);
  });
});
