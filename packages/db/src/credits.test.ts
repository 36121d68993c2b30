import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { applyDebit, nameKey, OUT_OF_CREDIT_REASON } from '@trellis/domain';
import type { Db } from './connect';
import * as accounts from './repos/accounts';
import * as campaigns from './repos/campaigns';
import * as credits from './repos/credits';
import { debitSpend } from './repos/credits';
import * as memberships from './repos/memberships';
import * as users from './repos/users';
import { credit, tsNode, useTestDatabase } from './testing';

const t = useTestDatabase();
const here = path.dirname(fileURLToPath(import.meta.url));

const mk = (db: Db, parent: accounts.Account | null, kind: 'holding' | 'agency' | 'client', name: string) =>
  accounts.insertAccount(db, {
    parent: parent && { id: parent.id, rootId: parent.rootId, kind: parent.kind },
    kind,
    level: kind === 'holding' ? 1 : kind === 'agency' ? 2 : 3,
    clientTier: kind === 'client' ? 'premium' : null,
    name,
    nameKey: nameKey(name),
    currency: 'EUR',
    timeZone: 'UTC',
  });

async function tree(clients = 2) {
  const h = await mk(t.db, null, 'holding', 'H');
  const a = await mk(t.db, h, 'agency', 'A');
  const cs: accounts.Account[] = [];
  for (let i = 0; i < clients; i++) cs.push(await mk(t.db, a, 'client', `C${i}`));
  return { h, a, cs };
}

/** The invariants of SPEC 6 for one client: balance = sum of entries >= 0; spend = spend entries + overage. */
async function invariants(db: Db, clientId: string) {
  const r = await sql<{
    balance: string;
    overage: string;
    sum: string;
    spend: string;
    spend_overage: string;
    bucket_spend: string;
  }>`
    select ca.balance_micros::text as balance, ca.overage_micros::text as overage,
      (select coalesce(sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id)::text as sum,
      (select coalesce(-sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id and kind = 'spend')::text as spend,
      (select coalesce(sum(overage_micros), 0) from credit_entries e where e.client_id = ca.client_id)::text as spend_overage,
      (select coalesce(sum(spent_micros), 0) from credit_spend_buckets b where b.client_id = ca.client_id)::text as bucket_spend
    from credit_accounts ca where ca.client_id = ${clientId}::uuid`.execute(db);
  const x = r.rows[0]!;
  return {
    balance: BigInt(x.balance),
    overage: BigInt(x.overage),
    sum: BigInt(x.sum),
    spendEntries: BigInt(x.spend),
    spendOverage: BigInt(x.spend_overage),
    bucketSpend: BigInt(x.bucket_spend),
  };
}

