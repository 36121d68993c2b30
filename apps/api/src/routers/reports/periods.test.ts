import type { Server } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp } from '../../app';
import { callerAt, codeOf, grant, memberOf, userWithCaller, anonymous, type Caller } from '../../testing';
import { ingest, rec, rollAll } from '../../testing/report-world';

const t = useTestDatabase({ resetEach: false });

const SETUP = new Date('2026-09-01T00:00:00Z');
const LATER = new Date('2026-12-10T12:00:00Z');

/**
 * Holding H (Europe/Berlin: summer time ends on 2026-10-25) > agency A > standard client Acme (a deal of its own, the
 * agency's deal and open auction on a seat assigned from above), with spend every 5 h 17 min from 20 September to
 * 6 December (so every day has spend and the cuts fall anywhere); another tenant; members of every kind.
 */
let w: {
  H: { id: string; rootId: string };
  A: { id: string; rootId: string };
  acme: { id: string; rootId: string; name: string };
  hAdmin: Caller;
  aAnalyst: Caller;
  acmeAdmin: Caller;
  other: Caller;
  sharedId: string;
  token: string;
};

beforeAll(async () => {
  const op = await userWithCaller(t.db, 'op@trellis.test', { platformOperator: true });
  const o = await callerAt(t.db, op.token, SETUP);
  const H = await o.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'Europe/Berlin' });
  const admin = await userWithCaller(t.db, 'admin@h.test');
  await grant(t.db, admin.user.id, H, 'admin');
  const h = await callerAt(t.db, admin.token, SETUP);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
  const acme = await h.accounts.create({ parentId: A.id, name: 'Acme', kind: 'client' });
  const seat = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'S-1' });
  await h.seats.assign({ seatId: seat.id, accountId: acme.id });
  const deal = (accountId: string, dealId: string) =>
    h.deals.create({
      accountId,
      name: dealId,
      publisher: 'Pub',
      type: 'private_auction',
      cpmMicros: 1_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
      dealId,
    });
  await deal(acme.id, 'D-OWN');
  await deal(A.id, 'D-AGENCY');
  const records = [];
  const kinds = [
    { dealId: 'D-OWN', auctionType: 'private_auction' },
    { dealId: 'D-AGENCY', auctionType: 'private_auction' },
    { dealId: null, auctionType: 'open_auction' },
  ] as const;
  let i = 0;
  for (let x = Date.parse('2026-09-20T00:00:00Z'); x < Date.parse('2026-12-06T00:00:00Z'); x += 317 * 60_000) {
    const k = kinds[i++ % 3]!;
    records.push(
      rec({ occurredAt: new Date(x), dsp: 'dv360', seatId: 'S-1', campaignId: null, currency: 'EUR', ...k }),
    );
  }
  const hl = await callerAt(t.db, admin.token, LATER);
  await ingest(hl, H.id, records);
  await rollAll(t.db);
  const aAnalyst = await memberOf(t.db, 'analyst@a.test', A, 'analyst');
  const acmeAdmin = await memberOf(t.db, 'admin@acme.test', acme, 'admin');
  const other = await userWithCaller(t.db, 'admin@other.test');
  const oH = await o.accounts.createHolding({ name: 'Other', currency: 'EUR', timeZone: 'UTC' });
  await grant(t.db, other.user.id, oH, 'admin');
  const shared = await hl.reports.save({
    accountId: A.id,
    name: 'Shared monthly',
    query: { groupBy: ['deal'], range: { preset: 'lastMonth' }, compare: 'previous_period' },
  });
  await hl.reports.share({ reportId: shared.id, clientId: acme.id });
  w = {
    H,
    A,
    acme,
    hAdmin: hl,
    aAnalyst: await callerAt(t.db, aAnalyst.token, LATER),
    acmeAdmin: await callerAt(t.db, acmeAdmin.token, LATER),
    other: await callerAt(t.db, other.token, LATER),
    sharedId: shared.id,
    token: admin.token,
  };
}, 120_000);

type Run = Parameters<Caller['reports']['run']>[0];
const plain = (r: { totals: { currency: string; impressions: number; clicks: number; spendMicros: string }[] }) =>
  r.totals.map((x) => ({
    currency: x.currency,
    previousImpressions: x.impressions,
    previousClicks: x.clicks,
    previousSpendMicros: x.spendMicros,
  }));

