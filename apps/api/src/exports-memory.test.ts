import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { startApiProcess, type ApiProcess } from './api-process';
import { grant } from './testing';
import { person, T0, type Person } from './testing/report-world';

/**
 * The CSV export of 1,000,000 rows from the api process (main.ts, as the product runs it): it streams with
 * back-pressure (a client that stops reading stops PostgreSQL's COPY, so nothing piles up in the api), in bounded
 * memory, and every row arrives.
 */
const t = useTestDatabase({ resetEach: false });
const SEATS = 1000;
const HOURS = 1000;
let admin: Person;
let holdingId: string;
let api: ApiProcess;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const op = await person(t.db, 'op@trellis.test', { platformOperator: true });
  const H = await (await op.at(0)).accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
  holdingId = H.id;
  admin = await person(t.db, 'admin@x.test');
  await grant(t.db, admin.userId, H, 'admin');
  // 1,000 seats with long names and an hour of spend on each for 1,000 hours: a million rows of hour x seat
  await sql`
    insert into seats (id, root_id, dsp, external_id, name, linked_by_account_id, created_at)
    select gen_random_uuid(), ${H.id}::uuid, 'dv360', 'S-' || g, 'Seat ' || g || repeat(' of a rather long display name', 3),
      ${H.id}::uuid, ${new Date(T0)}::timestamptz
    from generate_series(1, ${SEATS}::int) g`.execute(t.db);
  await sql`
    insert into spend_hourly (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
      client_id, impressions, clicks, spend_micros, records)
    select ${H.id}::uuid, ${H.id}::uuid, ${new Date(T0)}::timestamptz + h * interval '1 hour', 'dv360', s.id, null,
      'open_auction', null, 'EUR', null,
      1000 + h, h % 13, 1234567 + h * 7919, 1
    from generate_series(0, ${HOURS - 1}::int) h cross join seats s where s.root_id = ${H.id}::uuid`.execute(t.db);
  await sql`analyze spend_hourly`.execute(t.db);
  api = await startApiProcess({ DATABASE_URL: t.url, TRELLIS_LOG_LEVEL: 'warn', TRELLIS_DEMO: '0' });
}, 180_000);
afterAll(() => api?.stop());

describe('the CSV export of a million rows', () => {
  it(
    'stops PostgreSQL while the client stops reading, stays within bounded memory, and delivers every row',
    { timeout: 240_000 },
    async () => {
      const from = new Date(T0).toISOString().slice(0, 10);
      const to = new Date(T0 + (HOURS - 1) * 3_600_000).toISOString().slice(0, 10);
      const input = JSON.stringify({ accountId: holdingId, from, to, groupBy: ['hour', 'seat'] });
      const rss0 = rssKb(api.pid);
      let peak = rss0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKb(api.pid))), 50);
      const res = await fetch(`${api.base}/exports/report.csv?${new URLSearchParams({ input }).toString()}`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      expect(res.status, api.output()).toBe(200);
      const reader = res.body!.getReader();
      let bytes = 0;
      let lines = 0;
      const read = async () => {
        const { done, value } = await reader.read();
        if (value) {
          bytes += value.length;
          for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
        }
        return !done;
      };
      await read();
      // the client stops reading: COPY must stall far short of the million rows (it fills the buffers and waits)
      const copied = async () => {
        const r = await sql<{
          n: string | null;
        }>`select max(tuples_processed)::text as n from pg_stat_progress_copy where command = 'COPY TO'`.execute(t.db);
        return r.rows[0]?.n === null || r.rows[0]?.n === undefined ? null : Number(r.rows[0].n);
      };
      for (const until = Date.now() + 60_000; (await copied()) === null && Date.now() < until;) await sleep(100);
      // wait until COPY stands still (two readings a second apart agree), however loaded the machine
      let stalled = await copied();
      for (const until = Date.now() + 30_000; Date.now() < until;) {
        await sleep(1000);
        const next = await copied();
        if (next === stalled) break;
        stalled = next;
      }
      // it stood still far short of the million rows (null: no COPY left running, it sent everything into the api)
      expect(stalled ?? Infinity).toBeLessThan((SEATS * HOURS) / 4);
      while (await read()) {
        /* drain */
      }
      clearInterval(sampler);
      expect(lines).toBe(SEATS * HOURS + 1);
      // the export (~190 MB) is far bigger than what the api's memory grew by (~25 MB measured)
      expect(bytes).toBeGreaterThan(150 * 1024 * 1024);
      expect((peak - rss0) / 1024).toBeLessThan(100);
    },
  );
});