describe('credit accounts and the ledger in the database', () => {
  it('gives every client a credit account in its currency, and no other account one', async () => {
    const { h, a, cs } = await tree(1);
    expect(await credits.findCreditAccount(t.db, cs[0]!.id)).toMatchObject({
      rootId: h.id,
      currency: 'EUR',
      balanceMicros: 0n,
      overageMicros: 0n,
      lowAlertArmed: true,
    });
    expect(await credits.findCreditAccount(t.db, a.id)).toBeUndefined();
  });

  it('refuses a negative balance, an entry of the wrong sign, and any update or delete of an entry', async () => {
    const { cs } = await tree(1);
    const c = cs[0]!;
    expect(
      (
        await sql`update credit_accounts set balance_micros = -1 where client_id = ${c.id}::uuid`
          .execute(t.db)
          .catch((e) => e)
      ).message,
    ).toMatch(/check constraint/);
    const bad = await sql`insert into credit_entries (root_id, client_id, kind, amount_micros, balance_after_micros)
        values (${c.rootId}::uuid, ${c.id}::uuid, 'spend', 5, 0)`
      .execute(t.db)
      .catch((e) => e);
    expect(bad.message).toMatch(/check constraint/);
    await credit(t.db, c.id, 100n);
    expect((await sql`update credit_entries set amount_micros = 1`.execute(t.db).catch((e) => e)).message).toMatch(
      /append-only/,
    );
    expect((await sql`delete from credit_entries`.execute(t.db).catch((e) => e)).message).toMatch(/append-only/);
  });

  it("moves a client's credits with it to a new root (connect, disconnect, transfer)", async () => {
    const { cs } = await tree(1);
    const c = cs[0]!;
    await credit(t.db, c.id, 100n);
    await t.db
      .transaction()
      .execute((trx) => debitSpend(trx, [{ clientId: c.id, amountMicros: 30n, reference: 'r1' }]));
    await t.db.transaction().execute((trx) => accounts.moveClient(trx, c.id, null));
    for (const table of ['credit_accounts', 'credit_entries', 'credit_spend_buckets', 'credit_spend_refs'] as const) {
      const r = await sql<{
        root_id: string;
      }>`select distinct root_id::text from ${sql.id(table)} where client_id = ${c.id}::uuid`.execute(t.db);
      expect(r.rows.map((x) => x.root_id)).toEqual([c.id]);
    }
    expect(await invariants(t.db, c.id)).toMatchObject({ balance: 70n, sum: 70n });
    // the reference still makes a repeat a no-op under the new root
    expect(
      await t.db
        .transaction()
        .execute((trx) => debitSpend(trx, [{ clientId: c.id, amountMicros: 30n, reference: 'r1' }])),
    ).toMatchObject({ applied: 0, skipped: 1 });
  });

  it(
    'refuses a ledger entry or a spend reference that names no credit account with its root, ' +
      'and deleting an account that has entries',
    async () => {
      const { h, cs } = await tree(2);
      const [c0, c1] = cs as [accounts.Account, accounts.Account];
      const other = await mk(t.db, null, 'holding', 'Other');
      const entry = (clientId: string, rootId: string) =>
        sql`insert into credit_entries (root_id, client_id, kind, amount_micros, balance_after_micros, reason)
          values (${rootId}::uuid, ${clientId}::uuid, 'adjustment', 5, 5, 'x')`
          .execute(t.db)
          .catch((e) => e);
      expect((await entry(c0.id, other.id)).message).toMatch(/credit account key/);
      expect((await entry(h.id, h.id)).message).toMatch(/credit account key/);
      const ref = (clientId: string, rootId: string) =>
        sql`insert into credit_spend_refs (root_id, client_id, reference, entry_id)
          values (${rootId}::uuid, ${clientId}::uuid, 'r', 1)`
          .execute(t.db)
          .catch((e) => e);
      expect((await ref(c1.id, other.id)).message).toMatch(/credit account key/);
      // one bad row among good ones fails the whole statement
      const mixed = await sql`insert into credit_spend_refs (root_id, client_id, reference, entry_id)
        values (${h.id}::uuid, ${c0.id}::uuid, 'a', 1), (${other.id}::uuid, ${c1.id}::uuid, 'b', 1)`
        .execute(t.db)
        .catch((e) => e);
      expect(mixed.message).toMatch(/credit account key/);
      expect(await sql`select 1 from credit_spend_refs`.execute(t.db)).toMatchObject({ rows: [] });
      await credit(t.db, c0.id, 10n);
      expect(
        (await sql`delete from credit_accounts where client_id = ${c0.id}::uuid`.execute(t.db).catch((e) => e)).message,
      ).toMatch(/still has ledger entries/);
    },
  );
});

