import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sessions, spend } from '@trellis/db';
import { hoursAfter, spendFixture, useTestDatabase } from '@trellis/db/testing';
import { housekeeping } from './housekeeping';
import { partitions } from './partitions';
import { rollup } from './rollup';

const t = useTestDatabase();
const DAY = 86_400_000;

describe('housekeeping', () => {
  it('purges expired sessions and day-old sign-in counters, and expires requests unanswered for 14 days', async () => {
    const f = await spendFixture(t.db);
    const now = new Date('2026-06-01T12:00:00Z');
    await sessions.insertSession(t.db, { tokenHash: 'old', userId: f.u.id, expiresAt: new Date(now.getTime() - 1) });
    await sessions.insertSession(t.db, { tokenHash: 'live', userId: f.u.id, expiresAt: new Date(now.getTime() + DAY) });
    await sql`insert into sign_in_counters (key, window_start, attempts)
      values ('a', ${new Date(now.getTime() - 2 * DAY)}, 3), ('b', ${new Date(now.getTime() - 60_000)}, 2)`.execute(
      t.db,
    );
    const request = (at: Date) =>
      sql`insert into connections (id, root_id, client_id, agency_id, state, origin, requested_by_side, requested_at)
          values (${randomUUID()}, ${f.h.id}, ${f.c1.id}, ${f.a.id}, 'requested', 'request', 'agency', ${at})`.execute(
        t.db,
      );
    await request(new Date(now.getTime() - 14 * DAY - 1));
    expect(await housekeeping(t.db, () => now)).toEqual({
      sessions: 1,
      signInFailures: 1,
      connectionsExpired: 1,
      partialsPurged: 0,
    });
    expect(
      (await sql<{ token_hash: string }>`select token_hash from sessions`.execute(t.db)).rows.map((r) => r.token_hash),
    ).toEqual(['live']);
    expect((await sql<{ key: string }>`select key from sign_in_counters`.execute(t.db)).rows.map((r) => r.key)).toEqual(
      ['b'],
    );
    await sql`delete from connections`.execute(t.db);
    await request(new Date(now.getTime() - 14 * DAY + 60_000));
    expect(await housekeeping(t.db, () => now)).toEqual({
      sessions: 0,
      signInFailures: 0,
      connectionsExpired: 0,
      partialsPurged: 0,
    });
  });

  it('purges the partial aggregates the rollup has summed, and keeps those still pending and every raw record', async () => {
    const f = await spendFixture(t.db);
    const batch = (ids: string[]) =>
      t.db.transaction().execute((trx) =>
        spend.ingestBatch(trx, {
          rootId: f.h.id,
          records: ids.map((eventId, i) => ({
            eventId,
            occurredAt: hoursAfter(30 + i).toISOString(),
            dsp: 'ttd',
            seatId: 'S2',
            dealId: null,
            auctionType: 'open_auction',
            campaignId: null,
            impressions: 10,
            clicks: 1,
            spendMicros: 100,
            currency: 'EUR',
          })),
        }),
      );
    const partials = async () =>
      Number((await sql<{ n: string }>`select count(*)::text as n from spend_partials`.execute(t.db)).rows[0]!.n);
    await batch(['a', 'b', 'c']);
    expect(await partials()).toBe(3);
    expect(await rollup(t.db, () => hoursAfter(40))).toMatchObject({ records: 3 });
    await batch(['d', 'e']);
    expect(await housekeeping(t.db, () => hoursAfter(40))).toMatchObject({ partialsPurged: 3 });
    expect(await partials()).toBe(2);
    expect(await spend.status(t.db, f.h.id, hoursAfter(40))).toMatchObject({ pendingRecords: 2 });
    expect(await rollup(t.db, () => hoursAfter(40))).toMatchObject({ records: 2 });
    expect((await sql<{ n: string }>`select count(*)::text as n from spend_records`.execute(t.db)).rows[0]!.n).toBe(
      '5',
    );
  });

  it('creates the monthly partitions of raw spend ahead, once', async () => {
    const now = new Date('2031-01-15T00:00:00Z');
    const first = await partitions(t.db, () => now);
    expect(first.created).toEqual([
      'spend_records_2030_12',
      'spend_records_2031_01',
      'spend_records_2031_02',
      'spend_records_2031_03',
      'spend_records_2031_04',
    ]);
    expect((await partitions(t.db, () => now)).created).toEqual([]);
  });
});
