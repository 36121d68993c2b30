import { beforeAll, describe, expect, it } from 'vitest';
import { ROW_VISIBILITY, type ReportDimension } from '@trellis/domain';
import { accounts, reports } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant, type Caller } from '../../testing';
import {
  at,
  childOf,
  facts,
  ingest,
  naiveVisible,
  person,
  rec,
  rollAll,
  sumBy,
  type Facts,
  type Person,
  type RawRecord,
} from '../../testing/report-world';

const t = useTestDatabase({ resetEach: false });

const deal = (
  name: string,
  dsps: string[],
  type: 'private_auction' | 'preferred_deal' | 'programmatic_guaranteed' = 'private_auction',
) => ({
  name,
  publisher: 'Pub',
  type,
  cpmMicros: 2_000_000,
  currency: 'EUR',
  dsps: dsps as ('dv360' | 'ttd' | 'xandr')[],
});

/**
 * Two holdings x two agencies x two clients; premium clients P (connected to A1 at 9:36, disconnected at 20:00) and
 * Q (connected to A2 at 9:12, stays); seats at the holding, agency and client levels and the premium clients' own;
 * deals at every level; open-auction rows. All records go through spend.ingest and the worker's rollup job.
 */
async function build() {
  const db = t.db;
  const op = await person(db, 'op@trellis.test', { platformOperator: true });
  const o = await op.at(0);
  const H1 = await o.accounts.createHolding({ name: 'H1', currency: 'EUR', timeZone: 'Europe/Berlin' });
  const H2 = await o.accounts.createHolding({ name: 'H2', currency: 'EUR', timeZone: 'Europe/Berlin' });
  const P = await o.clients.createPremium({ name: 'P', currency: 'EUR', timeZone: 'UTC' });
  const Q = await o.clients.createPremium({ name: 'Q', currency: 'EUR', timeZone: 'UTC' });
  const member = async (email: string, acc: { id: string; rootId: string }, role: 'admin' | 'operator' | 'analyst') => {
    const p = await person(db, email);
    await grant(db, p.userId, acc, role);
    return p;
  };
  const h1Admin = await member('h1admin@x.test', H1, 'admin');
  const h1Operator = await member('h1op@x.test', H1, 'operator');
  const h1Analyst = await member('h1an@x.test', H1, 'analyst');
  const h2Admin = await member('h2admin@x.test', H2, 'admin');
  const pAdmin = await member('padmin@x.test', P, 'admin');
  const qAdmin = await member('qadmin@x.test', Q, 'admin');
  const h1 = await h1Admin.at(0);
  const h2 = await h2Admin.at(0);
  const A1 = await h1.accounts.create({ parentId: H1.id, name: 'A1', kind: 'agency' });
  const A2 = await h1.accounts.create({ parentId: H1.id, name: 'A2', kind: 'agency' });
  const a11 = await h1.accounts.create({ parentId: A1.id, name: 'a11', kind: 'client' });
  const a12 = await h1.accounts.create({ parentId: A1.id, name: 'a12', kind: 'client', currency: 'USD' });
  const a21 = await h1.accounts.create({ parentId: A2.id, name: 'a21', kind: 'client' });
  await h1.accounts.create({ parentId: A2.id, name: 'a22', kind: 'client' });
  const B1 = await h2.accounts.create({ parentId: H2.id, name: 'B1', kind: 'agency' });
  const B2 = await h2.accounts.create({ parentId: H2.id, name: 'B2', kind: 'agency' });
  for (const [parent, n] of [
    [B1, 'b11'],
    [B1, 'b12'],
    [B2, 'b21'],
    [B2, 'b22'],
  ] as const)
    await h2.accounts.create({ parentId: parent.id, name: n, kind: 'client' });
  const a1Admin = await member('a1admin@x.test', A1, 'admin');
  const a1Analyst = await member('a1an@x.test', A1, 'analyst');
  const a2Admin = await member('a2admin@x.test', A2, 'admin');
  const a2Operator = await member('a2op@x.test', A2, 'operator');
  const a11Member = await member('a11@x.test', a11, 'admin');

  const link = async (c: Caller, accountId: string, dsp: 'dv360' | 'ttd' | 'xandr', seatId: string, to?: string) => {
    const s = await c.seats.link({ accountId, dsp, seatId });
    if (to) await c.seats.assign({ seatId: s.id, accountId: to });
    return s;
  };
  await link(h1, H1.id, 'dv360', 'SH');
  await link(h1, H1.id, 'ttd', 'SA1', A1.id);
  await link(h1, H1.id, 'dv360', 'Sa11', a11.id);
  await link(h1, H1.id, 'ttd', 'Sa12', a12.id);
  await link(h1, H1.id, 'dv360', 'SA2', A2.id);
  const SX = await link(h1, H1.id, 'xandr', 'SX', A1.id);
  await link(h2, H2.id, 'dv360', 'SH2');
  await link(h2, H2.id, 'ttd', 'SB1', B1.id);
  await link(await pAdmin.at(0), P.id, 'dv360', 'SP');
  await link(await qAdmin.at(0), Q.id, 'ttd', 'SQ');

  const dH1 = await h1.deals.create({
    accountId: H1.id,
    ...deal('Holding deal', ['dv360', 'ttd', 'xandr']),
    dealId: 'D-H1',
  });
  const dA1 = await h1.deals.create({ accountId: A1.id, ...deal('Agency deal', ['ttd']), dealId: 'D-A1' });
  const dA1x = await h1.deals.create({ accountId: A1.id, ...deal('Agency xandr deal', ['xandr']), dealId: 'D-A1X' });
  const da11 = await h1.deals.create({
    accountId: a11.id,
    ...deal('Client deal', ['dv360'], 'preferred_deal'),
    dealId: 'D-a11',
  });
  await h1.deals.create({ accountId: a12.id, ...deal('USD client deal', ['ttd']), dealId: 'D-a12' });
  const dA2 = await h1.deals.create({ accountId: A2.id, ...deal('A2 deal', ['dv360']), dealId: 'D-A2' });
  const dB1 = await h2.deals.create({ accountId: B1.id, ...deal('B1 deal', ['ttd']), dealId: 'D-B1' });
  const dP = await (
    await pAdmin.at(0)
  ).deals.create({ accountId: P.id, ...deal('P own deal', ['dv360'], 'programmatic_guaranteed'), dealId: 'D-P' });
  const k11 = await h1.campaigns.create({ clientId: a11.id, name: 'K11' });
  const k21 = await h1.campaigns.create({ clientId: a21.id, name: 'K21' });
  const kP = await (await pAdmin.at(0)).campaigns.create({ clientId: P.id, name: 'KP' });
  void [dH1, dA1, dA1x, da11, dA2, dB1, dP];

  const r = rec;
  const h1Lanes = (h: number) => [
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SH',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SH',
      dealId: 'D-H1',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'SA1',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'SA1',
      dealId: 'D-A1',
      auctionType: 'private_auction',
      campaignId: k11.id,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'Sa11',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'Sa11',
      dealId: 'D-a11',
      auctionType: 'preferred_deal',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'Sa11',
      dealId: 'D-H1',
      auctionType: 'private_auction',
      campaignId: k11.id,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'Sa12',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'USD',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'Sa12',
      dealId: 'D-A1',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'USD',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'Sa12',
      dealId: 'D-a12',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'USD',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SA2',
      dealId: 'D-A2',
      auctionType: 'private_auction',
      campaignId: k21.id,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SA2',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'xandr',
      seatId: 'SX',
      dealId: 'D-H1',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
  ];
  const pLanes = (h: number) => [
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SP',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SP',
      dealId: 'D-P',
      auctionType: 'programmatic_guaranteed',
      campaignId: kP.id,
      currency: 'EUR',
    }),
  ];
  const qLanes = (h: number) => [
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'SQ',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
  ];
  const h2Lanes = (h: number) => [
    r({
      occurredAt: at(h),
      dsp: 'dv360',
      seatId: 'SH2',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: 'EUR',
    }),
    r({
      occurredAt: at(h),
      dsp: 'ttd',
      seatId: 'SB1',
      dealId: 'D-B1',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
  ];

  // Phase 1: everyone on their own.
  const early = [1, 3.5, 7.25];
  await ingest(await h1Admin.at(8), H1.id, early.flatMap(h1Lanes));
  await ingest(await h2Admin.at(8), H2.id, early.flatMap(h2Lanes));
  await ingest(await pAdmin.at(9.55), P.id, [...early, 9.55].flatMap(pLanes));
  await ingest(await qAdmin.at(9.15), Q.id, [...early, 9.15].flatMap(qLanes));
  // Phase 2: Q connects to A2 at 9:12, P to A1 at 9:36 (mid-hour); A1 passes its xandr seat to P.
  const qReq = await (await qAdmin.at(9.2)).connections.request({ clientId: Q.id, agencyId: A2.id });
  await (await a2Admin.at(9.2)).connections.accept({ connectionId: qReq.id });
  const pReq = await (await pAdmin.at(9.6)).connections.request({ clientId: P.id, agencyId: A1.id });
  await (await a1Admin.at(9.6)).connections.accept({ connectionId: pReq.id });
  await (await a1Admin.at(9.7)).seats.assign({ seatId: SX.id, accountId: P.id });
  const mid = [12, 15.5];
  await ingest(await h1Admin.at(16), H1.id, [
    ...mid.flatMap(h1Lanes).filter((x) => x.seatId !== 'SX'),
    ...[9.65, 9.9, ...mid].flatMap(pLanes),
    ...[9.25, 9.9, ...mid].flatMap(qLanes),
    ...[9.8, ...mid].map((h) =>
      r({
        occurredAt: at(h),
        dsp: 'xandr',
        seatId: 'SX',
        dealId: 'D-A1X',
        auctionType: 'private_auction',
        campaignId: kP.id,
        currency: 'EUR',
      }),
    ),
    r({
      occurredAt: at(12),
      dsp: 'dv360',
      seatId: 'SP',
      dealId: 'D-H1',
      auctionType: 'private_auction',
      campaignId: null,
      currency: 'EUR',
    }),
  ]);
  await ingest(await h2Admin.at(16), H2.id, mid.flatMap(h2Lanes));
  await rollAll(db);
  return {
    op,
    H1,
    H2,
    A1,
    A2,
    a11,
    a12,
    a21,
    B1,
    P,
    Q,
    h1Admin,
    h1Operator,
    h1Analyst,
    h2Admin,
    pAdmin,
    qAdmin,
    a1Admin,
    a1Analyst,
    a2Admin,
    a2Operator,
    a11Member,
    kP,
    h2Lanes,
    pLanes,
    h1Lanes,
  };
}

let w: Awaited<ReturnType<typeof build>>;
beforeAll(async () => {
  w = await build();
}, 120_000);

const GROUP = ['account', 'seat', 'deal', 'auctionType', 'campaign', 'dsp'] as const;
/** The naive key: the account rolled up per level (the viewer's child on the path), then the other dimensions. */
const keyOfRaw = (f: Facts, viewerId: string) => (r: RawRecord) =>
  [
    childOf(f, viewerId, r.account_id),
    r.seat_id,
    r.deal_id ?? '-',
    r.auction_type,
    r.campaign_id ?? '-',
    r.dsp,
    r.currency,
  ].join('|');

/** reports.run over the whole test period, as sums by the same key as the naive filter's. */
async function reportSums(who: Person, accountId: string) {
  const res = await (
    await who.at(30)
  ).reports.run({ accountId, from: '2026-11-01', to: '2026-11-03', groupBy: [...GROUP] });
  const rows: Record<string, [string, string, string]> = {};
  for (const x of res.rows) {
    const k = [x.accountId, x.seatId, x.dealId ?? '-', x.auctionType, x.campaignId ?? '-', x.dsp, x.currency].join('|');
    expect(rows[k], `one row per key: ${k}`).toBeUndefined();
    rows[k] = [String(x.impressions), String(x.clicks), x.spendMicros];
  }
  return { rows, totals: res.totals, res };
}

async function expectMatches(who: Person, accountId: string, fromAbove: boolean) {
  const f = await facts(t.db);
  const visible = naiveVisible(f, accountId, fromAbove);
  const got = await reportSums(who, accountId);
  expect(got.rows).toEqual(sumBy(visible, keyOfRaw(f, accountId)));
  const totals = sumBy(visible, (r) => r.currency);
  expect(
    Object.fromEntries(got.totals.map((x) => [x.currency, [String(x.impressions), String(x.clicks), x.spendMicros]])),
  ).toEqual(totals);
  return { visible, got };
}

describe('reports.run: the visibility matrix of SPEC 7 against a naive filter over the raw records', () => {
  it.each([
    ['H1 (L1) admin', 'h1Admin', 'H1', false],
    ['H1 (L1) operator', 'h1Operator', 'H1', false],
    ['H1 (L1) analyst', 'h1Analyst', 'H1', false],
    ['A1 (L2) analyst', 'a1Analyst', 'A1', false],
    ['A2 (L2) operator', 'a2Operator', 'A2', false],
    ['a11 (standard L3) seen by the holding admin', 'h1Admin', 'a11', true],
    ['a12 (standard L3, USD) seen by the agency analyst', 'a1Analyst', 'a12', true],
    ['P (premium, connected) by its own admin', 'pAdmin', 'P', false],
    ['P (premium, connected) by its agency', 'a1Analyst', 'P', true],
    ['Q (premium, connected) by its own admin', 'qAdmin', 'Q', false],
    ['Q (premium, connected) by its agency', 'a2Operator', 'Q', true],
    ['H2 (the other holding)', 'h2Admin', 'H2', false],
    ['B1 (an agency of the other holding)', 'h2Admin', 'B1', false],
  ] as const)('%s: rows and totals equal the naive filter', async (_l, who, acc, fromAbove) => {
    const { visible } = await expectMatches(w[who], w[acc].id, fromAbove);
    expect(visible.length).toBeGreaterThan(0);
  });

  it('splits rows and totals by currency, never summing across them', async () => {
    const { got } = await expectMatches(w.h1Admin, w.H1.id, false);
    expect(got.totals.map((x) => x.currency)).toEqual(['EUR', 'USD']);
    const res = await (
      await w.h1Admin.at(30)
    ).reports.run({ accountId: w.H1.id, from: '2026-11-01', to: '2026-11-03', groupBy: ['day'] });
    expect(res.rows.map((x) => x.currency)).toEqual(['EUR', 'USD']);
    expect(res.rows.map((x) => x.spendMicros)).toEqual(res.totals.map((x) => x.spendMicros));
  });

  it('groups by account per level: a holding sees its agencies (and itself), an agency its clients; filters drill down', async () => {
    const h = await (
      await w.h1Admin.at(30)
    ).reports.run({ accountId: w.H1.id, from: '2026-11-01', to: '2026-11-03', groupBy: ['account'] });
    expect(new Set(h.rows.map((x) => x.accountName))).toEqual(new Set(['H1', 'A1', 'A2']));
    const a = await (
      await w.a1Analyst.at(30)
    ).reports.run({ accountId: w.A1.id, from: '2026-11-01', to: '2026-11-03', groupBy: ['account'] });
    expect(new Set(a.rows.map((x) => x.accountName))).toEqual(new Set(['A1', 'a11', 'a12', 'P']));
    // a holding filtering on a client sees that client's rows under its agency
    const f = await facts(t.db);
    const drill = await (
      await w.h1Admin.at(30)
    ).reports.run({
      accountId: w.H1.id,
      from: '2026-11-01',
      to: '2026-11-03',
      groupBy: ['account'],
      filters: { account: [w.a11.id] },
    });
    expect(drill.rows.map((x) => [x.accountName, x.spendMicros])).toEqual([
      ['A1', sumBy(naiveVisible(f, w.H1.id, false, w.a11.id), () => 'x').x![2]],
    ]);
  });

  it("an L3 never receives an open-auction row or an ancestor's deal on a seat assigned from above", async () => {
    const { got } = await expectMatches(w.h1Admin, w.a11.id, true);
    const rows = got.res.rows;
    expect(rows.map((x) => x.auctionType)).not.toContain('open_auction');
    expect(rows.map((x) => x.dealName)).toEqual(['Client deal']);
    // the premium client sees its open auction on the seat it linked, and the holding's deal on it, but not the
    // agency's deal on the agency's seat
    const p = await reportSums(w.pAdmin, w.P.id);
    const pRows = p.res.rows;
    expect(pRows.some((x) => x.auctionType === 'open_auction' && x.seatName === 'SP')).toBe(true);
    expect(pRows.some((x) => x.dealName === 'Holding deal')).toBe(true);
    expect(pRows.some((x) => x.dealName === 'Agency xandr deal')).toBe(false);
  });

  it('a connected agency sees a premium client only from the start of the current connection, to the record', async () => {
    const f = await facts(t.db);
    const cut = f.cut.get(w.P.id)!;
    expect(cut.getTime()).toBeGreaterThanOrEqual(at(9.6).getTime());
    const res = await (
      await w.a1Analyst.at(30)
    ).reports.run({
      accountId: w.A1.id,
      from: '2026-11-02',
      to: '2026-11-02',
      groupBy: ['hour', 'account'],
      filters: { account: [w.P.id] },
    });
    const hour9 = res.rows.find((x) => x.hour === at(9).toISOString().replace('.000Z', 'Z'));
    const expected = sumBy(
      naiveVisible(f, w.A1.id, false).filter(
        (r) => r.account_id === w.P.id && r.occurred_at >= at(9) && r.occurred_at < at(10),
      ),
      () => 'x',
    ).x!;
    // the hour of the connection holds the records after it (9:39, 9:48, 9:54) and none of 9:33
    expect([String(hour9!.impressions), String(hour9!.clicks), hour9!.spendMicros]).toEqual(expected);
    expect(res.rows.every((x) => x.hour! >= at(9).toISOString())).toBe(true);
  });

  it.each([
    ['H1 (L1)', 'H1', false],
    ['A1 (L2), with the premium client connected mid-hour', 'A1', false],
    ['P (premium L3) by its own members', 'P', false],
    ["P (premium L3) from above: the connection's cut", 'P', true],
    ['a11 (standard L3) from above', 'a11', true],
  ] as const)(
    "the CSV export's one-pass statement gives the rows of reports.run, in its order: %s",
    async (_l, acc, fromAbove) => {
      const a = (await accounts.findAccount(t.db, w[acc].id))!;
      const groupings: ReportDimension[][] = [
        ['hour', 'seat', 'auctionType'],
        ['day', 'account', 'deal', 'campaign', 'dsp'],
        ['month', 'deal'],
        ['campaign', 'seat'],
        [],
      ];
      for (const groupBy of groupings) {
        const plan: reports.ReportPlan = {
          viewerId: a.id,
          rule: ROW_VISIBILITY[a.level],
          onlyAccountId: null,
          cutSelf: fromAbove,
          timeZone: a.timeZone,
          from: '2026-11-01',
          to: '2026-11-03',
          groupBy,
          filters: {},
        };
        const range = await reports.reportRange(t.db, plan);
        const run = await reports.runReport(t.db, plan, 100_000);
        const oneSort = (await reports.reportStatement(plan, range, { oneSort: true }).execute(t.db)).rows.map(
          reports.rowReader(groupBy),
        );
        expect(oneSort, groupBy.join(',')).toEqual(run.rows);
        expect(run.rows.length).toBeGreaterThan(0);
      }
    },
  );

  it.each([
    ["a standard client's own member", 'a11Member', 'a11', 'FORBIDDEN'],
    ['a platform operator', 'op', 'H1', 'NOT_FOUND'],
    ['the other holding', 'h2Admin', 'H1', 'NOT_FOUND'],
    ['a sibling agency', 'a1Analyst', 'A2', 'NOT_FOUND'],
    ['a sibling agency on its client', 'a1Analyst', 'a21', 'NOT_FOUND'],
  ] as const)('refuses %s', async (_l, who, acc, code) => {
    expect(
      await codeOf(
        (await w[who].at(30)).reports.run({
          accountId: w[acc].id,
          from: '2026-11-01',
          to: '2026-11-03',
          groupBy: ['day'],
        }),
      ),
    ).toBe(code);
  });

  it('after a disconnect the agency and holding see none of the client, past spend included; the client keeps all of it', async () => {
    await (await w.pAdmin.at(20)).connections.disconnect({ clientId: w.P.id });
    await ingest(await w.pAdmin.at(23), w.P.id, [21, 23].flatMap(w.pLanes));
    await ingest(await w.h1Admin.at(23), w.H1.id, [
      rec({
        occurredAt: at(22),
        dsp: 'xandr',
        seatId: 'SX',
        dealId: 'D-A1X',
        auctionType: 'private_auction',
        campaignId: null,
        currency: 'EUR',
      }),
    ]);
    await rollAll(t.db);
    const a1 = await expectMatches(w.a1Analyst, w.A1.id, false);
    expect(a1.got.res.rows.some((x) => x.accountId === w.P.id)).toBe(false);
    expect(a1.got.res.rows.some((x) => x.seatName === 'SX' && x.accountId === w.A1.id)).toBe(true);
    await expectMatches(w.h1Admin, w.H1.id, false);
    const p = await expectMatches(w.pAdmin, w.P.id, false);
    // its own history from before, during and after the connection
    expect(p.visible.some((r) => r.occurred_at < at(9.6))).toBe(true);
    expect(p.visible.some((r) => r.occurred_at > at(12) && r.occurred_at < at(20))).toBe(true);
    expect(p.visible.some((r) => r.occurred_at > at(20))).toBe(true);
    expect(
      await codeOf(
        (await w.a1Analyst.at(30)).reports.run({
          accountId: w.P.id,
          from: '2026-11-01',
          to: '2026-11-03',
          groupBy: [],
        }),
      ),
    ).toBe('NOT_FOUND');
  });
});
