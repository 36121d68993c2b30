import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant } from '../../testing';
import { at, ingest, person, rec, rollAll } from '../../testing/report-world';

const t = useTestDatabase();

describe("deals.delivery: a deal's impressions and spend by day", () => {
  it("shows the owner's members and those above it the Reports page's figures; not a client using it, nor anyone else", async () => {
    const op = await (await person(t.db, 'op@trellis.test', { platformOperator: true })).at(0);
    const H = await op.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
    const hAdmin = await person(t.db, 'h@x.test');
    await grant(t.db, hAdmin.userId, H, 'admin');
    const h = await hAdmin.at(0);
    const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
    const B = await h.accounts.create({ parentId: H.id, name: 'B', kind: 'agency' });
    const C1 = await h.accounts.create({ parentId: A.id, name: 'C1', kind: 'client' });
    const seat = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'seat-1' });
    await h.seats.assign({ seatId: seat.id, accountId: C1.id });
    const deal = await h.deals.create({
      accountId: A.id,
      name: 'A deal',
      publisher: 'P',
      type: 'preferred_deal',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['dv360'],
      dealId: 'deal-a',
    });
    const base = {
      dsp: 'dv360',
      seatId: 'seat-1',
      dealId: 'deal-a',
      auctionType: 'preferred_deal',
      campaignId: null,
      currency: 'EUR',
    };
    await ingest(await hAdmin.at(60), H.id, [
      rec({ ...base, occurredAt: at(2), impressions: 100, clicks: 1, spendMicros: 1_000_001 }),
      rec({ ...base, occurredAt: at(3), impressions: 50, clicks: 0, spendMicros: 500_000 }),
      rec({ ...base, occurredAt: at(26), impressions: 70, clicks: 2, spendMicros: 700_007 }),
      rec({ ...base, dealId: null, auctionType: 'open_auction', occurredAt: at(27), spendMicros: 9 }),
    ]);
    await rollAll(t.db);
    const member = async (email: string, acc: { id: string; rootId: string }, role: 'admin' | 'analyst') => {
      const p = await person(t.db, email);
      await grant(t.db, p.userId, acc, role);
      return p.at(72);
    };
    const aAnalyst = await member('a@x.test', A, 'analyst');
    const range = { dealId: deal.id, from: '2026-11-01', to: '2026-11-05' };
    const d = await aAnalyst.deals.delivery(range);
    expect(d.days).toEqual([
      { day: '2026-11-02', currency: 'EUR', impressions: 150, clicks: 1, spendMicros: '1500001' },
      { day: '2026-11-03', currency: 'EUR', impressions: 70, clicks: 2, spendMicros: '700007' },
    ]);
    const report = await aAnalyst.reports.run({
      accountId: A.id,
      from: range.from,
      to: range.to,
      groupBy: ['day'],
      filters: { deal: [deal.id] },
    });
    expect(d.days.map((x) => x.spendMicros)).toEqual(report.rows.map((x) => x.spendMicros));
    expect((await (await hAdmin.at(72)).deals.delivery(range)).totals).toEqual(d.totals);
    // a (premium) client using its agency's deal sees its terms but not its delivery (SPEC 2.1)
    const premium = await op.clients.promote({ accountId: C1.id }).then(() => member('c1b@x.test', C1, 'admin'));
    expect(await codeOf(premium.deals.get({ dealId: deal.id }))).toBe('ok');
    expect(await codeOf(premium.deals.delivery(range))).toBe('FORBIDDEN');
    // a sibling agency and another tenant never learn the deal exists
    const bAdmin = await member('b@x.test', B, 'admin');
    const nobody = await (await person(t.db, 'n@x.test')).at(72);
    for (const c of [bAdmin, nobody]) {
      const e = await c.deals.delivery(range).catch((x) => x);
      const none = await c.deals.delivery({ ...range, dealId: crypto.randomUUID() }).catch((x) => x);
      expect([e.code, e.message]).toEqual(['NOT_FOUND', 'Deal not found.']);
      expect([none.code, none.message]).toEqual(['NOT_FOUND', 'Deal not found.']);
    }
    expect(await codeOf(aAnalyst.deals.delivery({ ...range, to: '2026-10-01' }))).toBe('BAD_REQUEST');
  });

  it('lists seat targets with the agency each sits in', async () => {
    const op = await (await person(t.db, 'op@trellis.test', { platformOperator: true })).at(0);
    const H = await op.accounts.createHolding({ name: 'H', currency: 'EUR', timeZone: 'UTC' });
    const hAdmin = await person(t.db, 'h@x.test');
    await grant(t.db, hAdmin.userId, H, 'admin');
    const h = await hAdmin.at(0);
    const A = await h.accounts.create({ parentId: H.id, name: 'A', kind: 'agency' });
    const B = await h.accounts.create({ parentId: H.id, name: 'B', kind: 'agency' });
    await h.accounts.create({ parentId: A.id, name: 'a1', kind: 'client' });
    await h.accounts.create({ parentId: B.id, name: 'b1', kind: 'client' });
    const seat = await h.seats.link({ accountId: H.id, dsp: 'dv360', seatId: 'seat-1' });
    const targets = (await h.seats.targets({ seatId: seat.id })).items;
    expect(Object.fromEntries(targets.map((x) => [x.name, x.agency?.name ?? null]))).toEqual({
      A: 'A',
      B: 'B',
      a1: 'A',
      b1: 'B',
    });
  });
});
