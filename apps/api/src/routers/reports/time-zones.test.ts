import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { callerAt, grant, userWithCaller, type Caller } from '../../testing';
import { facts, ingest, naiveVisible, rec, rollAll, sumBy, type RawRecord } from '../../testing/report-world';

const t = useTestDatabase({ resetEach: false });

const SETUP = new Date('2026-03-01T00:00:00Z');
const LATER = new Date('2026-11-10T00:00:00Z');
/** Every 37 minutes (so no hour is ever empty and no record sits on an hour) over a window. */
const every37 = (fromIso: string, toIso: string) => {
  const out: Date[] = [];
  for (let x = Date.parse(fromIso); x < Date.parse(toIso); x += 37 * 60_000) out.push(new Date(x));
  return out;
};
const SPRING = every37('2026-03-06T12:00:00Z', '2026-03-10T12:00:00Z'); // New York springs forward on 2026-03-08
const AUTUMN = every37('2026-10-30T12:00:00Z', '2026-11-03T12:00:00Z'); // and falls back on 2026-11-01

const localDay = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
const localMonth = (d: Date, timeZone: string) => localDay(d, timeZone).slice(0, 7);
/** The instant the local hour of d began in the zone (offsets of whole or half hours). */
function localHourStart(d: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const localAsUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offset = localAsUtc - Math.floor(d.getTime() / 1000) * 1000;
  const start = Math.floor((d.getTime() + offset) / 3_600_000) * 3_600_000 - offset;
  return new Date(start).toISOString().replace('.000Z', 'Z');
}

let w: { holding: { id: string }; ny: { id: string }; kolkata: { id: string }; admin: Caller };

