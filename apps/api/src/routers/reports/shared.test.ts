import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant } from '../../testing';
import { at, facts, ingest, naiveVisible, person, rec, rollAll, sumBy, type Person } from '../../testing/report-world';

const t = useTestDatabase();

/** Holding H > agency A > standard clients C1, C2 (siblings); a premium client P connected to A. */
async function world() {
  const db = t.db;
  const op = await person(db, 'op@trellis.test', { platformOperator: true });
  const H = await (await op.at(0)).accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'Europe/Paris' });
  const P = await (await op.at(0)).clients.createPremium({ name: 'P', currency: 'EUR', timeZone: 'UTC' });
  const member = async (email: string, acc: { id: string; rootId: string }, role: 'admin' | 'operator' | 'analyst') => {
    const p = await person(db, email);
    await grant(db, p.userId, acc, role);
    return p;
  };
  const hAdmin = await member('h@x.test', H, 'admin');
  const h = await hAdmin.at(0);
  const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
  const C1 = await h.accounts.create({ parentId: A.id, name: 'C1', kind: 'client', timeZone: 'America/New_York' });
  const C2 = await h.accounts.create({ parentId: A.id, name: 'C2', kind: 'client' });
  const aOperator = await member('aop@x.test', A, 'operator');
  const aAnalyst = await member('aan@x.test', A, 'analyst');
  const aAdmin = await member('aadmin@x.test', A, 'admin');
  const c1Member = await member('c1@x.test', C1, 'admin');
  const c2Member = await member('c2@x.test', C2, 'admin');
  const pAdmin = await member('p@x.test', P, 'admin');
  const req = await (await pAdmin.at(0)).connections.request({ clientId: P.id, agencyId: A.id });
  await (await aAdmin.at(0)).connections.accept({ connectionId: req.id });
  const s = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'S-A' });
  await h.seats.assign({ seatId: s.id, accountId: A.id });
  const k1 = await h.campaigns.create({ clientId: C1.id, name: 'K1' });
  const k2 = await h.campaigns.create({ clientId: C2.id, name: 'K2' });
  const kp = await h.campaigns.create({ clientId: P.id, name: 'KP' });
  const lane = (hh: number, campaignId: string | null) =>
    rec({
      occurredAt: at(hh),
      dsp: 'dv360',
      seatId: 'S-A',
      dealId: null,
      auctionType: 'open_auction',
      campaignId,
      currency: 'EUR',
    });
  await ingest(
    await hAdmin.at(51),
    H.id,
    [1, 2, 30, 50].flatMap((hh) => [lane(hh, k1.id), lane(hh, k2.id), lane(hh, null), lane(hh, kp.id)]),
  );
  await rollAll(db);
  return { op, H, A, C1, C2, P, hAdmin, aOperator, aAnalyst, aAdmin, c1Member, c2Member, pAdmin };
}

const query = {
  groupBy: ['day', 'account', 'auctionType'] as ('day' | 'account' | 'auctionType')[],
  range: { from: '2026-11-01', to: '2026-11-05' },
};
const rowsAsSums = (
  rows: { day?: string; accountId?: string; impressions: number; clicks: number; spendMicros: string }[],
) =>
  rows.reduce<Record<string, [string, string, string]>>(
    (m, r) => ({
      ...m,
      [`${r.accountId}`]: [0, 1, 2].map((i) =>
        String(BigInt(m[`${r.accountId}`]?.[i] ?? 0) + BigInt([r.impressions, r.clicks, r.spendMicros][i]!)),
      ) as [string, string, string],
    }),
    {},
  );

let w: Awaited<ReturnType<typeof world>>;
beforeEach(async () => {
  w = await world();
});

async function shareWithC1(by: Person = w.aOperator) {
  const c = await by.at(60);
  const saved = await c.reports.save({ accountId: w.A.id, name: 'Weekly spend', query });
  await c.reports.share({ reportId: saved.id, clientId: w.C1.id });
  return saved;
}