describe('debitSpend', () => {
  it('takes what the balance allows, records the rest as overage and pauses every active campaign of that client only', async () => {
    const { cs } = await tree(2);
    const [c0, c1] = cs as [accounts.Account, accounts.Account];
    await credit(t.db, c0.id, 100n);
    await credit(t.db, c1.id, 1000n);
    const u = await users.insertUser(t.db, { email: 'u@x.test', name: 'U', passwordHash: 'x' });
    const mkCampaign = (c: accounts.Account, name: string) =>
      t.db.transaction().execute((trx) =>
        campaigns.insertCampaign(trx, {
          rootId: c.rootId,
          clientId: c.id,
          name,
          budgetMicros: null,
          dealIds: [],
          by: u.id,
          at: new Date(),
        }),
      );
    const k0 = await mkCampaign(c0, 'c0 a');
    const k0b = await mkCampaign(c0, 'c0 b');
    const k1 = await mkCampaign(c1, 'c1 a');
    const r = await t.db.transaction().execute((trx) =>
      debitSpend(trx, [
        { clientId: c0.id, amountMicros: 60n, reference: 'a' },
        { clientId: c1.id, amountMicros: 10n, reference: 'b' },
        { clientId: c0.id, amountMicros: 60n, reference: 'c' },
        { clientId: c0.id, amountMicros: 5n, reference: 'd' },
      ]),
    );
    expect(r.applied).toBe(4);
    const s0 = r.clients.find((c) => c.clientId === c0.id)!;
    expect(s0).toMatchObject({
      debits: 3,
      spentMicros: 125n,
      takenMicros: 100n,
      overageMicros: 25n,
      balanceMicros: 0n,
      campaignsPaused: 2,
    });
    expect(await invariants(t.db, c0.id)).toEqual({
      balance: 0n,
      overage: 25n,
      sum: 0n,
      spendEntries: 100n,
      spendOverage: 25n,
      bucketSpend: 125n,
    });
    expect(await invariants(t.db, c1.id)).toMatchObject({ balance: 990n, overage: 0n });
    for (const k of [k0, k0b])
      expect(await campaigns.findCampaign(t.db, k.id)).toMatchObject({
        status: 'paused',
        pausedReason: OUT_OF_CREDIT_REASON,
      });
    expect(await campaigns.findCampaign(t.db, k1.id)).toMatchObject({ status: 'active' });
    const entries = await credits.listEntries(t.db, { rootId: c0.rootId, clientId: c0.id }, { limit: 10 });
    expect(entries.map((e) => [e.reference, e.debits, e.amountMicros, e.overageMicros, e.balanceAfterMicros])).toEqual([
      ['a', 3, -100n, 25n, 0n],
      [null, null, 100n, 0n, 100n],
    ]);
    const audit = await sql<{
      account_id: string;
      action: string;
      n: string;
    }>`select account_id, action, count(*)::text as n from audit_entries group by 1, 2 order by 2, 1`.execute(t.db);
    expect(audit.rows).toEqual([
      { account_id: c0.id, action: 'campaign.pause', n: '2' },
      { account_id: c0.rootId, action: 'credits.spend', n: '1' },
    ]);
    const spendAudit = await sql<{
      after: Record<string, unknown>;
    }>`select after from audit_entries where action = 'credits.spend'`.execute(t.db);
    expect(spendAudit.rows[0]!.after).toMatchObject({
      clients: 2,
      debits: 4,
      entries: 2,
      spentMicros: '135',
      takenMicros: '110',
      overageMicros: '25',
    });
  });

  it(
    'writes one ledger entry per client per call, the sum of its debits, whose references name it; ' +
      'a retry of one of them adds nothing',
    async () => {
      const { cs } = await tree(2);
      const [c0, c1] = cs as [accounts.Account, accounts.Account];
      await credit(t.db, c0.id, 1000n);
      await credit(t.db, c1.id, 1000n);
      const r = await t.db.transaction().execute((trx) =>
        debitSpend(trx, [
          { clientId: c0.id, amountMicros: 10n, reference: 'p' },
          { clientId: c1.id, amountMicros: 7n, reference: 'p' },
          { clientId: c0.id, amountMicros: 20n, reference: 'q' },
          { clientId: c0.id, amountMicros: 30n, reference: 'r' },
        ]),
      );
      expect(r).toMatchObject({ applied: 4, skipped: 0 });
      const [spend] = await credits.listEntries(t.db, { rootId: c0.rootId, clientId: c0.id }, { limit: 1 });
      expect(spend).toMatchObject({
        kind: 'spend',
        amountMicros: -60n,
        balanceAfterMicros: 940n,
        reference: 'p',
        debits: 3,
      });
      const refs = await sql<{
        reference: string;
        entry_id: string;
      }>`select reference, entry_id::text from credit_spend_refs
        where client_id = ${c0.id}::uuid order by reference`.execute(t.db);
      expect(refs.rows).toEqual(['p', 'q', 'r'].map((reference) => ({ reference, entry_id: spend!.id })));
      // a retry of one reference (and a repeat within the call) adds nothing; a new one is a new entry of its own
      const again = await t.db.transaction().execute((trx) =>
        debitSpend(trx, [
          { clientId: c0.id, amountMicros: 20n, reference: 'q' },
          { clientId: c0.id, amountMicros: 5n, reference: 's' },
          { clientId: c0.id, amountMicros: 5n, reference: 's' },
        ]),
      );
      expect(again).toMatchObject({ applied: 1, skipped: 2 });
      const entries = await credits.listEntries(t.db, { rootId: c0.rootId, clientId: c0.id }, { limit: 10 });
      expect(entries.map((e) => [e.kind, e.amountMicros, e.debits, e.reference])).toEqual([
        ['spend', -5n, 1, 's'],
        ['spend', -60n, 3, 'p'],
        ['adjustment', 1000n, null, null],
      ]);
      expect(await invariants(t.db, c0.id)).toMatchObject({
        balance: 935n,
        sum: 935n,
        spendEntries: 65n,
        bucketSpend: 65n,
      });
      expect(await invariants(t.db, c1.id)).toMatchObject({ balance: 993n, sum: 993n });
    },
  );

  it('writes one entry per client and item time, so late spend stays in its own day', async () => {
    const { cs } = await tree(1);
    const c = cs[0]!;
    await credit(t.db, c.id, 1000n);
    const day1 = new Date('2026-11-20T10:00:00Z');
    const day2 = new Date('2026-11-21T10:00:00Z');
    await t.db.transaction().execute((trx) =>
      debitSpend(trx, [
        { clientId: c.id, amountMicros: 10n, reference: 'a', at: day1 },
        { clientId: c.id, amountMicros: 20n, reference: 'b', at: day2 },
        { clientId: c.id, amountMicros: 30n, reference: 'c', at: day1 },
      ]),
    );
    const entries = await credits.listEntries(t.db, { rootId: c.rootId, clientId: c.id }, { limit: 10 });
    expect(
      entries
        .filter((e) => e.kind === 'spend')
        .map((e) => [e.createdAt.toISOString(), e.amountMicros, e.debits, e.balanceAfterMicros]),
    ).toEqual([
      [day2.toISOString(), -20n, 1, 940n],
      [day1.toISOString(), -40n, 2, 960n],
    ]);
    expect(await credits.usagePerDay(t.db, c.id, 'UTC', '2026-11-20', '2026-11-21')).toEqual([
      { day: '2026-11-20', spentMicros: 40n },
      { day: '2026-11-21', spentMicros: 20n },
    ]);
  });

  it('is idempotent per reference, across calls and within one call, and refuses bad items before touching anything', async () => {
    const { cs } = await tree(1);
    const c = cs[0]!;
    await credit(t.db, c.id, 1000n);
    const items = [
      { clientId: c.id, amountMicros: 10n, reference: 'x' },
      { clientId: c.id, amountMicros: 10n, reference: 'x' },
      { clientId: c.id, amountMicros: 20n, reference: 'y' },
    ];
    expect(await t.db.transaction().execute((trx) => debitSpend(trx, items))).toMatchObject({ applied: 2, skipped: 1 });
    expect(await t.db.transaction().execute((trx) => debitSpend(trx, items))).toEqual({
      applied: 0,
      skipped: 3,
      clients: [],
    });
    expect(await invariants(t.db, c.id)).toMatchObject({ balance: 970n, sum: 970n, spendEntries: 30n });
    for (const bad of [
      { clientId: c.id, amountMicros: 0n, reference: 'z' },
      { clientId: c.id, amountMicros: -5n, reference: 'z' },
      { clientId: c.id, amountMicros: 5n, reference: '' },
      { clientId: '00000000-0000-4000-8000-000000000000', amountMicros: 5n, reference: 'z' },
      { clientId: 'nope', amountMicros: 5n, reference: 'z' },
    ]) {
      await expect(
        t.db
          .transaction()
          .execute((trx) => debitSpend(trx, [{ clientId: c.id, amountMicros: 1n, reference: 'ok' }, bad])),
      ).rejects.toThrow(RangeError);
    }
    expect(await invariants(t.db, c.id)).toMatchObject({ balance: 970n, spendEntries: 30n });
    // a caller that catches the refusal and commits its transaction has claimed no reference either
    await t.db.transaction().execute(async (trx) => {
      await expect(
        debitSpend(trx, [
          { clientId: c.id, amountMicros: 1n, reference: 'caught' },
          { clientId: '00000000-0000-4000-8000-000000000000', amountMicros: 5n, reference: 'z' },
        ]),
      ).rejects.toThrow(/no credit account/);
    });
    expect(
      await t.db
        .transaction()
        .execute((trx) => debitSpend(trx, [{ clientId: c.id, amountMicros: 1n, reference: 'caught' }])),
    ).toMatchObject({ applied: 1, skipped: 0 });
  });

  it("sends one low-balance mail per crossing to a premium client's admins and its agency's admins and operators", async () => {
    const { h, a, cs } = await tree(1);
    const c = cs[0]!;
    const person = async (email: string, account: accounts.Account, role: 'admin' | 'operator' | 'analyst') => {
      const u = await users.insertUser(t.db, { email, name: email, passwordHash: 'x' });
      await memberships.insertMembership(t.db, { rootId: account.rootId, accountId: account.id, userId: u.id, role });
    };
    await person('cadmin@x.test', c, 'admin');
    await person('canalyst@x.test', c, 'analyst');
    await person('aop@x.test', a, 'operator');
    await person('aadmin@x.test', a, 'admin');
    await person('aanalyst@x.test', a, 'analyst');
    await person('hadmin@x.test', h, 'admin');
    await credit(t.db, c.id, 1000n);
    await sql`update credit_accounts set low_balance_micros = 500 where client_id = ${c.id}::uuid`.execute(t.db);
    const debit = (ref: string, amount: bigint) =>
      t.db.transaction().execute((trx) => debitSpend(trx, [{ clientId: c.id, amountMicros: amount, reference: ref }]));
    const mails = async () =>
      (
        await sql<{
          to_email: string;
          subject: string;
        }>`select to_email, subject from mail_outbox order by to_email`.execute(t.db)
      ).rows;
    expect((await debit('1', 400n)).clients[0]!.lowBalanceAlert).toBe(false); // 600: above
    expect((await debit('2', 200n)).clients[0]!.lowBalanceAlert).toBe(true); // 400: crossed
    expect((await mails()).map((m) => m.to_email)).toEqual(['aadmin@x.test', 'aop@x.test', 'cadmin@x.test']);
    expect((await mails())[0]!.subject).toBe('Low credit balance: C0');
    await debit('3', 100n); // 300: still below, no second mail
    expect(await mails()).toHaveLength(3);
    await credit(t.db, c.id, 1000n); // 1300: the next crossing alerts again once the rule re-arms
    await sql`update credit_accounts set low_alert_armed = true where client_id = ${c.id}::uuid`.execute(t.db);
    await debit('4', 900n);
    expect(await mails()).toHaveLength(6);
  });

  it('agrees with the domain rule over random debit sequences', async () => {
    const { cs } = await tree(3);
    let seed = 7;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const model = new Map(cs.map((c) => [c.id, { balance: 5000n, overage: 0n }]));
    for (const c of cs) await credit(t.db, c.id, 5000n);
    for (let b = 0; b < 10; b++) {
      const items = Array.from({ length: 20 }, (_, i) => ({
        clientId: cs[Math.floor(rand() * cs.length)]!.id,
        amountMicros: BigInt(1 + Math.floor(rand() * 400)),
        reference: `${b}-${i}`,
      }));
      for (const it of items) {
        const m = model.get(it.clientId)!;
        const d = applyDebit(m.balance, it.amountMicros);
        m.balance = d.balanceAfterMicros;
        m.overage += d.overageMicros;
      }
      await t.db.transaction().execute((trx) => debitSpend(trx, items));
    }
    for (const c of cs) {
      const inv = await invariants(t.db, c.id);
      expect({ balance: inv.balance, overage: inv.overage }).toEqual(model.get(c.id));
      expect(inv.sum).toBe(inv.balance);
      expect(inv.spendEntries + inv.overage).toBe(inv.bucketSpend);
    }
  });

  it(
    'never deadlocks nor mixes clients when many transactions debit overlapping clients at once, ' +
      'here and in another process',
    async () => {
      const { cs } = await tree(40);
      for (const c of cs) await credit(t.db, c.id, 20_000n);
      const ids = cs.map((c) => c.id);
      const child = promisify(execFile)(
        ...tsNode(path.join(here, 'testing/debit-worker.ts'), t.url, '99', '30', ids.join(',')),
        { timeout: 60_000 },
      );
      let seed = 3;
      const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      let total = 0n;
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let b = 0; b < 8; b++) {
            const items = Array.from({ length: 50 }, (_, i) => ({
              clientId: ids[Math.floor(rand() * ids.length)]!,
              amountMicros: BigInt(1 + Math.floor(rand() * 1000)),
              reference: `w${w}-b${b}-i${i}`,
            }));
            await t.db.transaction().execute((trx) => debitSpend(trx, items));
            total += items.reduce((s, i) => s + i.amountMicros, 0n);
          }
        }),
      );
      const other = JSON.parse((await child).stdout.trim().split('\n').at(-1)!) as { applied: number; total: string };
      expect(other.applied).toBe(30 * 50);
      total += BigInt(other.total);
      let attributed = 0n;
      for (const c of cs) {
        const inv = await invariants(t.db, c.id);
        expect(inv.balance).toBeGreaterThanOrEqual(0n);
        expect(inv.sum).toBe(inv.balance);
        expect(inv.spendEntries + inv.overage).toBe(inv.bucketSpend);
        attributed += inv.bucketSpend;
      }
      expect(attributed).toBe(total);
      // every debit is covered by exactly one entry of its client (refs and entries' counts agree), none twice
      const covered = await sql<{ refs: string; debits: string; orphans: string }>`
        select (select count(*) from credit_spend_refs)::text as refs,
          (select sum(debits) from credit_entries where kind = 'spend')::text as debits,
          (select count(*) from credit_spend_refs r where not exists (
            select 1 from credit_entries e
            where e.root_id = r.root_id and e.client_id = r.client_id and e.id = r.entry_id and e.kind = 'spend'
          ))::text as orphans`.execute(t.db);
      expect(covered.rows[0]).toEqual({
        refs: String(4 * 8 * 50 + 30 * 50),
        debits: String(4 * 8 * 50 + 30 * 50),
        orphans: '0',
      });
    },
    90_000,
  );
});

