import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROW_VISIBILITY, type ReportDimension, type ReportFilters } from '@trellis/domain';
import { reports, spend, spendDaily } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { grant, type Caller } from '../../testing';
import { at, childOf, facts, ingest, naiveVisible, person, rec, sumBy } from '../../testing/report-world';

/** The worker's rollup unit until nothing is left, its clock at T0 + hours (its debits' audit entries too). */
async function rollAll(hours: number) {
  while (await spend.rollupUnit(t.db, () => at(hours))) {
    /* next unit */
  }
}

const t = useTestDatabase({ resetEach: false });

/** Records naming a campaign whose client was not under the seat's account at occurredAt: each refused. */
async function expectNotCovered(caller: Caller, records: ReturnType<typeof rec>[]) {
  const res = await caller.spend.ingest({ accountId: w.H.id, records });
  expect(res.rejected.map((x) => x.reason)).toEqual(records.map(() => 'campaign_not_covered'));
}

/** Records on a client's seat from before the client's current connection to H: H may not write them, each refused. */
async function expectNotMapped(caller: Caller, records: ReturnType<typeof rec>[]) {
  const res = await caller.spend.ingest({ accountId: w.H.id, records });
  expect(res.rejected.map((x) => x.reason)).toEqual(records.map(() => 'seat_not_mapped'));
}

/**
 * The daily aggregates per viewing level (spend_daily) against the hourly/raw path, on a tree that moves: a +5:30
 * holding H, agencies A (-3:30) and B (Berlin), standard clients a1, a2 under A and b1 under B, a premium client P.
 * P connects to A, a2 is transferred to B, P disconnects and reconnects to B; late records (from before a move or a
 * connection) arrive after each move, and some records are still unrolled when a move happens.
 */
async function build() {
  const db = t.db;
  const op = await person(db, 'op@trellis.test', { platformOperator: true });
  const o = await op.at(0);
  const H = await o.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'Asia/Kolkata' });
  const P = await o.clients.createPremium({ name: 'P', currency: 'EUR', timeZone: 'UTC' });
  const member = async (email: string, acc: { id: string; rootId: string }) => {
    const p = await person(db, email);
    await grant(db, p.userId, acc, 'admin');
    return p;
  };
  const hAdmin = await member('h@x.test', H);
  const pAdmin = await member('p@x.test', P);
  const h = await hAdmin.at(0);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency', timeZone: 'America/St_Johns' });
  const B = await h.accounts.create({ parentId: H.id, name: 'B', kind: 'agency', timeZone: 'Europe/Berlin' });
  const a1 = await h.accounts.create({ parentId: A.id, name: 'a1', kind: 'client' });
  const a2 = await h.accounts.create({ parentId: A.id, name: 'a2', kind: 'client' });
  const b1 = await h.accounts.create({ parentId: B.id, name: 'b1', kind: 'client' });
  const aAdmin = await member('a@x.test', A);
  const bAdmin = await member('b@x.test', B);
  const link = async (c: Caller, accountId: string, dsp: 'dv360' | 'ttd' | 'xandr', seatId: string, to?: string) => {
    const s = await c.seats.link({ accountId, dsp, seatId });
    if (to) await c.seats.assign({ seatId: s.id, accountId: to });
    return s;
  };
  await link(h, H.id, 'dv360', 'SH');
  await link(h, H.id, 'ttd', 'SA', A.id);
  await link(h, H.id, 'dv360', 'SB', B.id);
  await link(h, H.id, 'xandr', 'Sa1', a1.id);
  await link(h, H.id, 'ttd', 'Sa2', a2.id);
  await link(await pAdmin.at(0), P.id, 'dv360', 'SP');
  await h.deals.create({
    accountId: A.id,
    name: 'A deal',
    publisher: 'Pub',
    type: 'private_auction',
    cpmMicros: 1_000_000,
    currency: 'EUR',
    dsps: ['ttd'],
    dealId: 'D-A',
  });
  const ka1 = await h.campaigns.create({ clientId: a1.id, name: 'Ka1' });
  const ka2 = await h.campaigns.create({ clientId: a2.id, name: 'Ka2' });
  const kb1 = await h.campaigns.create({ clientId: b1.id, name: 'Kb1' });
  const kp = await (await pAdmin.at(0)).campaigns.create({ clientId: P.id, name: 'KP' });

  const r = (hh: number, dsp: string, seatId: string, campaignId: string | null, dealId: string | null = null) =>
    rec({
      occurredAt: at(hh),
      dsp,
      seatId,
      dealId,
      auctionType: dealId ? 'private_auction' : 'open_auction',
      campaignId,
      currency: 'EUR',
    });
  const everyone = (hh: number) => [
    r(hh, 'dv360', 'SH', null),
    r(hh, 'ttd', 'SA', null),
    r(hh, 'ttd', 'SA', null, 'D-A'),
    r(hh, 'ttd', 'SA', ka1.id),
    r(hh, 'dv360', 'SB', kb1.id),
    r(hh, 'dv360', 'SB', null),
    r(hh, 'xandr', 'Sa1', null),
  ];
  return { op, hAdmin, pAdmin, aAdmin, bAdmin, H, A, B, a1, a2, b1, P, ka2, kp, r, everyone };
}

