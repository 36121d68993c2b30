import type { Server } from 'node:http';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { spend } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp } from '../../app';
import { createContextInner } from '../../context';
import { createCaller } from '../../root';
import { callerAt, codeOf, holdingWithAdmin, memberOf } from '../../testing';

const t = useTestDatabase();

/**
 * Holding H (admin, operator, analyst) > agency A > clients A1, A2; seat S1 (dv360) at A1, S2 (ttd) at A; deal D-A
 * of A; campaign of A2.
 */
async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const c = admin.caller;
  const A = await c.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const A1 = await c.accounts.create({ parentId: A.id, name: 'A1', kind: 'client' });
  const A2 = await c.accounts.create({ parentId: A.id, name: 'A2', kind: 'client' });
  const linkedAt = new Date();
  const s1 = await c.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: 'S1' });
  await c.seats.assign({ seatId: s1.id, accountId: A1.id });
  const s2 = await c.seats.link({ accountId: holding.id, dsp: 'ttd', seatId: 'S2' });
  await c.seats.assign({ seatId: s2.id, accountId: A.id });
  const deal = await c.deals.create({
    accountId: A.id,
    name: 'D',
    publisher: 'P',
    type: 'private_auction',
    cpmMicros: '1000000',
    currency: 'EUR',
    dsps: ['dv360'],
    dealId: 'D-A',
  } as never);
  const k2 = await c.campaigns.create({ clientId: A2.id, name: 'K2' });
  const hOperator = await memberOf(t.db, 'hop@x.test', holding, 'operator');
  const hAnalyst = await memberOf(t.db, 'han@x.test', holding, 'analyst');
  const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
  const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
  return { op, holding, admin, A, A1, A2, s1, s2, deal, k2, hOperator, hAnalyst, aAdmin, other, linkedAt };
}