describe('reports.run compared with the previous period', () => {
  it.each([
    [
      'November (30 days) against October (31, with the 25-hour day)',
      '2026-11-01',
      '2026-11-30',
      '2026-10-01',
      '2026-10-31',
      ['day'],
    ],
    [
      'a week over the end of summer time, against the week before',
      '2026-10-22',
      '2026-10-28',
      '2026-10-15',
      '2026-10-21',
      ['deal'],
    ],
    ['one day against the day before', '2026-10-26', '2026-10-26', '2026-10-25', '2026-10-25', []],
    [
      'two whole months against the two before',
      '2026-10-01',
      '2026-11-30',
      '2026-08-01',
      '2026-09-30',
      ['month', 'deal'],
    ],
  ] as const)(
    '%s: the previous totals are a plain run of %s .. %s to the micro',
    async (_l, from, to, pf, pt, groupBy) => {
      const base: Run = { accountId: w.A.id, from, to, groupBy: [...groupBy] };
      const cmp = await w.hAdmin.reports.run({ ...base, compare: 'previous_period' });
      expect(cmp.previous).toEqual({ from: pf, to: pt });
      const now = await w.hAdmin.reports.run(base);
      const before = await w.hAdmin.reports.run({ ...base, from: pf, to: pt });
      expect(
        cmp.totals.map((x) => ({
          currency: x.currency,
          previousImpressions: x.previousImpressions,
          previousClicks: x.previousClicks,
          previousSpendMicros: x.previousSpendMicros,
        })),
      ).toEqual(plain(before));
      // the report's own figures are those of a plain run, and the change is their difference
      expect(cmp.totals.map((x) => [x.spendMicros, x.impressions])).toEqual(
        now.totals.map((x) => [x.spendMicros, x.impressions]),
      );
      for (const x of cmp.totals)
        expect(BigInt(x.spendChangeMicros!)).toBe(BigInt(x.spendMicros) - BigInt(x.previousSpendMicros!));
      // every row's previous figures sum, with the previous days that have no place in the report, to the totals
      const rowsPrev = cmp.rows.reduce((s, r) => s + BigInt(r.previousSpendMicros!), 0n);
      expect(rowsPrev).toBeLessThanOrEqual(BigInt(before.totals[0]!.spendMicros));
      expect(cmp.rows.reduce((s, r) => s + BigInt(r.spendMicros), 0n)).toBe(BigInt(now.totals[0]!.spendMicros));
    },
  );

  it("lines up the months' days: November 1st beside October 1st; October 31st has no November day", async () => {
    const cmp = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: ['day'],
      compare: 'previous_period',
    });
    const oct = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-10-01',
      to: '2026-10-31',
      groupBy: ['day'],
    });
    const prevOf = new Map(oct.rows.map((r) => [r.day!, r.spendMicros]));
    expect(cmp.rows).toHaveLength(30);
    for (const r of cmp.rows) expect(r.previousSpendMicros).toBe(prevOf.get(`2026-10-${r.day!.slice(8)}`));
    // the total holds all of October: the rows' previous figures plus October 31st
    const rowsPrev = cmp.rows.reduce((s, r) => s + BigInt(r.previousSpendMicros!), 0n);
    expect(rowsPrev + BigInt(prevOf.get('2026-10-31')!)).toBe(BigInt(cmp.totals[0]!.previousSpendMicros!));
    const r = cmp.rows[0]!;
    const pct = (BigInt(r.spendMicros) - BigInt(r.previousSpendMicros!)) * 100n;
    expect(Math.abs(r.spendChangePercent! - Number(pct) / Number(r.previousSpendMicros))).toBeLessThanOrEqual(0.5);
    expect(Number.isInteger(r.spendChangePercent)).toBe(true);
  });

  it('lists a group that spent only in the previous period, at zero, and marks a group new in this one', async () => {
    // no spend after December 6th; the week before had some of every deal
    const cmp = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-12-07',
      to: '2026-12-13',
      groupBy: ['deal'],
      compare: 'previous_period',
    });
    expect(cmp.rows.length).toBe(3);
    for (const r of cmp.rows) {
      expect(r.spendMicros).toBe('0');
      expect(BigInt(r.previousSpendMicros!)).toBeGreaterThan(0n);
      expect(r.spendChangePercent).toBe(-100);
    }
    const fresh = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-09-13',
      to: '2026-09-26',
      groupBy: [],
      compare: 'previous_period',
    });
    expect(fresh.totals[0]).toMatchObject({ previousSpendMicros: '0', spendChangePercent: null });
    expect(fresh.totals[0]!.spendChangeMicros).toBe(fresh.totals[0]!.spendMicros);
  });

  it('answers without comparison fields when not asked, and refuses hours and a previous period before 1970', async () => {
    const r = await w.hAdmin.reports.run({ accountId: w.A.id, from: '2026-11-01', to: '2026-11-02', groupBy: ['day'] });
    expect(r.previous).toBeNull();
    expect(r.rows[0]).not.toHaveProperty('previousSpendMicros');
    expect(r.totals[0]).not.toHaveProperty('spendChangePercent');
    for (const bad of [
      { from: '2026-11-01', to: '2026-11-02', groupBy: ['hour'] as const, compare: 'previous_period' as const },
      { from: '1970-01-01', to: '1970-01-31', groupBy: ['day'] as const, compare: 'previous_period' as const },
      { from: '2026-11-01', to: '2026-11-02', groupBy: ['day'] as const, compare: 'next_period' },
      { from: '2026-11-01', to: '2026-11-02', groupBy: ['day'] as const, compare: ['previous_period'] },
      { from: '2026-11-01', to: '2026-11-02', groupBy: ['day'] as const, compare: null },
    ])
      expect(await codeOf(w.hAdmin.reports.run({ accountId: w.A.id, ...bad } as unknown as Run))).toBe('BAD_REQUEST');
  });

  it('refuses another tenant, an anonymous caller and a standard client member, compare or not, like a plain run', async () => {
    const q = { from: '2026-11-01', to: '2026-11-30', groupBy: ['day' as const] };
    for (const compare of [undefined, 'previous_period' as const]) {
      const input = { accountId: w.A.id, ...q, ...(compare ? { compare } : {}) };
      expect(await codeOf(w.other.reports.run(input))).toBe('NOT_FOUND');
      expect(await codeOf((await anonymous(t.db)).reports.run(input))).toBe('UNAUTHORIZED');
      expect(await codeOf(w.acmeAdmin.reports.run({ ...input, accountId: w.acme.id }))).toBe('FORBIDDEN');
    }
  });

  it('saves the comparison with a preset, runs it with runSaved, and refuses a saved comparison of hours', async () => {
    const saved = await w.hAdmin.reports.save({
      accountId: w.A.id,
      name: 'Last month compared',
      query: { groupBy: ['deal'], range: { preset: 'lastMonth' }, compare: 'previous_period' },
    });
    expect(saved.query).toEqual({ groupBy: ['deal'], range: { preset: 'lastMonth' }, compare: 'previous_period' });
    // LATER is 2026-12-10 in Berlin: last month is November, compared with October
    const r = await w.hAdmin.reports.runSaved({ reportId: saved.id });
    expect([r.from, r.to, r.previous]).toEqual(['2026-11-01', '2026-11-30', { from: '2026-10-01', to: '2026-10-31' }]);
    const plainRun = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-10-01',
      to: '2026-10-31',
      groupBy: ['deal'],
    });
    expect(r.totals.map((x) => x.previousSpendMicros)).toEqual(plainRun.totals.map((x) => x.spendMicros));
    const byDeal = new Map(plainRun.rows.map((x) => [x.dealId, x.spendMicros]));
    for (const row of r.rows) expect(row.previousSpendMicros).toBe(byDeal.get(row.dealId ?? null));
    expect(
      await codeOf(
        w.hAdmin.reports.save({
          accountId: w.A.id,
          name: 'Hourly compared',
          query: { groupBy: ['hour'], range: { preset: 'today' }, compare: 'previous_period' },
        }),
      ),
    ).toBe('BAD_REQUEST');
    // a saved report without it can be compared on demand
    const p = await w.hAdmin.reports.save({
      accountId: w.A.id,
      name: 'Plain',
      query: { groupBy: [], range: { from: '2026-11-01', to: '2026-11-30' } },
    });
    expect((await w.hAdmin.reports.runSaved({ reportId: p.id })).previous).toBeNull();
    expect((await w.hAdmin.reports.runSaved({ reportId: p.id, compare: 'previous_period' })).previous).toEqual({
      from: '2026-10-01',
      to: '2026-10-31',
    });
  });

  it("gives a client the shared report's comparison of its own rows only, and nothing of its credits", async () => {
    const r = await w.acmeAdmin.reports.runSaved({ reportId: w.sharedId, clientId: w.acme.id });
    expect(r.previous).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(r.charged).toBeNull();
    // the client's own rows: a plain run of Acme's rows by the agency over October
    const agencyView = await w.hAdmin.reports.run({
      accountId: w.A.id,
      from: '2026-10-01',
      to: '2026-10-31',
      groupBy: [],
      filters: { account: [w.acme.id] },
    });
    expect(r.totals.map((x) => x.previousSpendMicros)).toEqual(agencyView.totals.map((x) => x.spendMicros));
  });
});

