import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ROLES } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { anonymous, codeOf, grant, holdingWithAdmin, snapshot, userWithCaller, memberOf } from '../../testing';

const t = useTestDatabase();

async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const Empty = await admin.caller.accounts.create({ parentId: holding.id, name: 'Empty Agency', kind: 'agency' });
  const C1 = await admin.caller.accounts.create({ parentId: A.id, name: 'C1', kind: 'client' });
  const C2 = await admin.caller.accounts.create({ parentId: A.id, name: 'C2', kind: 'client' });
  const aOperator = await memberOf(t.db, 'aop@x.test', A, 'operator');
  const eOperator = await memberOf(t.db, 'eop@x.test', Empty, 'operator');
  return { op, holding, admin, A, Empty, C1, C2, aOperator, eOperator };
}

describe('campaigns', () => {
  it('belong to one client; an agency with no clients is told to create one first', async () => {
    const w = await world();
    const c = await w.aOperator.caller.campaigns.create({ clientId: w.C1.id, name: 'Spring', budgetMicros: '5000000' });
    expect(c).toMatchObject({
      client: { id: w.C1.id, name: 'C1', currency: 'EUR' },
      status: 'active',
      budgetMicros: '5000000',
    });
    const none = await w.eOperator.caller.campaigns.create({ clientId: w.Empty.id, name: 'Nowhere' }).catch((e) => e);
    expect([none.code, none.message]).toEqual([
      'BAD_REQUEST',
      'Empty Agency has no clients yet: create a client first, then its campaigns.',
    ]);
    expect(await codeOf(w.aOperator.caller.campaigns.create({ clientId: w.A.id, name: 'On the agency' }))).toBe(
      'BAD_REQUEST',
    );
    expect((await w.aOperator.caller.campaigns.list({ accountId: w.A.id })).items.map((x) => x.name)).toEqual([
      'Spring',
    ]);
  });

  it('never move: a clientId in an update is refused, even the same one, and so is any unknown field or direct SQL', async () => {
    const w = await world();
    const c = await w.aOperator.caller.campaigns.create({ clientId: w.C1.id, name: 'Spring' });
    const before = await snapshot(t.db);
    const moved = await w.aOperator.caller.campaigns.update({ campaignId: c.id, clientId: w.C2.id }).catch((e) => e);
    expect([moved.code, moved.message]).toEqual([
      'BAD_REQUEST',
      "A campaign's client is fixed when it is created and cannot be changed.",
    ]);
    expect(
      await codeOf(w.aOperator.caller.campaigns.update({ campaignId: c.id, name: 'Renamed', clientId: w.C1.id })),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(w.aOperator.caller.campaigns.update({ campaignId: c.id, client_id: w.C2.id } as never))).toBe(
      'BAD_REQUEST',
    );
    expect(await snapshot(t.db)).toEqual(before);
    const err = await sql`update campaigns set client_id = ${w.C2.id} where id = ${c.id}`.execute(t.db).catch((e) => e);
    expect(err.message).toMatch(/client is fixed/);
    expect(
      (await w.aOperator.caller.campaigns.update({ campaignId: c.id, name: 'Renamed', status: 'paused' })).status,
    ).toBe('paused');
  });

  it('use only deals the client may use', async () => {
    const w = await world();
    const d1 = await w.aOperator.caller.deals.create({
      accountId: w.C1.id,
      name: 'C1 only',
      publisher: 'P',
      type: 'preferred_deal',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['dv360'],
    });
    expect(await codeOf(w.aOperator.caller.campaigns.create({ clientId: w.C1.id, name: 'ok', dealIds: [d1.id] }))).toBe(
      'ok',
    );
    const err = await w.aOperator.caller.campaigns
      .create({ clientId: w.C2.id, name: 'not ok', dealIds: [d1.id] })
      .catch((e) => e);
    expect([err.code, err.message]).toEqual(['BAD_REQUEST', `The deal "${d1.id}" is not usable by this client.`]);
  });

  it("are covered by a team membership for the team's clients only", async () => {
    const w = await world();
    const aAdmin = await memberOf(t.db, 'aadmin@x.test', w.A, 'admin');
    const team = await aAdmin.caller.teams.create({ agencyId: w.A.id, name: 'Retail' });
    await aAdmin.caller.teams.assignClient({ teamId: team.id, clientId: w.C1.id });
    expect(
      (await w.aOperator.caller.clients.list({ accountId: w.A.id })).items.map((c) => [
        c.name,
        c.tier,
        c.team?.name ?? null,
      ]),
    ).toEqual([
      ['C1', 'standard', 'Retail'],
      ['C2', 'standard', null],
    ]);
    const inv = await aAdmin.caller.members.invite({ teamId: team.id, email: 'teamop@x.test', role: 'operator' });
    const { token } = await (
      await anonymous(t.db)
    ).members.acceptInvitation({ token: inv.token!, name: 'Team Op', password: 'team operator pw' });
    const { createCaller } = await import('../../root');
    const { createContextInner } = await import('../../context');
    const teamOp = createCaller(await createContextInner({ db: t.db, sessionToken: token }));
    // the landing names the team, its agency and the role; nobody else's teams
    expect((await teamOp.auth.me())!.teams).toEqual([
      { teamId: team.id, teamName: 'Retail', agencyId: w.A.id, agencyName: w.A.name, role: 'operator' },
    ]);
    expect((await aAdmin.caller.auth.me())!.teams).toEqual([]);
    expect(await codeOf(teamOp.campaigns.create({ clientId: w.C1.id, name: 'Team run' }))).toBe('ok');
    expect(await codeOf(teamOp.campaigns.create({ clientId: w.C2.id, name: 'Not my team' }))).toBe('NOT_FOUND');
    expect(await codeOf(teamOp.accounts.get({ accountId: w.A.id }))).toBe('NOT_FOUND');
    const teams = await aAdmin.caller.teams.list({ agencyId: w.A.id });
    expect(teams.items).toEqual([
      {
        id: team.id,
        name: 'Retail',
        clients: [{ id: w.C1.id, name: 'C1' }],
        members: [expect.objectContaining({ email: 'teamop@x.test', role: 'operator' })],
      },
    ]);
    expect(await codeOf(w.aOperator.caller.teams.create({ agencyId: w.A.id, name: 'Nope' }))).toBe('FORBIDDEN');
    expect(await codeOf(aAdmin.caller.teams.create({ agencyId: w.A.id, name: ' retail ' }))).toBe('CONFLICT');
    // unassigning ends the team's reach
    await aAdmin.caller.teams.assignClient({ teamId: null, clientId: w.C1.id });
    expect(await codeOf(teamOp.campaigns.list({ accountId: w.C1.id }))).toBe('NOT_FOUND');
  });
});