describe('usage per day', () => {
  it("answers per day in the client's time zone, including zones with a :30 offset", async () => {
    const { cs } = await tree(1);
    const c = cs[0]!;
    await credit(t.db, c.id, 1_000_000n);
    // 23:45 UTC on the 1st is the 2nd in Kolkata (UTC+5:30), 18:00 UTC is 23:30 there: still the 1st
    await t.db.transaction().execute((trx) =>
      debitSpend(trx, [{ clientId: c.id, amountMicros: 10n, reference: 'late' }], {
        at: new Date('2026-03-01T23:45:00Z'),
      }),
    );
    await t.db.transaction().execute((trx) =>
      debitSpend(trx, [{ clientId: c.id, amountMicros: 5n, reference: 'early' }], {
        at: new Date('2026-03-01T18:00:00Z'),
      }),
    );
    expect(await credits.usagePerDay(t.db, c.id, 'UTC', '2026-03-01', '2026-03-03')).toEqual([
      { day: '2026-03-01', spentMicros: 15n },
      { day: '2026-03-02', spentMicros: 0n },
      { day: '2026-03-03', spentMicros: 0n },
    ]);
    expect(await credits.usagePerDay(t.db, c.id, 'Asia/Kolkata', '2026-03-01', '2026-03-02')).toEqual([
      { day: '2026-03-01', spentMicros: 5n },
      { day: '2026-03-02', spentMicros: 10n },
    ]);
    expect(await credits.usagePerDay(t.db, c.id, 'Asia/Kolkata', '2026-03-01', '2026-03-01')).toEqual([
      { day: '2026-03-01', spentMicros: 5n },
    ]);
  });
});

