import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, grant, holdingWithAdmin, snapshot, userWithCaller, memberOf } from '../../testing';

const t = useTestDatabase();

describe('accounts.createHolding', () => {
  it('lets a platform operator create a holding, audited', async () => {
    const op = await userWithCaller(t.db, 'op@x.test', { platformOperator: true });
    const h = await op.caller.accounts.createHolding({
      name: ' Northwind ',
      currency: 'EUR',
      timeZone: 'Europe/Copenhagen',
    });
    expect(h).toMatchObject({ name: 'Northwind', kind: 'holding', level: 1, parentId: null, rootId: h.id });
    const entries = await t.db.selectFrom('audit_entries').selectAll().execute();
    expect(entries.map((e) => [e.action, e.entity_id, e.actor_user_id])).toEqual([
      ['account.create', h.id, op.user.id],
    ]);
  });

  it('refuses a member who is not a platform operator', async () => {
    const { admin } = await holdingWithAdmin(t.db);
    const err = await admin.caller.accounts
      .createHolding({ name: 'Mine', currency: 'EUR', timeZone: 'UTC' })
      .catch((e) => e);
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/platform operator/);
  });
});

describe('accounts.create', () => {
  it('lets a holding admin create an agency and a client; currency and zone default to the parent', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency', kind: 'agency' });
    const client = await admin.caller.accounts.create({
      parentId: agency.id,
      name: 'Client',
      kind: 'client',
      currency: 'USD',
      timeZone: 'America/New_York',
    });
    expect(agency).toMatchObject({
      level: 2,
      parentId: holding.id,
      rootId: holding.id,
      currency: 'EUR',
      timeZone: 'Europe/Copenhagen',
      clientTier: null,
    });
    expect(client).toMatchObject({
      level: 3,
      kind: 'client',
      clientTier: 'standard',
      currency: 'USD',
      timeZone: 'America/New_York',
    });
  });

  it('lets an agency admin create clients but not agencies, and refuses operators and analysts', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency', kind: 'agency' });
    const agencyAdmin = await userWithCaller(t.db, 'aa@x.test');
    const agencyOperator = await userWithCaller(t.db, 'ao@x.test');
    await grant(t.db, agencyAdmin.user.id, agency, 'admin');
    await grant(t.db, agencyOperator.user.id, agency, 'operator');
    expect(await codeOf(agencyAdmin.caller.accounts.create({ parentId: agency.id, name: 'C', kind: 'client' }))).toBe(
      'ok',
    );
    expect(
      await codeOf(agencyAdmin.caller.accounts.create({ parentId: holding.id, name: 'Sibling', kind: 'agency' })),
    ).toBe('NOT_FOUND');
    const err = await agencyOperator.caller.accounts
      .create({ parentId: agency.id, name: 'D', kind: 'client' })
      .catch((e) => e);
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/role/i);
  });

  it('refuses sub-accounts under a client by level, and a client directly under a holding by the tree rule', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'Agency', kind: 'agency' });
    const client = await admin.caller.accounts.create({ parentId: agency.id, name: 'C', kind: 'client' });
    const before = await snapshot(t.db);
    const level = await admin.caller.accounts
      .create({ parentId: client.id, name: 'Deep', kind: 'client' })
      .catch((e) => e);
    expect(level.code).toBe('FORBIDDEN');
    expect(level.message).toMatch(/level-3/);
    expect(await codeOf(admin.caller.accounts.create({ parentId: holding.id, name: 'Direct', kind: 'client' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(admin.caller.accounts.create({ parentId: agency.id, name: 'Nested', kind: 'agency' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe('accounts.get and accounts.tree', () => {
  it("returns nested nodes, hides archived ones by default, and shows only the caller's subtree", async () => {
    const { op, holding, admin } = await holdingWithAdmin(t.db);
    const a = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const b = await admin.caller.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
    const a1 = await admin.caller.accounts.create({ parentId: a.id, name: 'A1', kind: 'client' });
    const a2 = await admin.caller.accounts.create({ parentId: a.id, name: 'A2', kind: 'client' });
    await admin.caller.accounts.archive({ accountId: a2.id });
    const tree = await admin.caller.accounts.tree({ accountId: holding.id });
    expect(tree).toEqual({
      id: holding.id,
      name: 'Holding',
      kind: 'holding',
      level: 1,
      clientTier: null,
      archived: false,
      children: [
        {
          id: a.id,
          name: 'A',
          kind: 'agency',
          level: 2,
          clientTier: null,
          archived: false,
          children: [
            { id: a1.id, name: 'A1', kind: 'client', level: 3, clientTier: 'standard', archived: false, children: [] },
          ],
        },
        { id: b.id, name: 'B', kind: 'agency', level: 2, clientTier: null, archived: false, children: [] },
      ],
    });
    const withArchived = await admin.caller.accounts.tree({ accountId: a.id, includeArchived: true });
    expect(!Array.isArray(withArchived) && withArchived.children.map((c) => c.name)).toEqual(['A1', 'A2']);

    const agencyMember = await memberOf(t.db, 'am@x.test', a, 'analyst');
    const forest = await agencyMember.caller.accounts.tree();
    expect(Array.isArray(forest) && forest.map((n) => n.id)).toEqual([a.id]);
    expect(await codeOf(agencyMember.caller.accounts.get({ accountId: holding.id }))).toBe('NOT_FOUND');
    expect(await codeOf(agencyMember.caller.accounts.tree({ accountId: b.id }))).toBe('NOT_FOUND');
    const got = await agencyMember.caller.accounts.get({ accountId: a1.id });
    expect(got.ancestors.map((x) => x.id)).toEqual([a.id]);
    expect(got.allowedActions).toContain('deals.view');
    expect(got.allowedActions).not.toContain('deals.edit');

    const opForest = await op.caller.accounts.tree();
    expect(Array.isArray(opForest) && opForest.map((n) => n.id)).toEqual([holding.id]);
  });
});

describe('scope across trees and the platform operator', () => {
  it('gives a user with memberships in two unrelated trees both, and nothing between them', async () => {
    const one = await holdingWithAdmin(t.db, 'One', 'admin@one.test');
    const two = await holdingWithAdmin(t.db, 'Two', 'admin@two.test');
    const a2 = await two.admin.caller.accounts.create({ parentId: two.holding.id, name: 'Agency Two', kind: 'agency' });
    const b2 = await two.admin.caller.accounts.create({
      parentId: two.holding.id,
      name: 'Agency Three',
      kind: 'agency',
    });
    const both = await memberOf(t.db, 'both@x.test', one.holding, 'analyst');
    await grant(t.db, both.user.id, a2, 'admin');
    const forest = await both.caller.accounts.tree();
    expect(Array.isArray(forest) && forest.map((n) => n.name)).toEqual(['Agency Two', 'One']);
    expect(await codeOf(both.caller.accounts.get({ accountId: b2.id }))).toBe('NOT_FOUND');
    expect(await codeOf(both.caller.members.invite({ accountId: a2.id, email: 'n@x.test', role: 'analyst' }))).toBe(
      'ok',
    );
    expect(
      await codeOf(both.caller.members.invite({ accountId: one.holding.id, email: 'n@x.test', role: 'analyst' })),
    ).toBe('FORBIDDEN');
  });

  it('shows a platform operator the tree and root members, but no audit trail or sub-account members', async () => {
    const { op, holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    expect(await codeOf(op.caller.accounts.get({ accountId: agency.id }))).toBe('ok');
    expect(await codeOf(op.caller.members.list({ accountId: holding.id }))).toBe('ok');
    expect(await codeOf(op.caller.members.list({ accountId: agency.id }))).toBe('NOT_FOUND');
    expect(await codeOf(op.caller.audit.list({ accountId: holding.id }))).toBe('NOT_FOUND');
    expect(await codeOf(op.caller.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' }))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('accounts.archive', () => {
  it('archives a leaf for an admin of the parent, refuses one with active children, and stops new work under it', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const client = await admin.caller.accounts.create({ parentId: agency.id, name: 'C', kind: 'client' });
    expect(await codeOf(admin.caller.accounts.archive({ accountId: agency.id }))).toBe('CONFLICT');
    const archived = await admin.caller.accounts.archive({ accountId: client.id });
    expect(archived.archivedAt).not.toBeNull();
    expect(await codeOf(admin.caller.accounts.archive({ accountId: client.id }))).toBe('CONFLICT');
    await admin.caller.accounts.archive({ accountId: agency.id });
    const err = await admin.caller.accounts
      .create({ parentId: agency.id, name: 'New', kind: 'client' })
      .catch((e) => e);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/archived/);
    expect((await admin.caller.accounts.get({ accountId: client.id })).archivedAt).not.toBeNull();
  });

  it('refuses an agency admin archiving their own agency (scope), and an operator (role)', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const client = await admin.caller.accounts.create({ parentId: agency.id, name: 'C', kind: 'client' });
    const agencyAdmin = await memberOf(t.db, 'aa@x.test', agency, 'admin');
    const holdingOperator = await memberOf(t.db, 'ho@x.test', holding, 'operator');
    const scope = await agencyAdmin.caller.accounts.archive({ accountId: agency.id }).catch((e) => e);
    expect(scope.code).toBe('FORBIDDEN');
    expect(await codeOf(holdingOperator.caller.accounts.archive({ accountId: client.id }))).toBe('FORBIDDEN');
    expect(await codeOf(agencyAdmin.caller.accounts.archive({ accountId: client.id }))).toBe('ok');
  });
});