describe("a client's own report beside what its credits were charged", () => {
  const range = { from: '2026-10-20', to: '2026-11-10' };

  it.each([
    ['the holding admin', 'hAdmin'],
    ["the agency's analyst", 'aAnalyst'],
  ] as const)("shows %s Billing's own figure for the report's days, to the micro", async (_l, who) => {
    const caller = w[who];
    const report = await caller.reports.run({ accountId: w.acme.id, ...range, groupBy: ['deal'] });
    const usage = await caller.credits.usage({ clientId: w.acme.id, ...range });
    const billed = usage.items.reduce((s, d) => s + BigInt(d.spentMicros), 0n);
    expect(report.charged).toEqual({ accountId: w.acme.id, currency: 'EUR', chargedMicros: billed.toString() });
    // the report itself shows only Acme's own deal: the agency's deal and open auction are left out, but charged
    expect(report.rows.map((r) => r.dealExternalId)).toEqual(['D-OWN']);
    const all = await caller.reports.run({
      accountId: w.A.id,
      ...range,
      groupBy: [],
      filters: { account: [w.acme.id] },
    });
    expect(BigInt(report.totals[0]!.spendMicros)).toBeLessThan(billed);
    expect(billed).toBe(BigInt(all.totals[0]!.spendMicros));
  });

  it('is absent from reports of agencies and holdings (they see every row), and with a comparison stays the range', async () => {
    expect((await w.hAdmin.reports.run({ accountId: w.A.id, ...range, groupBy: [] })).charged).toBeNull();
    expect((await w.hAdmin.reports.run({ accountId: w.H.id, ...range, groupBy: [] })).charged).toBeNull();
    const cmp = await w.hAdmin.reports.run({ accountId: w.acme.id, ...range, groupBy: [], compare: 'previous_period' });
    const usage = await w.hAdmin.credits.usage({ clientId: w.acme.id, ...range });
    expect(cmp.charged?.chargedMicros).toBe(usage.items.reduce((s, d) => s + BigInt(d.spentMicros), 0n).toString());
  });
});