describe('debits while a client moves', () => {
  it('neither deadlocks nor loses a debit when a client connects and disconnects during debits', async () => {
    const { a, cs } = await tree(2);
    const [c0, c1] = cs as [accounts.Account, accounts.Account];
    await credit(t.db, c0.id, 1_000_000n);
    await credit(t.db, c1.id, 1_000_000n);
    const moves = (async () => {
      for (let i = 0; i < 15; i++) {
        await t.db
          .transaction()
          .execute((trx) => accounts.moveClient(trx, c0.id, i % 2 === 0 ? null : { id: a.id, rootId: a.rootId }));
      }
    })();
    const debits = Promise.all(
      Array.from({ length: 3 }, async (_, w) => {
        for (let b = 0; b < 10; b++) {
          await t.db.transaction().execute((trx) =>
            debitSpend(trx, [
              { clientId: c1.id, amountMicros: 1n, reference: `m${w}-${b}-1` },
              { clientId: c0.id, amountMicros: 1n, reference: `m${w}-${b}-0` },
            ]),
          );
        }
      }),
    );
    await Promise.all([moves, debits]);
    for (const c of [c0, c1])
      expect(await invariants(t.db, c.id)).toMatchObject({
        balance: 1_000_000n - 30n,
        sum: 1_000_000n - 30n,
        spendEntries: 30n,
      });
  }, 60_000);
});