const keyCaller = async (key: string) => createCaller(await createContextInner({ db: t.db, ingestKey: key }));
let n = 0;
const rec = (over: Record<string, unknown> = {}) => ({
  eventId: `e${++n}`,
  occurredAt: new Date(Date.now() + 1000).toISOString(),
  dsp: 'dv360',
  seatId: 'S1',
  dealId: null,
  auctionType: 'open_auction',
  campaignId: null,
  impressions: 10,
  clicks: 1,
  spendMicros: 1000,
  currency: 'EUR',
  ...over,
});
const count = async (table: string) =>
  Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.id(table)}`.execute(t.db)).rows[0]!.n);

describe('ingestKeys', () => {
  it('shows a key once, stores only its hash, lists without it, and records its use', async () => {
    const w = await world();
    const k = await w.admin.caller.ingestKeys.create({ accountId: w.holding.id, name: 'DSP feed' });
    expect(k.key).toMatch(/^trk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const stored = await sql<{ key_hash: string }>`select key_hash from ingest_keys`.execute(t.db);
    expect(stored.rows[0]!.key_hash).not.toContain(k.key.slice(-43));
    const list = await w.admin.caller.ingestKeys.list({ accountId: w.holding.id });
    expect(list.items).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(k.key.slice(-43));
    expect(list.items[0]).toMatchObject({ id: k.id, name: 'DSP feed', lastUsedAt: null, batches: 0 });
    const res = await (await keyCaller(k.key)).spend.ingest({ accountId: w.holding.id, records: [rec()] });
    expect(res).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    const after = (await w.admin.caller.ingestKeys.list({ accountId: w.holding.id })).items[0]!;
    expect(after.batches).toBe(1);
    expect(after.lastUsedAt).not.toBeNull();
  });

  it('lets only admins of a root manage keys', async () => {
    const w = await world();
    expect(await codeOf(w.hOperator.caller.ingestKeys.create({ accountId: w.holding.id, name: 'x' }))).toBe(
      'FORBIDDEN',
    );
    const notRoot = await w.aAdmin.caller.ingestKeys.create({ accountId: w.A.id, name: 'x' }).catch((e) => e);
    expect([notRoot.code, notRoot.message]).toEqual(['FORBIDDEN', expect.stringMatching(/root account/)]);
    expect(await codeOf(w.other.admin.caller.ingestKeys.list({ accountId: w.holding.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.op.caller.ingestKeys.create({ accountId: w.holding.id, name: 'x' }))).toBe('NOT_FOUND');
    const k = await w.admin.caller.ingestKeys.create({ accountId: w.holding.id, name: 'x' });
    expect(await codeOf(w.other.admin.caller.ingestKeys.revoke({ keyId: k.id }))).toBe('NOT_FOUND');
    expect(
      await codeOf(w.other.admin.caller.ingestKeys.revoke({ keyId: '00000000-0000-4000-8000-000000000000' })),
    ).toBe('NOT_FOUND');
  });

  it('refuses a revoked key, a key of another root, a forged key, and any other procedure with a key', async () => {
    const w = await world();
    const k = await w.admin.caller.ingestKeys.create({ accountId: w.holding.id, name: 'x' });
    const ko = await w.other.admin.caller.ingestKeys.create({ accountId: w.other.holding.id, name: 'x' });
    const other = await keyCaller(ko.key);
    expect(await codeOf(other.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe('NOT_FOUND');
    const forged = await keyCaller(`${k.key.slice(0, -4)}AAAA`);
    expect(await codeOf(forged.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe('UNAUTHORIZED');
    const mine = await keyCaller(k.key);
    expect(await codeOf(mine.accounts.tree({ accountId: w.holding.id }))).toBe('UNAUTHORIZED');
    expect(await codeOf(mine.spend.status({ accountId: w.holding.id }))).toBe('UNAUTHORIZED');
    expect(await codeOf(mine.ingestKeys.list({ accountId: w.holding.id }))).toBe('UNAUTHORIZED');
    await w.admin.caller.ingestKeys.revoke({ keyId: k.id });
    expect(await codeOf((await keyCaller(k.key)).spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await count('spend_records')).toBe(0);
  });

  it('takes a key only as an Authorization bearer over HTTP, never from a cookie', async () => {
    const w = await world();
    const k = await w.admin.caller.ingestKeys.create({ accountId: w.holding.id, name: 'x' });
    const server: Server = createApp({ db: t.db, publicUrl: 'http://localhost' }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/trpc/spend.ingest`;
      const body = JSON.stringify({ accountId: w.holding.id, records: [rec({ eventId: 'http-1' })] });
      const ok = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { result: { data: { accepted: number } } }).result.data.accepted).toBe(1);
      const cookie = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', cookie: `trellis_session=${k.key}` },
      });
      expect(cookie.status).toBe(401);
      const big = JSON.stringify({
        accountId: w.holding.id,
        records: Array.from({ length: 10_000 }, (_, i) => rec({ eventId: `big-${i}` })),
      });
      const many = await fetch(url, {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
      });
      expect(((await many.json()) as { result: { data: { accepted: number } } }).result.data.accepted).toBe(10_000);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('spend.ingest', () => {
  it('answers accepted, duplicates and each rejected record with its index and reason; stores the good ones', async () => {
    const w = await world();
    const cases: [string, unknown][] = [
      ['malformed', rec({ occurredAt: 'soon' })],
      ['malformed', { eventId: 'x', nested: { no: 1 } }],
      ['negative_number', rec({ impressions: -5 })],
      ['clicks_above_impressions', rec({ impressions: 1, clicks: 2 })],
      ['occurred_in_future', rec({ occurredAt: new Date(Date.now() + 7 * 86_400_000).toISOString() })],
      ['unknown_seat', rec({ seatId: 'NOPE' })],
      ['seat_not_mapped', rec({ occurredAt: '2020-01-01T00:00:00Z' })],
      ['deal_not_usable', rec({ dsp: 'ttd', seatId: 'S2', dealId: 'NOPE', auctionType: 'private_auction' })],
      ['campaign_not_covered', rec({ campaignId: w.k2.id })],
      ['currency_mismatch', rec({ currency: 'USD' })],
    ];
    const dup = rec();
    const batch = [
      dup,
      ...cases.map((c) => c[1]),
      { ...dup },
      rec({ seatId: 'S1', dealId: 'D-A', auctionType: 'private_auction' }),
      rec({ dsp: 'ttd', seatId: 'S2', campaignId: w.k2.id }),
    ];
    const res = await w.hOperator.caller.spend.ingest({ accountId: w.holding.id, records: batch });
    expect(res.accepted).toBe(3);
    expect(res.duplicates).toBe(1);
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual(cases.map((c, i) => [i + 1, c[0]]));
    expect(res.rejected[0]).toMatchObject({ eventId: expect.any(String), detail: 'occurredAt' });
    const attributed = await sql<{ account_id: string }>`select account_id from spend_records order by seq`.execute(
      t.db,
    );
    expect(attributed.rows.map((r) => r.account_id)).toEqual([w.A1.id, w.A1.id, w.A2.id]);
    const again = await w.admin.caller.spend.ingest({ accountId: w.holding.id, records: batch });
    expect(again).toMatchObject({ accepted: 0, duplicates: 4 });
    const status = await w.admin.caller.spend.status({ accountId: w.holding.id });
    expect(status).toMatchObject({ pendingRecords: 3 });
    expect(status.batches.map((b) => [b.source, b.accepted, b.duplicates, b.rejected])).toEqual([
      ['api', 0, 4, cases.length],
      ['api', 3, 1, cases.length],
    ]);
  });

  it('rejects, each on its own, records carrying a NUL or a lone surrogate or not flat, and stores their neighbours', async () => {
    const w = await world();
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const bad: [unknown, string | null, string][] = [
      [rec({ eventId: 'nul-dsp', dsp: 'dv\u0000360' }), 'nul-dsp', 'dsp'],
      [rec({ eventId: 'bad\ud800' }), null, 'eventId'],
      [rec({ eventId: 'lone-low', currency: 'E\udfffR' }), 'lone-low', 'currency'],
      [rec({ eventId: 'deep', campaignId: deep }), 'deep', 'campaignId'],
      [{ ...rec({ eventId: 'extra' }), note: ['a'] }, 'extra', 'note'],
      [rec({ eventId: 'nul-key', 'x\u0000': 1 }), 'nul-key', 'a field name'],
      [deep, null, 'a'],
      [[deep], null, 'not an object'],
      ['a\u0000b', null, 'not an object'],
    ];
    const first = rec();
    const last = rec();
    const res = await w.admin.caller.spend.ingest({
      accountId: w.holding.id,
      records: [first, ...bad.map((b) => b[0]), last],
    });
    expect(res.accepted).toBe(2);
    expect(res.rejected).toEqual(
      bad.map(([, eventId, detail], i) => ({ index: i + 1, eventId, reason: 'malformed', detail })),
    );
    const stored = await sql<{ event_id: string }>`select event_id from spend_records order by seq`.execute(t.db);
    expect(stored.rows.map((r) => r.event_id)).toEqual([first.eventId, last.eventId]);
    const status = await w.admin.caller.spend.status({ accountId: w.holding.id });
    expect(status.batches[0]).toMatchObject({
      records: bad.length + 2,
      accepted: 2,
      rejected: bad.length,
      reasons: { malformed: bad.length },
    });
  });

  it("covers a connected premium client's campaign on its agency's seat only from the connection on", async () => {
    const w = await world();
    const P = await w.op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
    const pAdmin = await memberOf(t.db, 'padmin@x.test', P, 'admin');
    const kp = await pAdmin.caller.campaigns.create({ clientId: P.id, name: 'KP' });
    const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: w.A.id });
    await w.aAdmin.caller.connections.accept({ connectionId: req.id });
    const since = (
      await sql<{ at: Date }>`select responded_at as at from connections where id = ${req.id}`.execute(t.db)
    ).rows[0]!.at;
    const at = (ms: number) => new Date(since.getTime() + ms).toISOString();
    // S2 is the agency's seat since before the connection: spend on it then was not P's
    const res = await w.admin.caller.spend.ingest({
      accountId: w.holding.id,
      records: [
        rec({ dsp: 'ttd', seatId: 'S2', campaignId: kp.id, occurredAt: at(-1) }),
        rec({ dsp: 'ttd', seatId: 'S2', campaignId: kp.id, occurredAt: at(0) }),
        rec({ dsp: 'ttd', seatId: 'S2', campaignId: kp.id, occurredAt: at(60_000) }),
        rec({ dsp: 'ttd', seatId: 'S2', occurredAt: at(-1) }),
      ],
    });
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual([[0, 'campaign_not_covered']]);
    const attributed = await sql<{ account_id: string }>`select account_id from spend_records order by seq`.execute(
      t.db,
    );
    expect(attributed.rows.map((r) => r.account_id)).toEqual([P.id, P.id, w.A.id]);
  });

  it('refuses a record dated more than 15 minutes ahead of the clock (occurred_in_future) and takes one just inside', async () => {
    const w = await world();
    const now = new Date(Date.now() + 60_000);
    const caller = await callerAt(t.db, w.admin.token, now);
    const ahead = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const res = await caller.spend.ingest({
      accountId: w.holding.id,
      records: [
        rec({ occurredAt: ahead(15 * 60_000) }),
        rec({ occurredAt: ahead(15 * 60_000 + 1000) }),
        rec({ occurredAt: ahead(21 * 86_400_000) }),
      ],
    });
    expect(res.accepted).toBe(1);
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'occurred_in_future'],
      [2, 'occurred_in_future'],
    ]);
    expect(await count('spend_records')).toBe(1);
  });

  it("refuses the holding's spend on a premium client's own seat from before the connection (seat_not_mapped)", async () => {
    const w = await world();
    const P = await w.op.caller.clients.createPremium({ name: 'Premium Seat', currency: 'EUR', timeZone: 'UTC' });
    const pAdmin = await memberOf(t.db, 'padmin5@x.test', P, 'admin');
    await pAdmin.caller.seats.link({ accountId: P.id, dsp: 'xandr', seatId: 'PS' });
    await new Promise((r) => setTimeout(r, 20));
    const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: w.A.id });
    await w.aAdmin.caller.connections.accept({ connectionId: req.id });
    const since = (
      await sql<{ at: Date }>`select responded_at as at from connections where id = ${req.id}`.execute(t.db)
    ).rows[0]!.at;
    const at = (ms: number) => new Date(since.getTime() + ms).toISOString();
    const key = await w.admin.caller.ingestKeys.create({ accountId: w.holding.id, name: 'holding feed' });
    const res = await (
      await keyCaller(key.key)
    ).spend.ingest({
      accountId: w.holding.id,
      records: [
        rec({ dsp: 'xandr', seatId: 'PS', occurredAt: at(-10) }),
        rec({ dsp: 'xandr', seatId: 'PS', occurredAt: at(0) }),
        rec({ dsp: 'xandr', seatId: 'PS', occurredAt: at(1000) }),
      ],
    });
    expect(res.rejected.map((r) => [r.index, r.reason])).toEqual([[0, 'seat_not_mapped']]);
    const stored = await sql<{ account_id: string; occurred_at: Date }>`
      select account_id, occurred_at from spend_records order by occurred_at`.execute(t.db);
    expect(stored.rows.map((r) => [r.account_id, r.occurred_at.toISOString()])).toEqual([
      [P.id, at(0)],
      [P.id, at(1000)],
    ]);
  });

  it('refuses an analyst (role), a non-root account (level), another holding (scope) and the platform operator', async () => {
    const w = await world();
    expect(await codeOf(w.hAnalyst.caller.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.aAdmin.caller.spend.ingest({ accountId: w.A.id, records: [rec()] }))).toBe('FORBIDDEN');
    expect(await codeOf(w.aAdmin.caller.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe('NOT_FOUND');
    expect(await codeOf(w.other.admin.caller.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(w.other.admin.caller.spend.status({ accountId: w.holding.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.op.caller.spend.ingest({ accountId: w.holding.id, records: [rec()] }))).not.toBe('ok');
    expect(await codeOf(w.op.caller.spend.status({ accountId: w.holding.id }))).not.toBe('ok');
    // another holding's operator cannot push records onto this holding's seats through its own root either
    const res = await w.other.admin.caller.spend.ingest({ accountId: w.other.holding.id, records: [rec()] });
    expect(res.rejected.map((r) => r.reason)).toEqual(['unknown_seat']);
    expect(await count('spend_records')).toBe(0);
    expect(
      await codeOf(
        w.admin.caller.spend.ingest({ accountId: w.holding.id, records: Array.from({ length: 10_001 }, () => ({})) }),
      ),
    ).toBe('BAD_REQUEST');
  });

  it("keeps rolling up every other root while one root's rollup unit fails again and again", async () => {
    const w = await world();
    await w.other.admin.caller.seats.link({ accountId: w.other.holding.id, dsp: 'dv360', seatId: 'S9' });
    const otherRec = () => rec({ seatId: 'S9' });
    await w.other.admin.caller.spend.ingest({ accountId: w.other.holding.id, records: [otherRec()] });
    while (await spend.rollupUnit(t.db, () => new Date()));
    // two batches whose sums fit a bigint each, but not together: this root's unit fails (numeric out of range) until fixed
    const at = new Date(Date.now() + 1000).toISOString();
    for (const b of [0, 1]) {
      const records = Array.from({ length: 5_000 }, (_, i) =>
        rec({ eventId: `huge-${b}-${i}`, dsp: 'ttd', seatId: 'S2', occurredAt: at, spendMicros: '1000000000000000' }),
      );
      expect((await w.admin.caller.spend.ingest({ accountId: w.holding.id, records })).accepted).toBe(5_000);
    }
    await w.other.admin.caller.spend.ingest({ accountId: w.other.holding.id, records: [otherRec()] });
    for (let i = 0; i < 4; i++) await spend.rollupUnit(t.db, () => new Date()).catch(() => null);
    expect((await w.other.admin.caller.spend.status({ accountId: w.other.holding.id })).pendingRecords).toBe(0);
  });

  it('rejects a record whose spend, impressions or clicks are above 10^15 as malformed, and stores its neighbours', async () => {
    const w = await world();
    const over = '1000000000000001';
    const res = await w.admin.caller.spend.ingest({
      accountId: w.holding.id,
      records: [
        rec(),
        rec({ spendMicros: over }),
        rec({ impressions: over, clicks: 1 }),
        rec({ impressions: over, clicks: over }),
        rec({ spendMicros: '1000000000000000' }),
      ],
    });
    expect(res.accepted).toBe(2);
    expect(res.rejected.map((r) => [r.index, r.reason, r.detail])).toEqual([
      [1, 'malformed', 'spendMicros (at most 10^15)'],
      [2, 'malformed', 'impressions (at most 10^15)'],
      [3, 'malformed', 'impressions (at most 10^15)'],
    ]);
  });

  it("rolls up and debits a client's day of spend above the largest single amount (10^15 micros)", async () => {
    const w = await world();
    const records = [
      rec({ spendMicros: '1000000000000000' }),
      rec({ spendMicros: '1000000000000000' }),
      rec({ spendMicros: 5 }),
    ];
    expect((await w.admin.caller.spend.ingest({ accountId: w.holding.id, records })).accepted).toBe(3);
    while (await spend.rollupUnit(t.db, () => new Date()));
    expect((await w.admin.caller.spend.status({ accountId: w.holding.id })).pendingRecords).toBe(0);
    const b = await w.admin.caller.credits.balance({ clientId: w.A1.id });
    expect([b.balanceMicros, b.overageMicros]).toEqual(['0', '2000000000000005']);
  });

  it("refuses a connected premium client's ingest key (no root then: FORBIDDEN by level), takes it after a disconnect", async () => {
    const w = await world();
    const P = await w.op.caller.clients.createPremium({ name: 'Premium With Key', currency: 'EUR', timeZone: 'UTC' });
    const pAdmin = await memberOf(t.db, 'padmin3@x.test', P, 'admin');
    const k = await pAdmin.caller.ingestKeys.create({ accountId: P.id, name: 'own feed' });
    const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: w.A.id });
    await w.aAdmin.caller.connections.accept({ connectionId: req.id });
    const e = await (await keyCaller(k.key)).spend.ingest({ accountId: P.id, records: [rec()] }).catch((x) => x);
    expect([e.code, e.cause?.code]).toEqual(['FORBIDDEN', 'FORBIDDEN_BY_LEVEL']);
    expect(await count('spend_batches')).toBe(0);
    await pAdmin.caller.connections.disconnect({ clientId: P.id });
    expect(await codeOf((await keyCaller(k.key)).spend.ingest({ accountId: P.id, records: [] }))).toBe('ok');
  });
});