describe("a premium client's own report, from its own members and from its agency (SPEC 2.2)", () => {
  it('charges the agency only what Billing shows it, from the connection on; the client its whole history', async () => {
    const op = await userWithCaller(t.db, 'op-premium@trellis.test', { platformOperator: true });
    const P = await op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
    const pAdmin = await memberOf(t.db, 'admin@premium.test', P, 'admin');
    const hUser = await userWithCaller(t.db, 'admin@h2.test');
    const H2 = await op.caller.accounts.createHolding({ name: 'H2', currency: 'EUR', timeZone: 'UTC' });
    await grant(t.db, hUser.user.id, H2, 'admin');
    const A2 = await hUser.caller.accounts.create({ parentId: H2.id, name: 'A2', kind: 'agency' });
    const aAdmin = await memberOf(t.db, 'admin@a2.test', A2, 'admin');
    // the standalone client links its own seat (a month ago) and spends on it from December 1st to 7th
    await pAdmin.caller.seats.link({ accountId: P.id, dsp: 'ttd', seatId: 'P-SEAT' });
    await sql`update seat_mappings m set effective_from = '2026-11-01T00:00:00Z' from seats s
      where s.id = m.seat_id and s.external_id = 'P-SEAT'`.execute(t.db);
    const records = [];
    for (let h = 0; h < 7 * 24; h += 5)
      records.push(
        rec({
          occurredAt: new Date(Date.parse('2026-12-01T00:30:00Z') + h * 3_600_000),
          dsp: 'ttd',
          seatId: 'P-SEAT',
          dealId: null,
          auctionType: 'open_auction',
          campaignId: null,
          currency: 'EUR',
        }),
      );
    await ingest(pAdmin.caller, P.id, records);
    await rollAll(t.db);
    // then it connects to agency A2, as of December 5th
    const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: A2.id });
    await aAdmin.caller.connections.accept({ connectionId: req.id });
    await sql`update connections set requested_at = '2026-12-04T00:00:00Z', responded_at = '2026-12-05T00:00:00Z'
      where id = ${req.id}::uuid`.execute(t.db);
    const range = { from: '2026-12-01', to: '2026-12-07' };
    const billed = async (c: Caller) =>
      (await c.credits.usage({ clientId: P.id, ...range })).items.reduce((n, d) => n + BigInt(d.spentMicros), 0n);
    const own = await pAdmin.caller.reports.run({ accountId: P.id, ...range, groupBy: [] });
    const agency = await aAdmin.caller.reports.run({ accountId: P.id, ...range, groupBy: [] });
    expect(own.charged?.chargedMicros).toBe((await billed(pAdmin.caller)).toString());
    expect(agency.charged?.chargedMicros).toBe((await billed(aAdmin.caller)).toString());
    // the agency learns nothing from before the connection: its charge is its report's spend (the client's own seat:
    // every row), December 5th on, below the client's own figure for the week
    expect(agency.charged?.chargedMicros).toBe(agency.totals[0]!.spendMicros);
    expect(BigInt(agency.charged!.chargedMicros)).toBeLessThan(BigInt(own.charged!.chargedMicros));
    expect(own.charged?.chargedMicros).toBe(own.totals[0]!.spendMicros);
    const fromFifth = await aAdmin.caller.reports.run({
      accountId: P.id,
      from: '2026-12-05',
      to: '2026-12-07',
      groupBy: [],
    });
    expect(agency.totals[0]!.spendMicros).toBe(fromFifth.totals[0]!.spendMicros);
  });
});