beforeAll(async () => {
  const op = await userWithCaller(t.db, 'op@trellis.test', { platformOperator: true });
  const o = await callerAt(t.db, op.token, SETUP);
  const holding = await o.accounts.createHolding({ name: 'Tokyo Holding', currency: 'EUR', timeZone: 'Asia/Tokyo' });
  const adminUser = await userWithCaller(t.db, 'admin@tokyo.test');
  await grant(t.db, adminUser.user.id, holding, 'admin');
  const a = await callerAt(t.db, adminUser.token, SETUP);
  const agency = await a.accounts.create({ parentId: holding.id, name: 'Agency', kind: 'agency' });
  const ny = await a.accounts.create({
    parentId: agency.id,
    name: 'NY client',
    kind: 'client',
    timeZone: 'America/New_York',
  });
  const kolkata = await a.accounts.create({
    parentId: agency.id,
    name: 'Kolkata client',
    kind: 'client',
    timeZone: 'Asia/Kolkata',
  });
  for (const [c, seat, dealId] of [
    [ny, 'S-NY', 'D-NY'],
    [kolkata, 'S-IN', 'D-IN'],
  ] as const) {
    const s = await a.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: seat });
    await a.seats.assign({ seatId: s.id, accountId: c.id });
    await a.deals.create({
      accountId: c.id,
      name: `${c.name} deal`,
      publisher: 'Pub',
      type: 'private_auction',
      cpmMicros: 1_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
      dealId,
    });
  }
  const admin = await callerAt(t.db, adminUser.token, LATER);
  const records = [...SPRING, ...AUTUMN].flatMap((at) => [
    rec({
      occurredAt: at,
      dsp: 'dv360',
      seatId: 'S-NY',
      dealId: 'D-NY',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    rec({
      occurredAt: at,
      dsp: 'dv360',
      seatId: 'S-IN',
      dealId: 'D-IN',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
  ]);
  // around midnight in Kolkata (18:30 UTC): one record either side
  records.push(
    rec({
      occurredAt: new Date('2026-03-07T18:29:59Z'),
      dsp: 'dv360',
      seatId: 'S-IN',
      dealId: 'D-IN',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
      spendMicros: 1,
    }),
    rec({
      occurredAt: new Date('2026-03-07T18:30:00Z'),
      dsp: 'dv360',
      seatId: 'S-IN',
      dealId: 'D-IN',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
      spendMicros: 2,
    }),
  );
  await ingest(admin, holding.id, records);
  await rollAll(t.db);
  w = { holding, ny, kolkata, admin };
}, 120_000);

const sums = (rows: { impressions: number; clicks: number; spendMicros: string }[], key: (i: number) => string) =>
  Object.fromEntries(rows.map((r, i) => [key(i), [String(r.impressions), String(r.clicks), r.spendMicros]]));

async function check(
  accountId: string,
  timeZone: string,
  from: string,
  to: string,
  dim: 'day' | 'hour' | 'month',
  keyOf: (r: RawRecord) => string,
) {
  const res = await w.admin.reports.run({ accountId, from, to, groupBy: [dim] });
  expect(res.timeZone).toBe(timeZone);
  const f = await facts(t.db);
  const inRange = naiveVisible(f, accountId, true).filter((r) => {
    const d = localDay(r.occurred_at, timeZone);
    return d >= from && d <= to;
  });
  expect(sums(res.rows, (i) => res.rows[i]![dim]!)).toEqual(sumBy(inRange, keyOf));
  return res;
}

describe("reports.run groups by the account's own days, hours and months", () => {
  it.each([
    ['a New York client, spring forward', 'ny', 'America/New_York', '2026-03-06', '2026-03-10'],
    ['a New York client, fall back', 'ny', 'America/New_York', '2026-10-30', '2026-11-03'],
    ['a Tokyo holding, the same records', 'holding', 'Asia/Tokyo', '2026-03-06', '2026-03-11'],
    ['a Tokyo holding, autumn', 'holding', 'Asia/Tokyo', '2026-10-30', '2026-11-04'],
    ['a Kolkata client (+05:30: days start mid-hour)', 'kolkata', 'Asia/Kolkata', '2026-03-06', '2026-03-11'],
  ] as const)('%s: days', async (_l, acc, tz, from, to) => {
    await check(w[acc].id, tz, from, to, 'day', (r) => localDay(r.occurred_at, tz));
  });

  it.each([
    ['New York', 'ny', 'America/New_York', '2026-03-08', 23],
    ['New York', 'ny', 'America/New_York', '2026-11-01', 25],
    ['Tokyo', 'holding', 'Asia/Tokyo', '2026-03-08', 24],
    ['Kolkata', 'kolkata', 'Asia/Kolkata', '2026-03-08', 24],
  ] as const)("%s on %s has %i hours, each the zone's own", async (_l, acc, tz, day, hours) => {
    const res = await check(w[acc].id, tz, day, day, 'hour', (r) => localHourStart(r.occurred_at, tz));
    expect(res.rows).toHaveLength(hours);
  });

  it("months in the zone: the Tokyo holding's November starts on 31 October at 15:00 UTC", async () => {
    const res = await check(w.holding.id, 'Asia/Tokyo', '2026-10-01', '2026-11-30', 'month', (r) =>
      localMonth(r.occurred_at, 'Asia/Tokyo'),
    );
    expect(res.rows.map((r) => r.month)).toEqual(['2026-10', '2026-11']);
  });

  it("cuts Kolkata's days at 18:30 UTC to the second", async () => {
    const res = await w.admin.reports.run({
      accountId: w.kolkata.id,
      from: '2026-03-07',
      to: '2026-03-08',
      groupBy: ['day'],
    });
    const f = await facts(t.db);
    const day7 = naiveVisible(f, w.kolkata.id, true).filter(
      (r) => localDay(r.occurred_at, 'Asia/Kolkata') === '2026-03-07',
    );
    expect(day7.some((r) => r.spend_micros === '1')).toBe(true);
    expect(day7.some((r) => r.spend_micros === '2')).toBe(false);
    expect(res.rows.find((r) => r.day === '2026-03-07')!.spendMicros).toBe(sumBy(day7, () => 'x').x![2]);
  });
});
