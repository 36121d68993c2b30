import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { anonymous } from './test-support';
import { DEMO_PASSWORD, demoClientSignIns, demoSignIns, seedDemo } from './demo';
import { createCaller } from './root';
import { createContextInner } from './context';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('demo data', () => {
  it('builds a holding with 3 agencies and 12 clients, every role at every level, once', async () => {
    expect(await seedDemo(t.db)).toEqual({ created: true });
    const counts = await t.db.selectFrom('accounts').select(['kind', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('kind').orderBy('kind').execute();
    expect(counts.map((c) => [c.kind, Number(c.n)])).toEqual([['agency', 3], ['client', 15], ['holding', 1]]);
    const states = await t.db.selectFrom('connections').select('state').orderBy('state').execute();
    expect(states.map((x) => x.state)).toEqual(['accepted', 'requested']);
    const standalone = await t.db.selectFrom('accounts').select('name').where('kind', '=', 'client').where('parent_id', 'is', null).orderBy('name').execute();
    expect(standalone.map((x) => x.name)).toEqual(['Nova Apparel', 'Zenith Watches']);
    expect(Number((await t.db.selectFrom('teams').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(2);
    const withCampaigns = await t.db.selectFrom('campaigns').select('client_id').distinct().execute();
    expect(withCampaigns.length).toBeGreaterThanOrEqual(10);
    const roles = await t.db
      .selectFrom('memberships as m')
      .innerJoin('accounts as a', 'a.id', 'm.account_id')
      .select(['a.level', 'm.role'])
      .distinct()
      .execute();
    for (const level of [1, 2, 3]) for (const role of ['admin', 'operator', 'analyst']) expect(roles).toContainEqual({ level, role });

    const seats = await t.db.selectFrom('seats').select('dsp').distinct().execute();
    expect(seats.map((x) => x.dsp).sort()).toEqual(['dv360', 'ttd', 'xandr']);
    const dealLevels = await t.db.selectFrom('deals as d').innerJoin('accounts as a', 'a.id', 'd.owner_account_id').select('a.level').distinct().execute();
    expect(dealLevels.map((x) => x.level).sort()).toEqual([1, 2, 3]);
    const multi = await t.db.selectFrom('deal_dsps').select(['deal_id', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('deal_id').having((eb) => eb.fn.countAll(), '>', 1).execute();
    expect(multi).toHaveLength(1);

    expect(await seedDemo(t.db)).toEqual({ created: false });
    expect(Number((await t.db.selectFrom('accounts').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(19);
  }, 60_000);

  it('lets every listed demo user sign in with the demo password', async () => {
    for (const s of [...demoSignIns(), ...demoClientSignIns()]) {
      const { token } = await (await anonymous(t.db, { clientAddress: s.email })).auth.signIn({ email: s.email, password: DEMO_PASSWORD });
      const me = await createCaller(await createContextInner({ db: t.db, sessionToken: token })).auth.me();
      expect(me?.user.platformOperator).toBe(s.role === 'platform operator');
      if (s.role !== 'platform operator' && !s.account.includes('(') && !s.account.startsWith('team')) expect(me?.memberships).toContainEqual(expect.objectContaining({ accountName: s.account, role: s.role }));
    }
  }, 60_000);
});