let w: Awaited<ReturnType<typeof build>>;
beforeAll(async () => {
  w = await build();
}, 120_000);

const KEPT = ['day', 'month', 'account', 'dsp', 'auctionType'] as const satisfies readonly ReportDimension[];
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];

const queryArb = fc.record({
  viewer: fc.constantFrom('H' as const, 'A' as const, 'B' as const),
  groupBy: fc.shuffledSubarray([...KEPT]),
  from: fc.integer({ min: 0, max: 2 }),
  span: fc.integer({ min: 0, max: 3 }),
  dsp: fc.option(fc.subarray(['dv360', 'ttd', 'xandr'], { minLength: 1 }), { nil: undefined }),
  auctionType: fc.option(fc.subarray(['open_auction', 'private_auction'], { minLength: 1 }), { nil: undefined }),
  account: fc.option(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { nil: undefined }),
});

/** Sorted rows, so two sources are compared as sets of rows (the totals' order is not specified). */
const canon = (rows: Record<string, unknown>[]) => rows.map((x) => JSON.stringify(x)).sort();

/** For random queries the daily aggregate answers, both sources give the same rows and totals, to the micro. */
async function expectDailyEqualsHourly(label: string, rolled = true) {
  const f = await facts(t.db);
  await fc.assert(
    fc.asyncProperty(queryArb, async (q) => {
      const viewer = w[q.viewer];
      const children = (
        await sql<{ id: string }>`select id from accounts where parent_id = ${viewer.id}::uuid order by id`.execute(
          t.db,
        )
      ).rows.map((x) => x.id);
      const pickable = [viewer.id, ...children];
      const filters: ReportFilters = {
        ...(q.dsp ? { dsp: q.dsp } : {}),
        ...(q.auctionType ? { auctionType: q.auctionType } : {}),
        ...(q.account ? { account: [...new Set(q.account.map((i) => pickable[i % pickable.length]!))] } : {}),
      };
      const level = viewer.id === w.H.id ? 1 : 2;
      const plan: reports.ReportPlan = {
        viewerId: viewer.id,
        rule: ROW_VISIBILITY[level],
        onlyAccountId: null,
        cutSelf: false,
        timeZone: viewer.timeZone,
        from: DAYS[q.from]!,
        to: DAYS[Math.min(DAYS.length - 1, q.from + q.span)]!,
        groupBy: q.groupBy,
        filters,
      };
      const range = await reports.reportRange(t.db, plan);
      expect(range.daily, `${label}: the daily aggregate answers ${JSON.stringify(q)}`).toBeTruthy();
      const daily = (await reports.reportStatement(plan, range, { totals: true }).execute(t.db)).rows;
      const finer = (await reports.reportStatement(plan, { ...range, daily: null }, { totals: true }).execute(t.db))
        .rows;
      expect(canon(daily), `${label}: ${JSON.stringify(plan)}`).toEqual(canon(finer));
      // and, once everything is rolled up, the total is the naive filter's, in the viewer's days
      if (!rolled) return;
      const dayOf = new Intl.DateTimeFormat('en-CA', {
        timeZone: plan.timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
      const naive = naiveVisible(f, viewer.id, false).filter((x) => {
        const d = dayOf.format(x.occurred_at);
        if (d < plan.from || d > plan.to) return false;
        if (filters.dsp && !filters.dsp.includes(x.dsp)) return false;
        if (filters.auctionType && !filters.auctionType.includes(x.auction_type)) return false;
        if (
          filters.account &&
          !filters.account.includes(viewer.id) &&
          !filters.account.includes(childOf(f, viewer.id, x.account_id))
        )
          return false;
        return true;
      });
      const expected = sumBy(naive, (x) => x.currency);
      const got = daily.filter((x) => x.total || plan.groupBy.length === 0);
      expect(
        Object.fromEntries(got.map((x) => [x.currency.trim(), [x.impressions, x.clicks, x.spend_micros]])),
        `${label}: totals`,
      ).toEqual(expected);
    }),
    { numRuns: 25 },
  );
  return f;
}

describe('spend_daily: the daily aggregate per viewing level equals the hourly and raw path', () => {
  it('before any move', async () => {
    await ingest(await w.hAdmin.at(10), w.H.id, [0.25, 3.5, 7.75, 9.6].flatMap(w.everyone));
    await ingest(
      await w.pAdmin.at(10),
      w.P.id,
      [1, 5.5].map((hh) => w.r(hh, 'dv360', 'SP', w.kp.id)),
    );
    await rollAll(10);
    await expectDailyEqualsHourly('before any move');
  });

  it('after a premium client connects mid-hour, with late records from before its connection', async () => {
    // P's own spend of 12:30, in its own root; 12:30 and 12:42 share a quarter hour the cut at 12:36 splits
    await ingest(await w.pAdmin.at(12.55), w.P.id, [w.r(12.5, 'dv360', 'SP', w.kp.id)]);
    const req = await (await w.pAdmin.at(12.6)).connections.request({ clientId: w.P.id, agencyId: w.A.id });
    await (await w.aAdmin.at(12.6)).connections.accept({ connectionId: req.id });
    await ingest(await w.hAdmin.at(20), w.H.id, [
      ...[13.1, 18.4].flatMap(w.everyone),
      // P's spend through its campaign on A's seat after the connection
      ...[12.7, 19.9].map((hh) => w.r(hh, 'ttd', 'SA', w.kp.id)),
      // P's own seat after the connection
      w.r(12.7, 'dv360', 'SP', w.kp.id),
      // a2's, rolled up only after its transfer below
      ...[14.2, 19.5].map((hh) => w.r(hh, 'ttd', 'SA', w.ka2.id)),
    ]);
    // P's own seat, late: before the connection (12:36) P was not in H's root, so H cannot write into that time
    await expectNotMapped(
      await w.hAdmin.at(20),
      [11, 12.5].map((hh) => w.r(hh, 'dv360', 'SP', w.kp.id)),
    );
    // on A's seat before the connection P was not A's to cover: refused, never debited to P
    await expectNotCovered(
      await w.hAdmin.at(20),
      [11, 12.5].map((hh) => w.r(hh, 'ttd', 'SA', w.kp.id)),
    );
    const f = await expectDailyEqualsHourly('connected, not rolled up yet', false);
    expect(f.records.length).toBeGreaterThan(0);
    await rollAll(20);
    await expectDailyEqualsHourly('connected');
    const a = naiveVisible(await facts(t.db), w.A.id, false);
    expect(a.some((x) => x.account_id === w.P.id)).toBe(true);
  });

  it('after a standard client is transferred to another agency, with late records', async () => {
    // a2's latest records are still unrolled: the rollup after the move must give them to B only from the transfer on
    await ingest(await w.hAdmin.at(22), w.H.id, [w.r(21.8, 'ttd', 'Sa2', null)]);
    await (await w.op.at(22.3)).clients.transfer({ accountId: w.a2.id, agencyId: w.B.id });
    await ingest(await w.hAdmin.at(25), w.H.id, [
      ...[23, 24.5].map((hh) => w.r(hh, 'dv360', 'SB', w.ka2.id)),
      ...[23.5].flatMap(w.everyone),
    ]);
    // a2's own seat, late: from before the transfer, where nobody above a2 sees it any more, refused
    await expectNotMapped(
      await w.hAdmin.at(25),
      [15, 22.1, 22.27].map((hh) => w.r(hh, 'ttd', 'Sa2', w.ka2.id)),
    );
    await expectNotCovered(
      await w.hAdmin.at(25),
      [15, 21.9].map((hh) => w.r(hh, 'dv360', 'SB', w.ka2.id)),
    );
    await expectDailyEqualsHourly('transferred, not rolled up yet', false);
    await rollAll(25);
    const f = await expectDailyEqualsHourly('transferred');
    // B sees a2 from the transfer on only; A sees none of a2 any more
    const toB = naiveVisible(f, w.B.id, false).filter((x) => x.account_id === w.a2.id);
    expect(toB.length).toBeGreaterThan(0);
    expect(toB.every((x) => x.occurred_at >= at(22.3))).toBe(true);
  });

  it('after a disconnect and a reconnect to another agency, with late records from every period', async () => {
    await (await w.pAdmin.at(26.2)).connections.disconnect({ clientId: w.P.id });
    await ingest(
      await w.pAdmin.at(27),
      w.P.id,
      [26.5, 27].map((hh) => w.r(hh, 'dv360', 'SP', w.kp.id)),
    );
    await rollAll(27);
    await expectDailyEqualsHourly('disconnected');
    await ingest(
      await w.pAdmin.at(29),
      w.P.id,
      [28.9].map((hh) => w.r(hh, 'dv360', 'SP', null)),
    );
    const req = await (await w.pAdmin.at(30.4)).connections.request({ clientId: w.P.id, agencyId: w.B.id });
    await (await w.bAdmin.at(30.4)).connections.accept({ connectionId: req.id });
    await ingest(await w.hAdmin.at(34), w.H.id, [
      ...[30.5, 33].map((hh) => w.r(hh, 'dv360', 'SB', w.kp.id)),
      w.r(30.45, 'dv360', 'SP', w.kp.id),
      ...[31.25].flatMap(w.everyone),
    ]);
    // P's own seat before the current connection: its earlier connection, the time alone, just before this one
    await expectNotMapped(
      await w.hAdmin.at(34),
      [13.2, 28.1, 30.3].map((hh) => w.r(hh, 'dv360', 'SP', w.kp.id)),
    );
    await expectNotCovered(
      await w.hAdmin.at(34),
      [13, 28, 30.3].map((hh) => w.r(hh, 'dv360', 'SB', w.kp.id)),
    );
    await expectDailyEqualsHourly('reconnected, not rolled up yet', false);
    await rollAll(34);
    const f = await expectDailyEqualsHourly('reconnected');
    const toB = naiveVisible(f, w.B.id, false).filter((x) => x.account_id === w.P.id);
    expect(toB.length).toBeGreaterThan(0);
    expect(toB.every((x) => x.occurred_at >= at(30.4))).toBe(true);
    expect(naiveVisible(f, w.A.id, false).some((x) => x.account_id === w.P.id)).toBe(false);
  });

  it("a disconnect waits for a rollup in flight (tree lock); later rollups give the client's records to no one above", async () => {
    await ingest(
      await w.hAdmin.at(35),
      w.H.id,
      [34.5].map((hh) => w.r(hh, 'dv360', 'SB', w.kp.id)),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    // a rollup's transaction: the tree lock shared, then the worker's range (added to P's current ancestors)
    const unit = t.db.transaction().execute(async (trx) => {
      await spendDaily.lockTreeForRollup(trx);
      holding();
      await gate;
    });
    await held;
    let done = false;
    const disconnect = (async () => (await w.pAdmin.at(36)).connections.disconnect({ clientId: w.P.id }))().then(
      () => (done = true),
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(done).toBe(false);
    release();
    await unit;
    await disconnect;
    await rollAll(37);
    const f = await expectDailyEqualsHourly('disconnected during a rollup');
    expect(naiveVisible(f, w.B.id, false).some((x) => x.account_id === w.P.id)).toBe(false);
    const b = await sql<{
      n: string;
    }>`select count(*)::text as n from spend_daily where viewer_id = ${w.B.id}::uuid and child_id = ${w.P.id}::uuid`.execute(
      t.db,
    );
    expect(b.rows[0]!.n).toBe('0');
  });

  it("reports.run reads the daily aggregate for the holding's report by day and account, and the finer tables otherwise", async () => {
    const base = {
      viewerId: w.H.id,
      rule: ROW_VISIBILITY[1],
      onlyAccountId: null,
      cutSelf: false,
      timeZone: 'Asia/Kolkata',
      from: '2026-11-01',
      to: '2026-11-04',
      filters: {},
    };
    expect(await reports.dailySource(t.db, { ...base, groupBy: ['day', 'account'] })).toEqual({
      rootId: w.H.id,
      children: null,
    });
    expect(
      await reports.dailySource(t.db, { ...base, groupBy: ['day', 'account'], filters: { account: [w.A.id] } }),
    ).toEqual({ rootId: w.H.id, children: [w.A.id] });
    for (const groupBy of [['hour'], ['seat'], ['deal'], ['campaign']] as ReportDimension[][])
      expect(await reports.dailySource(t.db, { ...base, groupBy })).toBeNull();
    // a grandchild (drill-down), a deal filter, another zone (a shared report's), an L3, a shared report: finer tables
    expect(await reports.dailySource(t.db, { ...base, groupBy: ['day'], filters: { account: [w.a1.id] } })).toBeNull();
    expect(await reports.dailySource(t.db, { ...base, groupBy: ['day'], filters: { deal: [w.a1.id] } })).toBeNull();
    expect(await reports.dailySource(t.db, { ...base, groupBy: ['day'], timeZone: 'UTC' })).toBeNull();
    expect(
      await reports.dailySource(t.db, { ...base, viewerId: w.a1.id, rule: ROW_VISIBILITY[3], groupBy: ['day'] }),
    ).toBeNull();
    expect(await reports.dailySource(t.db, { ...base, onlyAccountId: w.a1.id, groupBy: ['day'] })).toBeNull();
    // over the API: the same rows as the finer path
    const res = await (
      await w.hAdmin.at(40)
    ).reports.run({ accountId: w.H.id, from: '2026-11-01', to: '2026-11-04', groupBy: ['day', 'account'] });
    const finer = await reports
      .reportStatement(
        { ...base, groupBy: ['day', 'account'] },
        { ...(await reports.reportRange(t.db, { ...base, groupBy: ['day', 'account'] })), daily: null },
      )
      .execute(t.db);
    expect(res.rows.map((x) => [x.day, x.accountId, x.spendMicros])).toEqual(
      finer.rows.map((x) => [x.day, x.accountId, x.spend_micros]),
    );
    expect(new Set(res.rows.map((x) => x.accountName))).toEqual(new Set(['H', 'A', 'B']));
  });
});
