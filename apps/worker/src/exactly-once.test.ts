import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seats, spend } from '@trellis/db';
import { createTestDatabase, hoursAfter, spendFixture, tsNode, type TestDatabase } from '@trellis/db/testing';

/**
 * Exactly once, with real processes: two worker processes roll up while 210,000 records (duplicates, late records,
 * seat moves in between) arrive in two holdings; one worker is killed with SIGKILL inside a rollup transaction and
 * started again. Afterwards raw spend = rollups = ledger spend + overage, per client and in total.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const main = path.resolve(import.meta.dirname, 'main.ts');

function startWorker(name: string) {
  const child = spawn(...tsNode(main), {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      TRELLIS_WORKER_NAME: name,
      TRELLIS_WORKER_POLL_MS: '50',
      TRELLIS_WORKER_MAX_RANGE: '7000',
      TRELLIS_WORKER_HEARTBEAT_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('exactly once with real processes', () => {
  it('counts every record once through two workers, a kill -9 mid-range and a restart', async () => {
    const f = await spendFixture(t.db);
    const BATCHES = 21;
    const PER = 10_000;
    let a = startWorker('trellis-worker-a');
    const b = startWorker('trellis-worker-b');
    let killedInTransaction = false;
    let n = 0;
    let clock = 30;
    for (let i = 0; i < BATCHES; i++) {
      clock += 1;
      if (i % 4 === 3) {
        // move seat S2 between A and C2: records before the move keep their attribution
        const seat = (await seats.findSeat(t.db, f.s2.id))!;
        const to = seat.holderAccountId === f.a.id ? { id: f.c2.id, level: 3 } : { id: f.a.id, level: 2 };
        await t.db.transaction().execute((trx) => seats.moveSeat(trx, seat, to, hoursAfter(clock), f.u.id));
      }
      const records = Array.from({ length: PER }, (_, j) => {
        const k = n++;
        // 2.5% repeat an event of the previous batch as it was (duplicates), 5% restate one (SPEC 13: corrections,
        // half of them invalid-traffic credits, after seat moves too); a record's fields come from its own batch's clock
        // (an odd batch takes other rows than an even one: each repeats a row the previous batch stored as new)
        const sh = i % 2 ? 5 : 0;
        const again = k >= PER && (j + 4 * sh) % 40 === 0;
        const restate =
          k >= PER && (j + sh) % 20 === 10 ? ((j + sh) % 40 === 10 ? 'invalid_traffic' : 'restatement') : null;
        const id = again || restate ? k - PER : k;
        const late = j % 7 === 0; // an old hour, arriving now
        const seat = j % 3 === 0 ? 'S1' : j % 3 === 1 ? 'S2' : 'X1';
        const at = hoursAfter(late ? 21 + (j % 5) : (again || restate ? clock - 1 : clock) - (j % 50) / 60);
        const first = 1000 + ((id * 7919) % 100_000);
        return {
          eventId: `ev-${id}`,
          ...(restate ? { revision: 1 + (i % 3), correctionReason: restate } : {}),
          occurredAt: at.toISOString(),
          dsp: seat === 'S2' ? 'ttd' : 'dv360',
          seatId: seat,
          dealId: null,
          auctionType: 'open_auction',
          campaignId: seat === 'S2' && j % 2 === 0 ? f.k2.id : null,
          impressions: 100 + (j % 13),
          clicks: j % 11,
          spendMicros: restate === 'invalid_traffic' ? 0 : restate ? first + 500 * (i % 3) : first,
          currency: 'EUR',
        };
      });
      // the receiving clock of the batch: corrections of March's records are inside the root's window then
      const now = hoursAfter(clock + 1);
      // X1 belongs to holding X: those go there, the rest to H (records of the other holding are rejected)
      await t.db
        .transaction()
        .execute((trx) =>
          spend.ingestBatch(trx, { rootId: f.h.id, records: records.filter((r) => r.seatId !== 'X1'), now }),
        );
      await t.db
        .transaction()
        .execute((trx) =>
          spend.ingestBatch(trx, { rootId: f.x.id, records: records.filter((r) => r.seatId === 'X1'), now }),
        );
      if (i === 10) {
        // wait until worker a is inside a rollup transaction, then kill -9 it there
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && !killedInTransaction) {
          const r = await sql<{ n: string }>`
            select count(*)::text as n from pg_stat_activity
            where application_name = 'trellis-worker-a' and xact_start is not null and state <> 'idle'
              and query ~ '(spend_hourly|spend_records|credit|spend_watermarks|advisory)'`.execute(t.db);
          if (r.rows[0]!.n !== '0') {
            process.kill(-a.child.pid!, 'SIGKILL');
            killedInTransaction = true;
          } else await sleep(2);
        }
        await a.exited;
        a = startWorker('trellis-worker-a');
      }
    }
    expect(killedInTransaction).toBe(true);

    // wait until both roots are rolled up
    const deadline = Date.now() + 120_000;
    for (;;) {
      const h = await spend.status(t.db, f.h.id, new Date());
      const x = await spend.status(t.db, f.x.id, new Date());
      if (h.pendingRecords === 0 && x.pendingRecords === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `not rolled up: ${h.pendingRecords} + ${x.pendingRecords} pending\n${a.output()}\n${b.output()}`,
        );
      await sleep(200);
    }
    process.kill(-a.child.pid!, 'SIGTERM');
    process.kill(-b.child.pid!, 'SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.output() + b.output()).toMatch(/rollup \{/);

    const one = async <R>(q: ReturnType<typeof sql<R>>) => (await q.execute(t.db)).rows[0]!;
    const raw = await one(
      sql<{
        n: string;
        spend: string;
        events: string;
        corrections: string;
      }>`select count(*)::text as n, sum(spend_micros)::text as spend,
        count(distinct (root_id, event_id))::text as events,
        count(*) filter (where correction_reason is not null)::text as corrections
        from spend_records`,
    );
    const rolled = await one(
      sql<{
        n: string;
        spend: string;
      }>`select sum(records)::text as n, sum(spend_micros)::text as spend from spend_hourly`,
    );
    expect(Number(raw.n)).toBeGreaterThan(200_000 * 0.9);
    // one first record per event, and a difference per correction applied
    expect(Number(raw.events) + Number(raw.corrections)).toBe(Number(raw.n));
    expect(Number(raw.corrections)).toBeGreaterThan(5000);
    const current = await one(sql<{ spend: string }>`select sum(spend_micros)::text as spend from spend_event_ids`);
    expect(current.spend).toBe(raw.spend);
    expect(rolled).toEqual({ n: raw.n, spend: raw.spend });
    // per attributed account and hour
    const diff = await sql<{ n: string }>`
      select count(*)::text as n from (
        select root_id, account_id, date_trunc('hour', occurred_at, 'UTC') as hour,
          sum(spend_micros) as s, count(*) as c
        from spend_records group by 1, 2, 3
        except select root_id, account_id, hour, sum(spend_micros), sum(records) from spend_hourly group by 1, 2, 3
      ) d`.execute(t.db);
    expect(diff.rows[0]!.n).toBe('0');
    // the daily aggregates: each L1/L2 account holds exactly the records attributed to it or below (no connections
    // here, so no cut), counted once, by its child on the path
    const daily = await sql<{ n: string }>`
      select count(*)::text as n from (
        (select p.ancestor_id, coalesce(ch.ancestor_id, p.ancestor_id), sum(r.spend_micros), count(*) from spend_records r
          join account_paths p on p.descendant_id = r.account_id join accounts v on v.id = p.ancestor_id and v.level < 3
          left join account_paths ch on p.depth > 0 and ch.descendant_id = r.account_id and ch.depth = p.depth - 1
          group by 1, 2
        except select viewer_id, child_id, sum(spend_micros), sum(records) from spend_daily group by 1, 2)
        union all
        (select viewer_id, child_id, sum(spend_micros), sum(records) from spend_daily group by 1, 2
        except select p.ancestor_id, coalesce(ch.ancestor_id, p.ancestor_id), sum(r.spend_micros), count(*) from spend_records r
          join account_paths p on p.descendant_id = r.account_id join accounts v on v.id = p.ancestor_id and v.level < 3
          left join account_paths ch on p.depth > 0 and ch.descendant_id = r.account_id and ch.depth = p.depth - 1
          group by 1, 2)
      ) d`.execute(t.db);
    expect(daily.rows[0]!.n).toBe('0');
    expect(Number((await one(sql<{ n: string }>`select count(*)::text as n from spend_daily`)).n)).toBeGreaterThan(0);
    // per client: raw spend = ledger spend entries + overage, each range debited once
    const perClient = await sql<{ client_id: string; raw: string; ledger: string | null }>`
      select r.client_id, r.raw::text, l.ledger::text from
        (select client_id, sum(spend_micros) as raw from spend_records where client_id is not null group by client_id) r
        left join (
          select client_id, sum(-amount_micros) + sum(overage_micros) as ledger
          from credit_entries where kind in ('spend', 'spend_correction') group by client_id
        ) l using (client_id)`.execute(t.db);
    expect(perClient.rows.length).toBeGreaterThanOrEqual(2);
    for (const r of perClient.rows) expect(r.ledger, `client ${r.client_id}`).toBe(r.raw);
    const refs = await one(
      sql<{
        n: string;
        d: string;
      }>`select count(*)::text as n, count(distinct (client_id, reference))::text as d from credit_entries where kind = 'spend'`,
    );
    expect(refs.n).toBe(refs.d);
    // every debit reference names one spend entry of its client, and the entries cover exactly those references
    const covered = await one(sql<{ refs: string; debits: string; orphans: string }>`
      select (select count(*) from credit_spend_refs where reference not like 'correction:%')::text as refs,
        (select coalesce(sum(debits), 0) from credit_entries where kind = 'spend')::text as debits,
        (select count(*) from credit_spend_refs r where not exists (
          select 1 from credit_entries e
          where e.root_id = r.root_id and e.client_id = r.client_id and e.id = r.entry_id
            and e.kind = case when r.reference like 'correction:%' then 'spend_correction' else 'spend' end
        ))::text as orphans`);
    expect(covered).toEqual({ refs: covered.debits, debits: covered.debits, orphans: '0' });
    expect(Number(covered.refs)).toBeGreaterThan(0);
    // each correction entry once per client and rollup range
    const cor = await one(sql<{ n: string; d: string }>`
      select count(*)::text as n, count(distinct (client_id, reference))::text as d
      from credit_entries where kind = 'spend_correction'`);
    expect(cor.n).toBe(cor.d);
    expect(Number(cor.n)).toBeGreaterThan(0);
  }, 300_000);
});
