import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { backfill } from './migrations/20261126_0009_report_aggregates';
import * as spend from './repos/spend';
import { hoursAfter, spendFixture, useTestDatabase } from './testing';

const t = useTestDatabase();

const snapshot = async () =>
  (
    await sql<Record<string, string>>`
      select viewer_id, day::text, child_id, dsp, auction_type, currency,
        impressions::text, clicks::text, spend_micros::text, records::text
      from spend_daily order by 1, 2, 3, 4, 5, 6`.execute(t.db)
  ).rows;

describe('spend_daily', () => {
  it(
    'the migration fills it from the records already rolled up exactly as the rollup writes it, ' +
      'and leaves the unrolled ones to the rollup',
    async () => {
      const f = await spendFixture(t.db, { H: 'Asia/Kolkata', A: 'America/St_Johns' });
      const rec = (i: number, h: number, seatId: string, campaignId: string | null = null) => ({
        eventId: `e${i}`,
        occurredAt: hoursAfter(h).toISOString(),
        dsp: seatId === 'S1' ? 'dv360' : 'ttd',
        seatId,
        auctionType: 'open_auction',
        campaignId,
        impressions: 100 + i,
        clicks: i % 3,
        spendMicros: 1000 * (i + 1),
        currency: 'EUR',
      });
      const records = [0.2, 1.5, 5.6, 11, 18.25, 19.9, 21, 23.5, 30].flatMap((h, i) => [
        rec(3 * i, h, 'S1'),
        rec(3 * i + 1, h, 'S2'),
        rec(3 * i + 2, h, 'S2', f.k2.id),
      ]);
      await t.db
        .transaction()
        .execute((trx) => spend.ingestBatch(trx, { rootId: f.h.id, records: records.slice(0, 20) }));
      const rollAll = () =>
        t.db.transaction().execute(async (trx) => {
          const claim = await spend.claimRoot(trx, f.h.id);
          if (!claim) return;
          await spend.rollupRange(trx, f.h.id, claim.rolledSeq, await spend.safeHighSeq(t.db, f.h.id), new Date());
        });
      await rollAll();
      await t.db.transaction().execute((trx) => spend.ingestBatch(trx, { rootId: f.h.id, records: records.slice(20) }));
      const rolled = await snapshot();
      expect(rolled.length).toBeGreaterThan(0);
      await sql`delete from spend_daily`.execute(t.db);
      await t.db.transaction().execute((trx) => backfill(trx));
      expect(await snapshot()).toEqual(rolled);
      // what was not rolled up yet comes with the next rollup, once
      await rollAll();
      const all = await snapshot();
      await sql`delete from spend_daily`.execute(t.db);
      await t.db.transaction().execute((trx) => backfill(trx));
      expect(await snapshot()).toEqual(all);
      const sums = await sql<{ raw: string; daily: string }>`
        select (select sum(spend_micros) from spend_records)::text as raw,
          (select sum(spend_micros) from spend_daily where viewer_id = ${f.h.id}::uuid)::text as daily`.execute(t.db);
      expect(sums.rows[0]!.daily).toBe(sums.rows[0]!.raw);
    },
  );
});