describe('the CSV export compared with the previous period', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createApp({ db: t.db, publicUrl: 'http://localhost', log: () => {} }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const csv = async (input: unknown, token = w.token) => {
    const res = await fetch(`${base}/exports/report.csv?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: { cookie: `trellis_session=${token}` },
    });
    return { status: res.status, text: await res.text() };
  };

  it('adds the previous figures and the change after the usual columns, the same numbers as reports.run', async () => {
    const input = {
      accountId: w.A.id,
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: ['deal'],
      compare: 'previous_period',
    };
    const { status, text } = await csv(input);
    expect(status).toBe(200);
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'dealId,dealExternalId,dealName,currency,correction,impressions,clicks,spend,ctr,ecpm,' +
        'previousImpressions,previousClicks,previousSpend,spendChange,spendChangePercent',
    );
    const r = await w.hAdmin.reports.run(input as Run);
    const units = (m: string) => {
      const v = BigInt(m);
      const a = v < 0n ? -v : v;
      const frac = (a % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
      return `${v < 0n ? '-' : ''}${a / 1_000_000n}.${frac}`;
    };
    expect(lines.slice(1)).toEqual(
      r.rows.map((x) =>
        [
          x.dealId ?? '',
          x.dealExternalId ?? '',
          x.dealName ?? '',
          'EUR',
          units(x.correctionMicros),
          x.impressions,
          x.clicks,
          units(x.spendMicros),
          x.ctr ?? '',
          x.ecpmMicros === null ? '' : units(x.ecpmMicros),
          x.previousImpressions,
          x.previousClicks,
          units(x.previousSpendMicros!),
          units(x.spendChangeMicros!),
          x.spendChangePercent ?? '',
        ].join(','),
      ),
    );
    // without compare: the usual header only
    const plainCsv = await csv({ ...input, compare: undefined });
    expect(plainCsv.text.split('\r\n')[0]).toBe(
      'dealId,dealExternalId,dealName,currency,correction,impressions,clicks,spend,ctr,ecpm',
    );
  });

  it('refuses an hourly comparison and another tenant like reports.run does', async () => {
    const input = {
      accountId: w.A.id,
      from: '2026-11-01',
      to: '2026-11-01',
      groupBy: ['hour'],
      compare: 'previous_period',
    };
    expect((await csv(input)).status).toBe(400);
    const other = await userWithCaller(t.db, 'csv-other@other.test');
    expect((await csv({ ...input, groupBy: ['day'] }, other.token)).status).toBe(404);
    expect((await csv({ ...input, groupBy: ['day'], compare: 'x' })).status).toBe(400);
  });
});