describe('saved and shared reports (SPEC 7, 10)', () => {
  it("a standard client's member runs a shared report and receives only the client's rows, open auction included", async () => {
    const saved = await shareWithC1();
    const c1 = await w.c1Member.at(60);
    const list = await c1.reports.shared({ accountId: w.C1.id });
    expect(list.items.map((i) => [i.id, i.name, i.sharedFrom])).toEqual([[saved.id, 'Weekly spend', 'A']]);
    expect(JSON.stringify(list)).not.toContain('filters');
    const res = await c1.reports.runSaved({ reportId: saved.id });
    expect(res.name).toBe('Weekly spend');
    expect(res.timeZone).toBe('America/New_York');
    expect(new Set(res.rows.map((r) => r.accountId))).toEqual(new Set([w.C1.id]));
    expect(res.rows.every((r) => r.auctionType === 'open_auction')).toBe(true);
    const f = await facts(t.db);
    expect(rowsAsSums(res.rows)).toEqual(sumBy(naiveVisible(f, w.A.id, false, w.C1.id), (r) => r.account_id));
    // and it is still the agency's report, unchanged, for its own members
    const own = await (await w.aAnalyst.at(60)).reports.runSaved({ reportId: saved.id });
    expect(new Set(own.rows.map((r) => r.accountId))).toEqual(new Set([w.A.id, w.C1.id, w.C2.id, w.P.id]));
  });

  it("never shows it to a sibling client, and a standard client's member cannot change it", async () => {
    const saved = await shareWithC1();
    const c2 = await w.c2Member.at(60);
    expect((await c2.reports.shared({ accountId: w.C2.id })).items).toEqual([]);
    expect(await codeOf(c2.reports.runSaved({ reportId: saved.id }))).toBe('NOT_FOUND');
    expect(await codeOf(c2.reports.runSaved({ reportId: saved.id, clientId: w.C1.id }))).toBe('NOT_FOUND');
    expect(await codeOf(c2.reports.shared({ accountId: w.C1.id }))).toBe('NOT_FOUND');
    const c1 = await w.c1Member.at(60);
    expect(await codeOf(c1.reports.share({ reportId: saved.id, clientId: w.C1.id }))).toBe('NOT_FOUND');
    expect(await codeOf(c1.reports.unshare({ reportId: saved.id, clientId: w.C1.id }))).toBe('NOT_FOUND');
    expect(await codeOf(c1.reports.save({ accountId: w.C1.id, name: 'Mine', query }))).toBe('FORBIDDEN');
    expect(await codeOf(c1.reports.saved({ accountId: w.C1.id }))).toBe('FORBIDDEN');
    expect(
      await codeOf(c1.reports.run({ accountId: w.C1.id, from: '2026-11-01', to: '2026-11-05', groupBy: [] })),
    ).toBe('FORBIDDEN');
    expect(await codeOf(c1.reports.saved({ accountId: w.A.id }))).toBe('NOT_FOUND');
    // an analyst may save and run, not share
    const an = await w.aAnalyst.at(60);
    expect(await codeOf(an.reports.share({ reportId: saved.id, clientId: w.C2.id }))).toBe('FORBIDDEN');
    // a platform operator reads no reports
    expect(await codeOf((await w.op.at(60)).reports.runSaved({ reportId: saved.id }))).toBe('NOT_FOUND');
  });

  it('unsharing removes it from the client at once: NOT_FOUND', async () => {
    const saved = await shareWithC1();
    const c1 = await w.c1Member.at(60);
    expect(await codeOf(c1.reports.runSaved({ reportId: saved.id }))).toBe('ok');
    await (await w.aOperator.at(61)).reports.unshare({ reportId: saved.id, clientId: w.C1.id });
    expect(await codeOf(c1.reports.runSaved({ reportId: saved.id }))).toBe('NOT_FOUND');
    expect((await c1.reports.shared({ accountId: w.C1.id })).items).toEqual([]);
  });

  it('audits save, share and unshare', async () => {
    const saved = await shareWithC1();
    await (await w.aOperator.at(61)).reports.unshare({ reportId: saved.id, clientId: w.C1.id });
    const entries = await sql<{
      action: string;
      entity_id: string;
    }>`select action, entity_id from audit_entries where entity_type = 'report' order by at, action`.execute(t.db);
    expect(entries.rows).toEqual([
      { action: 'report.save', entity_id: saved.id },
      { action: 'report.share', entity_id: saved.id },
      { action: 'report.unshare', entity_id: saved.id },
    ]);
  });

  it("shares only with a client under the report's account", async () => {
    const c = await w.aOperator.at(60);
    const saved = await c.reports.save({ accountId: w.C2.id, name: 'C2 only', query });
    expect(await codeOf(c.reports.share({ reportId: saved.id, clientId: w.C1.id }))).toBe('BAD_REQUEST');
    expect(await codeOf(c.reports.share({ reportId: saved.id, clientId: w.A.id }))).toBe('BAD_REQUEST');
    expect(await codeOf(c.reports.share({ reportId: saved.id, clientId: w.C2.id }))).toBe('ok');
  });

  it("is shared by the agency, never by the client's own members (SPEC 7)", async () => {
    const p = await w.pAdmin.at(60);
    const own = await p.reports.save({ accountId: w.P.id, name: 'P by P', query });
    expect(await codeOf(p.reports.share({ reportId: own.id, clientId: w.P.id }))).toBe('FORBIDDEN');
    expect((await p.reports.shared({ accountId: w.P.id })).items).toEqual([]);
    // the agency may share a report on the client with the client
    const a = await w.aOperator.at(60);
    const byAgency = await a.reports.save({ accountId: w.P.id, name: 'P by A', query });
    expect(await codeOf(a.reports.share({ reportId: byAgency.id, clientId: w.P.id }))).toBe('ok');
    expect((await p.reports.shared({ accountId: w.P.id })).items.map((r) => r.name)).toEqual(['P by A']);
  });

  it("a preset range moves with the days, in the client's zone", async () => {
    const c = await w.aOperator.at(60);
    const saved = await c.reports.save({
      accountId: w.A.id,
      name: 'Last 7',
      query: { groupBy: ['day'], range: { preset: 'last7' } },
    });
    const res = await c.reports.runSaved({ reportId: saved.id });
    // at T0+60h it is 2026-11-04 in Paris
    expect([res.from, res.to]).toEqual(['2026-10-29', '2026-11-04']);
    expect((await (await w.aOperator.at(60 + 48)).reports.runSaved({ reportId: saved.id })).to).toBe('2026-11-06');
    const listed = await c.reports.saved({ accountId: w.A.id });
    expect(listed.items.map((i) => i.name)).toEqual(['Last 7']);
  });

  it('a premium client that disconnects loses what its agency shared with it', async () => {
    const c = await w.aOperator.at(60);
    const saved = await c.reports.save({ accountId: w.A.id, name: 'For P', query });
    await c.reports.share({ reportId: saved.id, clientId: w.P.id });
    const p = await w.pAdmin.at(60);
    expect((await p.reports.shared({ accountId: w.P.id })).items.map((i) => i.name)).toEqual(['For P']);
    await (await w.pAdmin.at(61)).connections.disconnect({ clientId: w.P.id });
    expect((await p.reports.shared({ accountId: w.P.id })).items).toEqual([]);
    expect(await codeOf(p.reports.runSaved({ reportId: saved.id }))).toBe('NOT_FOUND');
    const n = await sql<{ n: string }>`select count(*)::text as n from report_shares`.execute(t.db);
    expect(n.rows[0]!.n).toBe('0');
  });
});