describe('standard-client limits through the api (SPEC 2.2)', () => {
  it("lets a standard client's own members manage its users and nothing else", async () => {
    const w = await world();
    const results: Record<string, Record<string, string>> = {};
    for (const role of ROLES) {
      const m = await userWithCaller(t.db, `${role}.c1@x.test`);
      await grant(t.db, m.user.id, w.C1, role);
      const c = m.caller;
      results[role] = {
        'accounts.get': await codeOf(c.accounts.get({ accountId: w.C1.id })),
        'members.list': await codeOf(c.members.list({ accountId: w.C1.id })),
        'members.invite': await codeOf(
          c.members.invite({ accountId: w.C1.id, email: `new.${role}@x.test`, role: 'analyst' }),
        ),
        'deals.list': await codeOf(c.deals.list({ accountId: w.C1.id })),
        'deals.create': await codeOf(
          c.deals.create({
            accountId: w.C1.id,
            name: 'D',
            publisher: 'P',
            type: 'preferred_deal',
            cpmMicros: 1,
            currency: 'EUR',
            dsps: ['dv360'],
          }),
        ),
        'seats.list': await codeOf(c.seats.list({ accountId: w.C1.id })),
        'campaigns.list': await codeOf(c.campaigns.list({ accountId: w.C1.id })),
        'campaigns.create': await codeOf(c.campaigns.create({ clientId: w.C1.id, name: 'X' })),
        'connections.list': await codeOf(c.connections.list({ accountId: w.C1.id })),
        'audit.list': await codeOf(c.audit.list({ accountId: w.C1.id })),
      };
    }
    const F = 'FORBIDDEN';
    expect(results).toEqual({
      admin: {
        'accounts.get': 'ok',
        'members.list': 'ok',
        'members.invite': 'ok',
        'deals.list': F,
        'deals.create': F,
        'seats.list': F,
        'campaigns.list': F,
        'campaigns.create': F,
        'connections.list': F,
        'audit.list': F,
      },
      operator: {
        'accounts.get': 'ok',
        'members.list': 'ok',
        'members.invite': F,
        'deals.list': F,
        'deals.create': F,
        'seats.list': F,
        'campaigns.list': F,
        'campaigns.create': F,
        'connections.list': F,
        'audit.list': F,
      },
      analyst: {
        'accounts.get': 'ok',
        'members.list': 'ok',
        'members.invite': F,
        'deals.list': F,
        'deals.create': F,
        'seats.list': F,
        'campaigns.list': F,
        'campaigns.create': F,
        'connections.list': F,
        'audit.list': F,
      },
    });
  });
});

describe('clients.promote and clients.transfer (platform operator)', () => {
  it("promotes a standard client, keeping its agency, and transfers a client to another holding's agency", async () => {
    const w = await world();
    const c1Admin = await memberOf(t.db, 'c1admin@x.test', w.C1, 'admin');
    expect(await codeOf(w.admin.caller.clients.promote({ accountId: w.C1.id }))).toBe('FORBIDDEN');
    const promoted = await w.op.caller.clients.promote({ accountId: w.C1.id });
    expect(promoted).toMatchObject({ clientTier: 'premium', parentId: w.A.id });
    expect(
      (await w.aOperator.caller.connections.list({ accountId: w.A.id })).items.map((c) => [c.state, c.origin]),
    ).toEqual([['accepted', 'promotion']]);
    expect(await codeOf(c1Admin.caller.deals.list({ accountId: w.C1.id }))).toBe('ok'); // premium: full features now

    const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const B = await other.admin.caller.accounts.create({ parentId: other.holding.id, name: 'B', kind: 'agency' });
    const seat = await w.admin.caller.seats.link({ accountId: w.holding.id, dsp: 'ttd', seatId: 't-1' });
    await w.admin.caller.seats.assign({ seatId: seat.id, accountId: w.C2.id });
    const moved = await w.op.caller.clients.transfer({ accountId: w.C2.id, agencyId: B.id });
    expect(moved).toMatchObject({ parentId: B.id, rootId: other.holding.id, clientTier: 'standard' });
    expect(await codeOf(w.aOperator.caller.accounts.get({ accountId: w.C2.id }))).toBe('NOT_FOUND');
    expect(await codeOf(other.admin.caller.accounts.get({ accountId: w.C2.id }))).toBe('ok');
    expect((await w.admin.caller.seats.list({ accountId: w.A.id })).items.map((s) => s.seatId)).toEqual(['t-1']);
    expect(await codeOf(w.admin.caller.clients.transfer({ accountId: w.C1.id, agencyId: B.id }))).toBe('FORBIDDEN');
  });
});
