import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { hoursAfter, spendFixture, tsNode, useTestDatabase } from '@trellis/db/testing';

const t = useTestDatabase();
const main = path.resolve(import.meta.dirname, 'main.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'trellis-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(...tsNode(main, ...args), {
    env: { ...process.env, DATABASE_URL: t.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}
const HEADER = 'eventId,occurredAt,dsp,seatId,dealId,auctionType,campaignId,impressions,clicks,spendMicros,currency';
const at = (h: number) => hoursAfter(h).toISOString();
const line = (id: string, over: Partial<Record<string, string>> = {}) => {
  const r = {
    eventId: id,
    occurredAt: at(5),
    dsp: 'dv360',
    seatId: 'S1',
    dealId: '',
    auctionType: 'open_auction',
    campaignId: '',
    impressions: '10',
    clicks: '1',
    spendMicros: '1000',
    currency: 'EUR',
    ...over,
  };
  return [
    r.eventId,
    r.occurredAt,
    r.dsp,
    r.seatId,
    r.dealId,
    r.auctionType,
    r.campaignId,
    r.impressions,
    r.clicks,
    r.spendMicros,
    r.currency,
  ].join(',');
};
const count = async () =>
  Number((await sql<{ n: string }>`select count(*)::text as n from spend_records`.execute(t.db)).rows[0]!.n);

describe('trellis ingest', () => {
  it('rejects every bad row with its line number and reason, malformed CSV included, and stores the good ones', async () => {
    const f = await spendFixture(t.db);
    const bad: [string, string][] = [
      ['malformed', line('m1', { occurredAt: 'yesterday' })],
      ['malformed', 'm2,"unterminated,dv360,S1,,open_auction,,10,1,1000,EUR'],
      ['malformed', 'm3,2026-03-01T05:00:00Z,dv360,S1'],
      ['malformed', line('m4', { seatId: 'S\uFFFD1' })], // stands for bad bytes, written below as raw bytes
      ['negative_number', line('n1', { spendMicros: '-5' })],
      ['clicks_above_impressions', line('c1', { impressions: '1', clicks: '2' })],
      ['occurred_in_future', line('f1', { occurredAt: new Date(Date.now() + 3_600_000).toISOString() })],
      ['unknown_seat', line('u1', { seatId: 'NOPE' })],
      ['seat_not_mapped', line('s1', { occurredAt: at(-48) })],
      ['deal_not_usable', line('d1', { dealId: 'DEAL-A', auctionType: 'private_auction' })],
      ['campaign_not_covered', line('k1', { occurredAt: at(25), campaignId: f.k2.id })],
      ['currency_mismatch', line('cur', { currency: 'USD' })],
    ];
    const rows = [
      HEADER,
      line('good-1'),
      ...bad.map((b) => b[1]),
      line('good-2', { seatId: 'S2', dsp: 'ttd', campaignId: f.k2.id }),
      '"good-3",' + line('x').split(',').slice(1).join(','),
    ];
    const text = rows.join('\n') + '\n';
    // raw invalid UTF-8 bytes in place of the replacement character
    const bytes = Buffer.from(text.replace('S\uFFFD1', 'S__1'), 'utf8');
    const i = bytes.indexOf('S__1');
    bytes[i + 1] = 0xc3;
    bytes[i + 2] = 0x28;
    const file = path.join(dir, 'spend.csv');
    writeFileSync(file, bytes);
    const run = cli(['ingest', file, '--account', f.h.id]);
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/accepted\s+3/);
    expect(run.output()).toMatch(/rejected\s+12/);
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8').trim().split('\n');
    expect(rejects[0]).toBe('line,eventId,reason,detail');
    expect(
      rejects.slice(1).map((r) =>
        r
          .split(',')
          .slice(0, 3)
          .filter((_, k) => k !== 1),
      ),
    ).toEqual(bad.map((b, k) => [String(k + 3), b[0]]));
    expect(rejects.join('\n')).toMatch(/wrong column count/);
    expect(rejects.join('\n')).toMatch(/bad UTF-8/);
    expect(await count()).toBe(3);
    // the same file as gzip, again: all duplicates
    writeFileSync(`${file}.gz`, gzipSync(bytes));
    const again = cli(['ingest', `${file}.gz`, '--account', f.h.id]);
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toMatch(/duplicates\s+3/);
    expect(await count()).toBe(3);
  }, 60_000);

  it("reads NDJSON, and refuses another holding's seats (unknown to it)", async () => {
    const f = await spendFixture(t.db);
    const recs = [
      {
        eventId: 'j1',
        occurredAt: at(5),
        dsp: 'dv360',
        seatId: 'S1',
        auctionType: 'open_auction',
        impressions: 1,
        clicks: 0,
        spendMicros: 5,
        currency: 'EUR',
      },
      'not json',
      {
        eventId: 'j2',
        occurredAt: at(5),
        dsp: 'dv360',
        seatId: 'X1',
        auctionType: 'open_auction',
        impressions: 1,
        clicks: 0,
        spendMicros: 5,
        currency: 'EUR',
      },
    ];
    const file = path.join(dir, 'spend.ndjson');
    writeFileSync(file, recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
    const run = cli(['ingest', file, '--account', f.h.id]);
    expect(await run.exited, run.output()).toBe(0);
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8').trim().split('\n').slice(1);
    expect(rejects.map((r) => r.split(',')[0] + ':' + r.split(',')[2])).toEqual(['2:malformed', '3:unknown_seat']);
    expect(await count()).toBe(1);
  }, 60_000);

  it('stores nothing twice and loses nothing when killed with SIGKILL half-way and run again', async () => {
    const f = await spendFixture(t.db);
    const N = 60_000;
    const rows = [HEADER];
    for (let k = 0; k < N; k++) rows.push(line(`big-${k}`, { spendMicros: String(1000 + (k % 97)) }));
    const file = path.join(dir, 'big.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const first = cli(['ingest', file, '--account', f.h.id, '--chunk', '2000']);
    for (let waited = 0; (await count()) === 0 && waited < 60_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    // a COMMIT sent just before the kill may still be finishing on the server: wait until its sessions are gone
    for (let waited = 0; waited < 30_000; waited += 20) {
      const r = await sql<{
        n: string;
      }>`select count(*)::text as n from pg_stat_activity where application_name = 'trellis-cli'`.execute(t.db);
      if (r.rows[0]!.n === '0') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const partial = await count();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(N);
    const second = cli(['ingest', file, '--account', f.h.id, '--chunk', '2000']);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toMatch(new RegExp(`accepted\\s+${N - partial}\\b`));
    expect(second.output()).toMatch(new RegExp(`duplicates\\s+${partial}\\b`));
    const sums = await sql<{
      n: string;
      s: string;
      d: string;
    }>`select count(*)::text as n, sum(spend_micros)::text as s, count(distinct event_id)::text as d from spend_records`.execute(
      t.db,
    );
    const expectedSum = Array.from({ length: N }, (_, k) => 1000 + (k % 97)).reduce((a, b) => a + b, 0);
    expect(sums.rows[0]).toEqual({ n: String(N), s: String(expectedSum), d: String(N) });
  }, 120_000);

  it('prints what it committed and how to resume when the database ends its connections, then resumes exactly', async () => {
    const f = await spendFixture(t.db);
    const N = 60_000;
    const rows = [HEADER];
    for (let k = 0; k < N; k++) rows.push(line(`cut-${k}`));
    const file = path.join(dir, 'cut.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const first = cli(['ingest', file, '--account', f.h.id, '--chunk', '1000']);
    for (let waited = 0; (await count()) === 0 && waited < 60_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    // what a restart of PostgreSQL does to every session: busy ones fail their statement, idle ones get an 'error'
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'trellis-cli'`.execute(
      t.db,
    );
    expect(await first.exited, first.output()).toBe(1);
    const out = first.output();
    expect(out).not.toMatch(/Unhandled 'error' event|\n\s+at /);
    const committed = /Committed before it, in batch [0-9a-f-]{36}: (\d+) records/.exec(out);
    expect(committed, out).not.toBeNull();
    expect(out).toContain('Run the same command again: committed records come back as duplicates');
    const partial = await count();
    expect(partial).toBeLessThan(N);
    expect(Number(committed![1])).toBe(partial);
    const second = cli(['ingest', file, '--account', f.h.id, '--chunk', '1000']);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toMatch(new RegExp(`duplicates\\s+${partial}\\b`));
    expect(await count()).toBe(N);
  }, 120_000);

  it('says how to point it at a database when there is none, and refuses a non-root account', async () => {
    const f = await spendFixture(t.db);
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, `${HEADER}\n${line('a')}\n`);
    const none = cli(['ingest', file, '--account', f.h.id], {
      DATABASE_URL: '',
      TRELLIS_DATA_DIR: path.join(dir, 'nowhere'),
    });
    expect(await none.exited).toBe(1);
    expect(none.output()).toMatch(/Set DATABASE_URL/);
    const notRoot = cli(['ingest', file, '--account', f.a.id]);
    expect(await notRoot.exited).toBe(1);
    expect(notRoot.output()).toMatch(/not a root account/);
    const badHeader = path.join(dir, 'bad-header.csv');
    writeFileSync(badHeader, 'foo,bar\n1,2\n');
    const hdr = cli(['ingest', badHeader, '--account', f.h.id]);
    expect(await hdr.exited).toBe(1);
    expect(hdr.output()).toMatch(/header row must name/);
    expect(await count()).toBe(0);
  }, 60_000);
});
