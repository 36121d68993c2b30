import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { audit, debitSpend } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, holdingWithAdmin, memberOf, type Caller } from '../../testing';

const t = useTestDatabase();

/** A holding (zone Europe/Copenhagen) with two agencies and a client, two admins, and a second, unrelated tenant. */
async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency A', kind: 'agency' });
  const B = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency B', kind: 'agency' });
  const C = await admin.caller.accounts.create({ parentId: A.id, name: 'Acme Foods', kind: 'client' });
  const other = await memberOf(t.db, 'second@holding.test', holding, 'admin');
  const far = await holdingWithAdmin(t.db, 'Far', 'admin@far.test');
  return { op, holding, admin, A, B, C, other, far };
}

/** Writes an entry as the given user at the given time (entries the product wrote out of time order, or many). */
async function entry(
  w: Awaited<ReturnType<typeof world>>,
  e: { accountId: string; action: string; at: string; by?: string | null },
) {
  await t.db.transaction().execute((trx) =>
    audit.writeAudit(trx, {
      rootId: w.holding.rootId,
      accountId: e.accountId,
      actorUserId: e.by === undefined ? w.admin.user.id : e.by,
      action: e.action,
      entityType: 'test',
      entityId: e.action,
      before: null,
      after: { name: e.action },
      at: new Date(e.at),
    }),
  );
}

/** Every page of a filtered listing, following the cursors. */
async function all(caller: Caller, input: Parameters<Caller['audit']['list']>[0]) {
  const out: { action: string; at: string; accountName: string; actorEmail: string | null }[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const p = await caller.audit.list({ ...input, ...(cursor ? { cursor } : {}) });
    out.push(...p.items);
    if (!p.nextCursor) break;
    cursor = p.nextCursor;
  }
  return out;
}

