import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { callerAt, codeOf, holdingWithAdmin, snapshot, memberOf } from '../../testing';

const t = useTestDatabase();

async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const B = await admin.caller.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
  const A1 = await admin.caller.accounts.create({ parentId: A.id, name: 'A1', kind: 'client' });
  const aAnalyst = await memberOf(t.db, 'aan@x.test', A, 'analyst');
  const aOperator = await memberOf(t.db, 'aop@x.test', A, 'operator');
  const bAdmin = await memberOf(t.db, 'badmin@x.test', B, 'admin');
  return { op, holding, admin, A, B, A1, aAnalyst, aOperator, bAdmin };
}
const deal = {
  name: 'Spring PMP',
  publisher: 'Daily Planet',
  type: 'private_auction' as const,
  cpmMicros: 2_500_000,
  currency: 'EUR',
  dsps: ['dv360'],
};

describe('deals.create', () => {
  it('creates a deal with integer micros, audited; multi-DSP only at L1', async () => {
    const w = await world();
    const d = await w.aOperator.caller.deals.create({
      accountId: w.A.id,
      ...deal,
      startsAt: '2026-03-01T00:00:00Z',
      endsAt: '2026-05-31T00:00:00Z',
      dealId: 'DP-1',
    });
    expect(d).toMatchObject({
      dealId: 'DP-1',
      cpmMicros: '2500000',
      owner: { id: w.A.id, name: 'A' },
      dsps: ['dv360'],
      publisherInitiated: false,
      startsAt: '2026-03-01T00:00:00.000Z',
    });
    const multi = await w.admin.caller.deals.create({ accountId: w.holding.id, ...deal, dsps: ['ttd', 'dv360'] });
    expect(multi.dsps).toEqual(['dv360', 'ttd']);
    expect(multi.dealId).toMatch(/^TRL-[0-9A-F]{12}$/);
    const audit = (await w.admin.caller.audit.list({ accountId: w.holding.id })).items.filter(
      (e) => e.entityType === 'deal',
    );
    expect(audit.map((e) => e.action)).toEqual(['deal.create', 'deal.create']);
  });

  it.each([
    ['a multi-DSP deal below L1', { dsps: ['dv360', 'ttd'] }, 'FORBIDDEN', /Only a level-1 deal/],
    ['a negative CPM', { cpmMicros: -5 }, 'BAD_REQUEST', /must not be negative/],
    ['fractional micros', { cpmMicros: 2.5 }, 'BAD_REQUEST', /whole number of micros/],
    [
      'a flight ending before it starts',
      { startsAt: '2026-05-01T00:00:00Z', endsAt: '2026-04-01T00:00:00Z' },
      'BAD_REQUEST',
      /ends before it starts/,
    ],
    ['an unknown type', { type: 'handshake' }, 'BAD_REQUEST', /type/],
    ['a bad currency', { currency: 'EURO' }, 'BAD_REQUEST', /ISO 4217/],
    ['a non-date start', { startsAt: 'tomorrow' }, 'BAD_REQUEST', /startsAt/],
  ])('refuses %s, changing nothing', async (_l, patch, code, message) => {
    const w = await world();
    const before = await snapshot(t.db);
    const err = await w.aOperator.caller.deals
      .create({ accountId: w.A.id, ...deal, ...patch } as never)
      .catch((e) => e);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('refuses an analyst, an outsider, a taken deal id and an archived account', async () => {
    const w = await world();
    await w.admin.caller.deals.create({ accountId: w.holding.id, ...deal, dealId: 'X-1' });
    expect(await codeOf(w.aAnalyst.caller.deals.create({ accountId: w.A.id, ...deal }))).toBe('FORBIDDEN');
    expect(await codeOf(w.bAdmin.caller.deals.create({ accountId: w.A.id, ...deal }))).toBe('NOT_FOUND');
    expect(await codeOf(w.aOperator.caller.deals.create({ accountId: w.A.id, ...deal, dealId: 'X-1' }))).toBe(
      'CONFLICT',
    );
    const gone = await w.admin.caller.accounts.create({ parentId: w.A.id, name: 'Gone', kind: 'client' });
    await w.admin.caller.accounts.archive({ accountId: gone.id });
    expect(await codeOf(w.aOperator.caller.deals.create({ accountId: gone.id, ...deal }))).toBe('CONFLICT');
  });

  it('lets a platform operator create a publisher-initiated deal for a buyer account, and nothing else about deals', async () => {
    const w = await world();
    const d = await w.op.caller.deals.create({ accountId: w.A1.id, ...deal, publisher: 'Big Publisher' });
    expect(d).toMatchObject({ publisherInitiated: true, owner: { id: w.A1.id } });
    expect(await codeOf(w.op.caller.deals.get({ dealId: d.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.op.caller.deals.list({ accountId: w.A1.id }))).toBe('NOT_FOUND');
    expect((await w.aAnalyst.caller.deals.get({ dealId: d.id })).publisherInitiated).toBe(true);
  });
});

describe('deals.list and deals.get', () => {
  it("lists owned and inherited deals, each marked, and never a sibling's", async () => {
    const w = await world();
    const h = await w.admin.caller.deals.create({ accountId: w.holding.id, ...deal, name: 'H' });
    const a = await w.aOperator.caller.deals.create({ accountId: w.A.id, ...deal, name: 'A' });
    const a1 = await w.aOperator.caller.deals.create({ accountId: w.A1.id, ...deal, name: 'A1' });
    const b = await w.bAdmin.caller.deals.create({ accountId: w.B.id, ...deal, name: 'B' });
    const list = await w.aAnalyst.caller.deals.list({ accountId: w.A1.id });
    expect(list.items.map((d) => [d.name, d.source]).sort()).toEqual([
      ['A', 'inherited'],
      ['A1', 'owned'],
      ['H', 'inherited'],
    ]);
    expect((await w.aAnalyst.caller.deals.list({ accountId: w.A.id })).items.map((d) => d.name).sort()).toEqual([
      'A',
      'H',
    ]);
    for (const id of [h.id, a.id, a1.id]) expect(await codeOf(w.aAnalyst.caller.deals.get({ dealId: id }))).toBe('ok');
    expect(await codeOf(w.aAnalyst.caller.deals.get({ dealId: b.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.bAdmin.caller.deals.get({ dealId: a.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.admin.caller.deals.get({ dealId: b.id }))).toBe('ok');
  });

  it('pages with a cursor', async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) {
      const at = await callerAt(t.db, w.aOperator.token, new Date(Date.UTC(2026, 0, 1 + i)));
      await at.deals.create({ accountId: w.A.id, ...deal, name: `D${i}` });
    }
    const p1 = await w.aAnalyst.caller.deals.list({ accountId: w.A.id, limit: 3 });
    const p2 = await w.aAnalyst.caller.deals.list({ accountId: w.A.id, limit: 3, cursor: p1.nextCursor! });
    expect([...p1.items, ...p2.items].map((d) => d.name)).toEqual(['D4', 'D3', 'D2', 'D1', 'D0']);
    expect(p2.nextCursor).toBeNull();
  });
});
