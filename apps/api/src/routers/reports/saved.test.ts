import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, holdingWithAdmin, memberOf, snapshot } from '../../testing';

const t = useTestDatabase();

/** Holding > agency A > clients Acme Foods and Birch Ltd (and agency B > client Cedar); A's operator and analyst. */
async function world() {
  const { holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency A', kind: 'agency' });
  const B = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency B', kind: 'agency' });
  const acme = await admin.caller.accounts.create({ parentId: A.id, name: 'Acme Foods', kind: 'client' });
  const birch = await admin.caller.accounts.create({ parentId: A.id, name: 'Birch Ltd', kind: 'client' });
  const cedar = await admin.caller.accounts.create({ parentId: B.id, name: 'Cedar', kind: 'client' });
  const operator = await memberOf(t.db, 'op@a.test', A, 'operator');
  const analyst = await memberOf(t.db, 'analyst@a.test', A, 'analyst');
  const far = await holdingWithAdmin(t.db, 'Far', 'admin@far.test');
  return { holding, admin, A, B, acme, birch, cedar, operator, analyst, far };
}
const query = (filters?: object) => ({
  groupBy: ['day' as const],
  range: { preset: 'last7' as const },
  ...(filters ? { filters } : {}),
});

describe('saved reports: analysts save, rename and delete (SPEC 3: "run, save and export reports")', () => {
  it('lets an analyst save, rename and delete a report of its account, each audited, but not share one', async () => {
    const w = await world();
    const c = w.analyst.caller;
    const r = await c.reports.save({ accountId: w.A.id, name: 'Weekly', query: query() });
    const renamed = await c.reports.rename({ reportId: r.id, name: '  Weekly spend  ' });
    expect(renamed).toEqual({ id: r.id, name: 'Weekly spend' });
    expect((await c.reports.saved({ accountId: w.A.id })).items.map((x) => x.name)).toEqual(['Weekly spend']);
    expect(await codeOf(c.reports.share({ reportId: r.id, clientId: w.acme.id }))).toBe('FORBIDDEN');
    expect(await c.reports.delete({ reportId: r.id })).toEqual({ id: r.id, deleted: true });
    expect((await c.reports.saved({ accountId: w.A.id })).items).toEqual([]);
    const trail = (await w.admin.caller.audit.list({ accountId: w.A.id, limit: 10 })).items
      .filter((e) => e.entityId === r.id)
      .map((e) => [e.action, e.actorEmail, e.before, e.after]);
    expect(trail).toEqual([
      ['report.delete', 'analyst@a.test', { name: 'Weekly spend', query: query(), sharedWithIds: [] }, null],
      ['report.rename', 'analyst@a.test', { name: 'Weekly' }, { name: 'Weekly spend' }],
      ['report.save', 'analyst@a.test', null, { name: 'Weekly', query: query() }],
    ]);
  });

  it("refuses an analyst the deletion of a shared report (it would unshare it); an operator's deletes its shares", async () => {
    const w = await world();
    const r = await w.operator.caller.reports.save({ accountId: w.A.id, name: 'For Acme', query: query() });
    await w.operator.caller.reports.share({ reportId: r.id, clientId: w.acme.id });
    const e = await w.analyst.caller.reports.delete({ reportId: r.id }).catch((x: Error & { code: string }) => x);
    expect((e as { code: string }).code).toBe('FORBIDDEN');
    await w.operator.caller.reports.delete({ reportId: r.id });
    const acmeAdmin = await memberOf(t.db, 'admin@acme.test', w.acme, 'admin');
    expect((await acmeAdmin.caller.reports.shared({ accountId: w.acme.id })).items).toEqual([]);
  });

  it("answers a rename or delete of another tenant's report, or of none, with the same NOT_FOUND, changing nothing", async () => {
    const w = await world();
    const farAgency = await w.far.admin.caller.accounts.create({
      parentId: w.far.holding.id,
      name: 'FA',
      kind: 'agency',
    });
    const theirs = await w.far.admin.caller.reports.save({ accountId: farAgency.id, name: 'Theirs', query: query() });
    const before = await snapshot(t.db);
    const answers = [];
    for (const reportId of [theirs.id, '00000000-0000-4000-8000-000000000000'])
      for (const call of [
        () => w.admin.caller.reports.rename({ reportId, name: 'Mine now' }),
        () => w.admin.caller.reports.delete({ reportId }),
      ])
        answers.push(await call().catch((x: Error & { code: string }) => [x.code, x.message]));
    expect(answers).toEqual(Array(4).fill(['NOT_FOUND', 'Report not found.']));
    expect(await snapshot(t.db)).toEqual(before);
    expect((await w.far.admin.caller.reports.saved({ accountId: farAgency.id })).items.map((x) => x.name)).toEqual([
      'Theirs',
    ]);
  });

  it.each([
    ['an empty name', { name: '  ' }, 'must not be empty'],
    ['a name of 121 characters', { name: 'x'.repeat(121) }, 'at most 120'],
    ['a name with a control character', { name: 'a\u0007b' }, 'control characters'],
    ['an extra field', { name: 'ok', accountId: '00000000-0000-4000-8000-000000000000' }, 'Unrecognized key'],
  ])('refuses a rename to %s', async (_, bad, message) => {
    const w = await world();
    const r = await w.analyst.caller.reports.save({ accountId: w.A.id, name: 'R', query: query() });
    const e = await w.analyst.caller.reports
      .rename({ reportId: r.id, ...bad })
      .catch((x: Error & { code: string }) => x);
    expect([(e as { code: string }).code, (e as Error).message]).toEqual([
      'BAD_REQUEST',
      expect.stringContaining(message),
    ]);
  });
});

describe('sharing follows the report filters', () => {
  it('offers, and accepts, only clients the account filter can return', async () => {
    const w = await world();
    const c = w.operator.caller;
    const all = await c.reports.save({ accountId: w.A.id, name: 'All', query: query() });
    const acmeOnly = await c.reports.save({
      accountId: w.A.id,
      name: 'Acme only',
      query: query({ account: [w.acme.id] }),
    });
    const saved = (await c.reports.saved({ accountId: w.A.id })).items;
    const offered = Object.fromEntries(saved.map((r) => [r.name, r.shareTo.map((x) => x.name)]));
    expect(offered).toEqual({ All: ['Acme Foods', 'Birch Ltd'], 'Acme only': ['Acme Foods'] });
    const e = await c.reports
      .share({ reportId: acmeOnly.id, clientId: w.birch.id })
      .catch((x: Error & { code: string }) => x);
    expect([(e as { code: string }).code, (e as Error).message]).toEqual([
      'BAD_REQUEST',
      "This report's filters leave out Birch Ltd: it would always be empty.",
    ]);
    await c.reports.share({ reportId: acmeOnly.id, clientId: w.acme.id });
    await c.reports.share({ reportId: all.id, clientId: w.birch.id });
    const after = (await c.reports.saved({ accountId: w.A.id })).items;
    expect(Object.fromEntries(after.map((r) => [r.name, r.shareTo.map((x) => x.name)]))).toEqual({
      All: ['Acme Foods'],
      'Acme only': [],
    });
  });

  it("offers only a campaign filter's client", async () => {
    const w = await world();
    const k = await w.operator.caller.campaigns.create({ clientId: w.birch.id, name: 'Spring' });
    await w.operator.caller.reports.save({ accountId: w.A.id, name: 'Spring', query: query({ campaign: [k.id] }) });
    const [r] = (await w.operator.caller.reports.saved({ accountId: w.A.id })).items;
    expect(r!.shareTo.map((x) => x.name)).toEqual(['Birch Ltd']);
    expect(await codeOf(w.operator.caller.reports.share({ reportId: r!.id, clientId: w.acme.id }))).toBe('BAD_REQUEST');
  });
});