describe('audit.list filters, served by the database and paged under the filter', () => {
  it('lists newest first by time, not by the order the entries were written', async () => {
    const w = await world();
    await entry(w, { accountId: w.A.id, action: 'late.written', at: '2026-03-01T10:00:00Z' });
    await entry(w, { accountId: w.B.id, action: 'early.written', at: '2026-03-02T10:00:00Z' });
    const items = (await w.admin.caller.audit.list({ accountId: w.holding.id, from: '2026-03-01', to: '2026-03-31' }))
      .items;
    expect(items.map((e) => e.action)).toEqual(['early.written', 'late.written']);
  });

  it('filters by action, member, account and days of the viewed account, across pages, without the spend feed', async () => {
    const w = await world();
    // a live feed: 300 spend entries between every other change
    await sql`
      insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, after, at)
      select ${w.holding.rootId}::uuid, ${w.holding.id}::uuid, null, 'credits.spend', 'credit_entries', g::text,
        '{"debits": 1}'::jsonb, timestamptz '2026-03-10T00:00:00Z' + g * interval '5 seconds'
      from generate_series(1, 300) g`.execute(t.db);
    for (const [day, who, account] of [
      ['2026-03-09T22:30:00Z', w.admin, w.A], // 23:30 in Copenhagen: still 9 March there
      ['2026-03-09T23:30:00Z', w.other, w.A], // 00:30 on 10 March in Copenhagen
      ['2026-03-10T08:00:00Z', w.admin, w.B],
      ['2026-03-10T09:00:00Z', w.admin, w.A],
      ['2026-03-10T10:00:00Z', w.admin, w.C],
      ['2026-03-11T08:00:00Z', w.other, w.B],
    ] as const)
      await entry(w, { accountId: account.id, action: 'membership.setRole', at: day, by: who.user.id });
    const c = w.admin.caller;
    const base = { accountId: w.holding.id, limit: 2 };

    // the first page of the trail is the people's changes, not the feed's 300 entries
    const first = await c.audit.list({ accountId: w.holding.id, limit: 3, to: '2026-03-31' });
    expect(first.items.map((e) => e.action)).not.toContain('credits.spend');
    expect(first.items.map((e) => e.at)).toEqual([
      '2026-03-11T08:00:00.000Z',
      '2026-03-10T10:00:00.000Z',
      '2026-03-10T09:00:00.000Z',
    ]);

    const byMember = await all(c, { ...base, memberId: w.other.user.id });
    expect(byMember.map((e) => [e.at, e.actorEmail])).toEqual([
      ['2026-03-11T08:00:00.000Z', 'second@holding.test'],
      ['2026-03-09T23:30:00.000Z', 'second@holding.test'],
    ]);
    // a day of the holding's zone: 10 March in Copenhagen starts at 23:00 UTC on the 9th
    const onDay = await all(c, { ...base, from: '2026-03-10', to: '2026-03-10', action: 'membership.setRole' });
    expect(onDay.map((e) => e.at)).toEqual([
      '2026-03-10T10:00:00.000Z',
      '2026-03-10T09:00:00.000Z',
      '2026-03-10T08:00:00.000Z',
      '2026-03-09T23:30:00.000Z',
    ]);
    const ofAccount = await all(c, { ...base, filterAccountId: w.A.id, action: 'membership.setRole' });
    expect(ofAccount.map((e) => [e.accountName, e.at])).toEqual([
      ['Agency A', '2026-03-10T09:00:00.000Z'],
      ['Agency A', '2026-03-09T23:30:00.000Z'],
      ['Agency A', '2026-03-09T22:30:00.000Z'],
    ]);
    // every spend entry is there when asked for by its action, 300 over pages of 200 and 100
    const spend = await all(c, { accountId: w.holding.id, limit: 200, action: 'credits.spend' });
    expect(spend).toHaveLength(300);
    expect(new Set(spend.map((e) => e.at)).size).toBe(300);
    // the agency admin's view of its own subtree: the filters narrow it, never widen it
    const aAdmin = await memberOf(t.db, 'aadmin@x.test', w.A, 'admin');
    const inA = await all(aAdmin.caller, { accountId: w.A.id, limit: 2, memberId: w.other.user.id });
    expect(inA.map((e) => e.accountName)).toEqual(['Agency A']);
  });

  it('reads a page of a filter from the indexes, not by scanning the feed', async () => {
    const w = await world();
    const plan = async (q: string) => JSON.stringify((await sql.raw(`explain (format json) ${q}`).execute(t.db)).rows);
    await sql`analyze audit_entries`.execute(t.db);
    await sql`set enable_seqscan = off`.execute(t.db);
    const byTime = await plan(`select * from audit_entries e where account_id = '${w.A.id}'
      and action <> 'credits.spend' order by at desc, id desc limit 10`);
    const byActor = await plan(`select * from audit_entries e where account_id = '${w.A.id}'
      and actor_user_id = '${w.admin.user.id}' order by at desc, id desc limit 10`);
    const byAction = await plan(`select * from audit_entries e where account_id = '${w.A.id}'
      and action = 'credits.spend' order by at desc, id desc limit 10`);
    await sql`reset enable_seqscan`.execute(t.db);
    expect(byTime).toContain('audit_entries_by_time');
    expect(byActor).toContain('audit_entries_by_actor');
    expect(byAction).toContain('audit_entries_by_action');
    expect([byTime, byActor, byAction].join()).not.toContain('"Sort"');
  });

  it("gives nothing for another tenant's member and NOT_FOUND for another tenant's account, as for one that does not exist", async () => {
    const w = await world();
    await entry(w, { accountId: w.A.id, action: 'membership.setRole', at: '2026-03-10T09:00:00Z' });
    await w.far.admin.caller.accounts.create({ parentId: w.far.holding.id, name: 'Far agency', kind: 'agency' });
    const c = w.admin.caller;
    expect((await c.audit.list({ accountId: w.holding.id, memberId: w.far.admin.user.id })).items).toEqual([]);
    // the far admin filtering by our admin sees only their own tenant: nothing of ours
    const farSide = await w.far.admin.caller.audit.list({ accountId: w.far.holding.id, memberId: w.admin.user.id });
    expect(farSide.items).toEqual([]);
    const errs = await Promise.all(
      [w.far.holding.id, '00000000-0000-4000-8000-000000000000'].map((id) =>
        c.audit
          .list({ accountId: w.holding.id, filterAccountId: id })
          .catch((e: Error & { code: string }) => [e.code, e.message]),
      ),
    );
    expect(errs).toEqual([
      ['NOT_FOUND', 'Account not found.'],
      ['NOT_FOUND', 'Account not found.'],
    ]);
    // an agency admin may not filter by its parent or its sibling either
    const aAdmin = await memberOf(t.db, 'aadmin@x.test', w.A, 'admin');
    for (const id of [w.holding.id, w.B.id])
      expect(await codeOf(aAdmin.caller.audit.list({ accountId: w.A.id, filterAccountId: id }))).toBe('NOT_FOUND');
  });

  it.each([
    ['a day that does not exist', { from: '2026-02-30' }, 'must be a real day'],
    ['a range that ends before it starts', { from: '2026-03-02', to: '2026-03-01' }, 'must not be after the end'],
    ['an action that is no action name', { action: "x' or 1=1 --" }, 'must be an action name'],
    ['a member that is no id', { memberId: 'admin@holding.test' }, 'must be a valid id'],
    ['an account that is no id', { filterAccountId: 'Agency A' }, 'must be a valid id'],
    ['a cursor made up', { cursor: 'eyJhdCI6MX0' }, 'must be a cursor from a previous page'],
    ['an unknown filter', { actor: 'x' }, 'Unrecognized key'],
  ])('refuses %s with a message that says so', async (_, bad, message) => {
    const w = await world();
    const e = await w.admin.caller.audit
      .list({ accountId: w.holding.id, ...(bad as object) })
      .catch((x: Error & { code: string }) => x);
    expect((e as { code: string }).code).toBe('BAD_REQUEST');
    expect((e as Error).message).toContain(message);
  });
});

