import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { anonymous } from './testing';
import { sql } from 'kysely';
import { OUT_OF_CREDIT_REASON } from '@trellis/domain';
import {
  DEMO_LOW_BALANCE_CLIENT,
  DEMO_MAPPED_DAYS,
  DEMO_OVERAGE_CLIENT,
  DEMO_PASSWORD,
  demoClientSignIns,
  demoSignIns,
  seedDemo,
} from './demo';
import { createCaller } from './root';
import { createContextInner } from './context';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('demo data', () => {
  it('builds a holding with 3 agencies and 12 clients, every role at every level, once', async () => {
    expect(await seedDemo(t.db, { publicUrl: 'http://127.0.0.1:4567' })).toEqual({ created: true });
    // the seeded invitation mails link to the installation's own address (a still-pending one must work)
    const links = await t.db.selectFrom('mail_outbox').select('link').where('link', 'is not', null).execute();
    expect(links.length).toBeGreaterThan(10);
    for (const l of links) expect(l.link).toMatch(/^http:\/\/127\.0\.0\.1:4567\//);
    const counts = await t.db
      .selectFrom('accounts')
      .select(['kind', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('kind')
      .orderBy('kind')
      .execute();
    expect(counts.map((c) => [c.kind, Number(c.n)])).toEqual([
      ['agency', 3],
      ['client', 15],
      ['holding', 1],
    ]);
    const states = await t.db.selectFrom('connections').select('state').orderBy('state').execute();
    expect(states.map((x) => x.state)).toEqual(['accepted', 'requested']);
    const standalone = await t.db
      .selectFrom('accounts')
      .select('name')
      .where('kind', '=', 'client')
      .where('parent_id', 'is', null)
      .orderBy('name')
      .execute();
    expect(standalone.map((x) => x.name)).toEqual(['Nova Apparel', 'Zenith Watches']);
    expect(
      Number(
        (
          await t.db
            .selectFrom('teams')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(2);
    const withCampaigns = await t.db.selectFrom('campaigns').select('client_id').distinct().execute();
    expect(withCampaigns.length).toBeGreaterThanOrEqual(10);
    const roles = await t.db
      .selectFrom('memberships as m')
      .innerJoin('accounts as a', 'a.id', 'm.account_id')
      .select(['a.level', 'm.role'])
      .distinct()
      .execute();
    for (const level of [1, 2, 3])
      for (const role of ['admin', 'operator', 'analyst']) expect(roles).toContainEqual({ level, role });

    const seats = await t.db.selectFrom('seats').select('dsp').distinct().execute();
    expect(seats.map((x) => x.dsp).sort()).toEqual(['dv360', 'ttd', 'xandr']);
    const dealLevels = await t.db
      .selectFrom('deals as d')
      .innerJoin('accounts as a', 'a.id', 'd.owner_account_id')
      .select('a.level')
      .distinct()
      .execute();
    expect(dealLevels.map((x) => x.level).sort()).toEqual([1, 2, 3]);
    const multi = await t.db
      .selectFrom('deal_dsps')
      .select(['deal_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('deal_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(multi).toHaveLength(1);

    // credits: a card and top-ups per campaign client, a month of spend (records, rolled up and debited), one client near its
    // low-balance threshold, one out of credit with overage and paused campaigns
    const credit = await sql<{
      name: string;
      balance: string;
      overage: string;
      low: string;
      days: number;
      cards: number;
      top_ups: number;
    }>`
      select a.name, ca.balance_micros::text as balance, ca.overage_micros::text as overage, ca.low_balance_micros::text as low,
        (select count(distinct date_trunc('day', b.bucket))::int from credit_spend_buckets b where b.client_id = a.id) as days,
        (select count(*)::int from payment_methods p where p.client_id = a.id) as cards,
        (select count(*)::int from top_ups u where u.client_id = a.id and u.status = 'succeeded') as top_ups
      from accounts a join credit_accounts ca on ca.client_id = a.id where a.kind = 'client' order by a.name`.execute(
      t.db,
    );
    const byName = Object.fromEntries(credit.rows.map((r) => [r.name, r]));
    expect(credit.rows.filter((r) => r.cards > 0 && r.top_ups > 0 && r.days === 30).length).toBeGreaterThanOrEqual(10);
    const low = byName[DEMO_LOW_BALANCE_CLIENT]!;
    expect(BigInt(low.balance)).toBeGreaterThan(BigInt(low.low));
    // threshold = 90% of the balance, in whole units
    expect(BigInt(low.balance) * 9n).toBeLessThanOrEqual(BigInt(low.low) * 10n + 10_000_000n);
    expect(BigInt(byName[DEMO_OVERAGE_CLIENT]!.overage)).toBeGreaterThan(0n);
    expect(byName[DEMO_OVERAGE_CLIENT]!.balance).toBe('0');
    const paused = await t.db
      .selectFrom('campaigns as c')
      .innerJoin('accounts as a', 'a.id', 'c.client_id')
      .select(['a.name', 'c.paused_reason'])
      .where('c.status', '=', 'paused')
      .execute();
    expect(paused.map((p) => [p.name, p.paused_reason])).toContainEqual([DEMO_OVERAGE_CLIENT, OUT_OF_CREDIT_REASON]);
    const sums = await sql<{ bad: number }>`
      select count(*)::int as bad from credit_accounts ca
      where ca.balance_micros <> (select coalesce(sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id)`.execute(
      t.db,
    );
    expect(sums.rows[0]!.bad).toBe(0);

    expect(await seedDemo(t.db)).toEqual({ created: false });
    expect(
      Number(
        (
          await t.db
            .selectFrom('accounts')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(19);
  }, 60_000);

  it("maps the demo holding's seats to their holders from 31 days back, each seat's history in order, no overlaps", async () => {
    const rows = await sql<{ seat: string; holder: string; from: Date; to: Date | null }>`
      select s.external_id as seat, a.name as holder, m.effective_from as from, m.effective_to as to
      from seat_mappings m join seats s on s.id = m.seat_id join accounts a on a.id = m.account_id
      join accounts h on h.id = m.root_id and h.name = 'Northwind Group'
      order by s.external_id, m.effective_from`.execute(t.db);
    const bySeat = new Map<string, typeof rows.rows>();
    for (const r of rows.rows) bySeat.set(r.seat, [...(bySeat.get(r.seat) ?? []), r]);
    expect(bySeat.size).toBe(6);
    const current = new Map([...bySeat].map(([seat, h]) => [seat, h.at(-1)!]));
    expect(current.get('3310001')!.holder).toBe('Acme Foods'); // linked at the holding, assigned to Bright, then to Acme
    expect(bySeat.get('3310001')!.map((r) => r.holder)).toEqual(['Northwind Group', 'Bright Media', 'Acme Foods']);
    for (const [, history] of bySeat) {
      const now = history.at(-1)!;
      expect(now.to).toBeNull();
      expect(now.from.getTime()).toBeLessThanOrEqual(Date.now() - (DEMO_MAPPED_DAYS - 0.01) * 86_400_000);
      for (let i = 1; i < history.length; i++) expect(history[i - 1]!.to!.getTime()).toBe(history[i]!.from.getTime());
    }
    // the standalone premium client's own seat (its own root), where its month of spend runs, is mapped as far back
    const zenith = await sql<{
      from: Date;
      to: Date | null;
    }>`select m.effective_from as from, m.effective_to as to from seat_mappings m join seats s on s.id = m.seat_id
        where s.external_id = '7700991' order by m.effective_from`.execute(t.db);
    expect(zenith.rows.at(-1)!.to).toBeNull();
    expect(zenith.rows.at(-1)!.from.getTime()).toBeLessThanOrEqual(Date.now() - (DEMO_MAPPED_DAYS - 0.01) * 86_400_000);
  });

  it("tells the same month in billing and in reports: each seeded client's debits are its own spend records, rolled up", async () => {
    // per client: the raw records, the hourly rollups and the ledger's spend (taken + overage) are one amount
    const rows = await sql<{ name: string; raw: string; hourly: string; ledger: string; days: number }>`
      select a.name,
        (select coalesce(sum(spend_micros), 0) from spend_records r where r.client_id = a.id)::text as raw,
        (select coalesce(sum(spend_micros), 0) from spend_hourly h where h.client_id = a.id)::text as hourly,
        (select coalesce(sum(overage_micros - amount_micros), 0) from credit_entries e where e.client_id = a.id
          and e.kind = 'spend')::text as ledger,
        (select count(distinct date_trunc('day', r.occurred_at, 'UTC'))::int from spend_records r where r.client_id = a.id) as days
      from accounts a where a.kind = 'client' order by a.name`.execute(t.db);
    const seeded = rows.rows.filter((r) => r.raw !== '0');
    expect(seeded.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Acme Foods', 'Citrus Mobile', 'Fjord Travel', 'Orbit Telecom', 'Zenith Watches']),
    );
    expect(seeded.length).toBeGreaterThanOrEqual(11);
    for (const r of rows.rows) {
      expect({ name: r.name, hourly: r.hourly, ledger: r.ledger }).toEqual({
        name: r.name,
        hourly: r.raw,
        ledger: r.raw,
      });
      if (r.raw !== '0' && r.name !== DEMO_OVERAGE_CLIENT) expect(r.days).toBe(30);
    }
    // every watermark caught up: nothing waits for the worker
    const pending = await sql<{ n: number }>`
      select count(*)::int as n from spend_records r join spend_watermarks w on w.root_id = r.root_id where r.seq > w.rolled_seq`.execute(
      t.db,
    );
    expect(pending.rows[0]!.n).toBe(0);
  });

  it("stops a client's spend once it is paused for lack of credit; shows two clients their month in a shared report", async () => {
    // Citrus Mobile ran out: after the day its campaigns were paused, no more records (its DSPs stopped buying)
    const citrus = await sql<{ out_day: Date; last: Date }>`
      select (select date_trunc('day', min(e.created_at), 'UTC') from credit_entries e where e.client_id = a.id
        and e.kind = 'spend' and e.overage_micros > 0) as out_day,
        (select max(r.occurred_at) from spend_records r where r.client_id = a.id) as last
      from accounts a where a.name = ${DEMO_OVERAGE_CLIENT}`.execute(t.db);
    const { out_day: outDay, last } = citrus.rows[0]!;
    expect(outDay.getTime()).toBeLessThan(Date.now() - 5 * 86_400_000); // it ran out days ago
    expect(last.getTime()).toBeLessThan(outDay.getTime() + 86_400_000); // and spent nothing after that day
    // Acme Foods' and Orbit Telecom's admins run the report Bright Media shares with them: a month of their own spend
    for (const email of ['admin@acme.demo', 'admin@orbit.demo']) {
      const { token } = await (
        await anonymous(t.db, { clientAddress: email })
      ).auth.signIn({ email, password: DEMO_PASSWORD });
      const caller = createCaller(await createContextInner({ db: t.db, sessionToken: token }));
      const clientId = (await caller.auth.me())!.memberships[0]!.accountId;
      const shared = await caller.reports.shared({ accountId: clientId });
      expect(shared.items.map((r) => r.name)).toEqual(['Spend by day, last 30 days']);
      const run = await caller.reports.runSaved({ reportId: shared.items[0]!.id, clientId });
      expect(run.rows.filter((r) => BigInt(r.spendMicros) > 0n).length).toBeGreaterThanOrEqual(28);
    }
  });

  it('lets every listed demo user sign in with the demo password', async () => {
    for (const s of [...demoSignIns(), ...demoClientSignIns()]) {
      const { token } = await (
        await anonymous(t.db, { clientAddress: s.email })
      ).auth.signIn({ email: s.email, password: DEMO_PASSWORD });
      const me = await createCaller(await createContextInner({ db: t.db, sessionToken: token })).auth.me();
      expect(me?.user.platformOperator).toBe(s.role === 'platform operator');
      if (s.role !== 'platform operator' && !s.account.includes('(') && !s.account.startsWith('team'))
        expect(me?.memberships).toContainEqual(expect.objectContaining({ accountName: s.account, role: s.role }));
    }
  }, 60_000);
});