describe('audit.spendDays', () => {
  it("shows the worker's debits per day of the account's zone, with the spend per currency", async () => {
    const w = await world();
    const usd = await w.admin.caller.accounts.create({
      parentId: w.A.id,
      name: 'Dollar client',
      kind: 'client',
      currency: 'USD',
    });
    const run = (at: string, items: [string, bigint][]) =>
      t.db.transaction().execute((trx) =>
        debitSpend(
          trx,
          items.map(([clientId, amountMicros], i) => ({ clientId, amountMicros, reference: `${at}-${i}` })),
          { at: new Date(at) },
        ),
      );
    await run('2026-03-09T22:30:00Z', [[w.C.id, 1_000_000n]]); // 9 March in Copenhagen
    await run('2026-03-09T23:30:00Z', [
      [w.C.id, 2_000_000n],
      [usd.id, 5_000_000n],
    ]);
    await run('2026-03-10T12:00:00Z', [[w.C.id, 3_000_000n]]);
    const days = await w.admin.caller.audit.spendDays({ accountId: w.holding.id });
    expect(days.items).toEqual([
      {
        day: '2026-03-10',
        runs: 2,
        debits: 3,
        spend: [
          { currency: 'EUR', spentMicros: '5000000', overageMicros: '5000000' },
          { currency: 'USD', spentMicros: '5000000', overageMicros: '5000000' },
        ],
      },
      {
        day: '2026-03-09',
        runs: 1,
        debits: 1,
        spend: [{ currency: 'EUR', spentMicros: '1000000', overageMicros: '1000000' }],
      },
    ]);
    expect(days.nextCursor).toBeNull();
    const paged = await w.admin.caller.audit.spendDays({ accountId: w.holding.id, limit: 1 });
    expect(paged.items.map((d) => d.day)).toEqual(['2026-03-10']);
    const next = await w.admin.caller.audit.spendDays({ accountId: w.holding.id, limit: 1, cursor: paged.nextCursor! });
    expect(next.items.map((d) => d.day)).toEqual(['2026-03-09']);
    const one = await w.admin.caller.audit.spendDays({ accountId: w.holding.id, from: '2026-03-09', to: '2026-03-09' });
    expect(one.items.map((d) => d.day)).toEqual(['2026-03-09']);
    // nor are they in the trail itself
    expect(
      (await w.admin.caller.audit.list({ accountId: w.holding.id, limit: 200 })).items.map((e) => e.action),
    ).not.toContain('credits.spend');
    expect(await codeOf(w.far.admin.caller.audit.spendDays({ accountId: w.holding.id }))).toBe('NOT_FOUND');
  });
});
