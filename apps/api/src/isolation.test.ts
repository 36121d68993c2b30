import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { createApp } from './app';
import { callerAt, codeOf, holdingWithAdmin, memberOf, snapshot, userWithCaller, type Caller } from './testing';

/** Issue 7, items 3-8: premium-client safety, the outbox, team memberships, history, requests and existence oracles. */
const t = useTestDatabase();

/** Holding H with agencies A and B; holding H2 with agency C; premium client P (own admin) connected to A. */
async function world() {
  const { op, holding, admin: hAdmin } = await holdingWithAdmin(t.db, 'H', 'admin@h.test');
  const A = await hAdmin.caller.accounts.create({ parentId: holding.id, name: 'Agency A', kind: 'agency' });
  const B = await hAdmin.caller.accounts.create({ parentId: holding.id, name: 'Agency B', kind: 'agency' });
  const h2 = await holdingWithAdmin(t.db, 'H2', 'admin@h2.test');
  const C = await h2.admin.caller.accounts.create({ parentId: h2.holding.id, name: 'Agency C', kind: 'agency' });
  const aAdmin = await memberOf(t.db, 'admin@a.test', A, 'admin');
  const aAnalyst = await memberOf(t.db, 'analyst@a.test', A, 'analyst');
  const bAdmin = await memberOf(t.db, 'admin@b.test', B, 'admin');
  const cAdmin = await memberOf(t.db, 'admin@c.test', C, 'admin');
  const P = await op.caller.clients.createPremium({ name: 'Premium P', currency: 'EUR', timeZone: 'UTC' });
  const pAdmin = await memberOf(t.db, 'admin@p.test', P, 'admin');
  const pAnalyst = await memberOf(t.db, 'analyst@p.test', P, 'analyst');
  return { op, holding, hAdmin, A, B, C, h2, aAdmin, aAnalyst, bAdmin, cAdmin, P, pAdmin, pAnalyst };
}
type World = Awaited<ReturnType<typeof world>>;

async function connect(
  w: World,
  client: { id: string },
  agency: { id: string },
  agencyAdmin: Caller,
  clientAdmin: Caller,
) {
  const req = await clientAdmin.connections.request({ clientId: client.id, agencyId: agency.id });
  return agencyAdmin.connections.accept({ connectionId: req.id });
}

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const err = e as { code: string; cause?: { code?: string } };
    return `${err.code}/${err.cause?.code ?? ''}`;
  }
};

describe("a connected premium client's own members and archiving are the client's alone (item 3)", () => {
  it("does not let an agency remove a connected premium client's last own admin", async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const own = (await w.aAdmin.caller.members.list({ accountId: w.P.id })).items.find(
      (m) => m.email === 'admin@p.test',
    )!;
    const before = await snapshot(t.db);
    expect(await refusal(w.aAdmin.caller.members.remove({ membershipId: own.id }))).toBe(
      'FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT',
    );
    expect(await refusal(w.hAdmin.caller.members.remove({ membershipId: own.id }))).toBe(
      'FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT',
    );
    expect(await snapshot(t.db)).toEqual(before);
    // nor may the client's own admin leave it without an admin while it is connected
    const last = await w.pAdmin.caller.members.remove({ membershipId: own.id }).catch((e) => e);
    expect([last.code, last.cause?.code]).toEqual(['CONFLICT', 'LAST_ROOT_ADMIN']);
  });

  it('does not let an agency or its holding invite onto, or re-role members of, a connected premium client', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const analyst = (await w.aAdmin.caller.members.list({ accountId: w.P.id })).items.find(
      (m) => m.email === 'analyst@p.test',
    )!;
    const before = await snapshot(t.db);
    expect(
      await refusal(w.aAdmin.caller.members.invite({ accountId: w.P.id, email: 'admin@a.test', role: 'admin' })),
    ).toBe('FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT');
    expect(
      await refusal(w.hAdmin.caller.members.invite({ accountId: w.P.id, email: 'spy@h.test', role: 'analyst' })),
    ).toBe('FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT');
    expect(await refusal(w.aAdmin.caller.members.setRole({ membershipId: analyst.id, role: 'admin' }))).toBe(
      'FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT',
    );
    expect(await snapshot(t.db)).toEqual(before);
    // the agency still operates the client through its own memberships, and the client's own admin manages its users
    expect(await codeOf(w.aAdmin.caller.campaigns.create({ clientId: w.P.id, name: 'Run by A' }))).toBe('ok');
    expect(await codeOf(w.pAdmin.caller.members.setRole({ membershipId: analyst.id, role: 'operator' }))).toBe('ok');
    expect(
      await codeOf(w.pAdmin.caller.members.invite({ accountId: w.P.id, email: 'new@p.test', role: 'analyst' })),
    ).toBe('ok');
    const granted = await w.aAdmin.caller.accounts.get({ accountId: w.P.id });
    expect(granted.allowedActions).not.toContain('members.invite');
    expect(granted.allowedActions).toContain('campaigns.edit');
  });

  it('does not let an agency archive a connected premium client; its own admin may', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    expect((await w.aAdmin.caller.accounts.get({ accountId: w.P.id })).canArchive).toBe(false);
    expect(await refusal(w.aAdmin.caller.accounts.archive({ accountId: w.P.id }))).toBe(
      'FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT',
    );
    expect(await refusal(w.hAdmin.caller.accounts.archive({ accountId: w.P.id }))).toBe(
      'FORBIDDEN/FORBIDDEN_BY_PREMIUM_CLIENT',
    );
    expect((await w.pAdmin.caller.accounts.get({ accountId: w.P.id })).archivedAt).toBeNull();
    expect((await w.pAdmin.caller.accounts.get({ accountId: w.P.id })).canArchive).toBe(true);
    // a standard client stays the agency's to archive
    const std = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    expect(await codeOf(w.aAdmin.caller.accounts.archive({ accountId: std.id }))).toBe('ok');
  });

  it('leaves nothing the agency placed on the client after a disconnect: its invitations and its team', async () => {
    const w = await world();
    // a standard client the agency set up (its own admin, an invitation, a team), then promoted to premium
    const S = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Grown', kind: 'client' });
    const sAdmin = await memberOf(t.db, 'admin@grown.test', S, 'admin');
    await w.aAdmin.caller.members.invite({ accountId: S.id, email: 'planted@a.test', role: 'admin' });
    await w.op.caller.clients.promote({ accountId: S.id });
    const ownInvite = await sAdmin.caller.members.invite({
      accountId: S.id,
      email: 'colleague@grown.test',
      role: 'analyst',
    });
    const team = await w.aAdmin.caller.teams.create({ agencyId: w.A.id, name: 'Crew' });
    await w.aAdmin.caller.teams.assignClient({ teamId: team.id, clientId: S.id });
    const crew = await userWithCaller(t.db, 'crew@a.test');
    await t.db
      .transaction()
      .execute((trx) =>
        teams.insertTeamMembership(trx, { rootId: w.holding.id, teamId: team.id, userId: crew.user.id, role: 'admin' }),
      );
    expect(await codeOf(crew.caller.accounts.get({ accountId: S.id }))).toBe('ok');

    await sAdmin.caller.connections.disconnect({ clientId: S.id });
    const pending = (await sAdmin.caller.invitations.list({ accountId: S.id })).items.map((i) => i.email);
    expect(pending).toEqual([ownInvite.email]);
    expect(await codeOf(crew.caller.accounts.get({ accountId: S.id }))).toBe('NOT_FOUND');
    expect((await sAdmin.caller.members.list({ accountId: S.id })).items.map((m) => m.email)).toEqual([
      'admin@grown.test',
    ]);
  });
});

describe('the outbox shows each user only the mail they sent (item 4)', () => {
  it("shows a platform operator none of the tenants' mail, and each sender their own with its state", async () => {
    const w = await world();
    const inv = await w.aAdmin.caller.members.invite({ accountId: w.A.id, email: 'new@a.test', role: 'analyst' });
    await w.hAdmin.caller.members.invite({ accountId: w.holding.id, email: 'new@h.test', role: 'analyst' });
    const first = await w.op.caller.members.invite({ accountId: w.P.id, email: 'first@p.test', role: 'admin' });
    const opMail = await w.op.caller.outbox.list({});
    expect(opMail.items.map((m) => m.to)).toEqual(['first@p.test']);
    expect(JSON.stringify(opMail)).not.toContain(inv.token);
    expect(opMail.items[0]).toMatchObject({
      accountId: w.P.id,
      accountName: 'Premium P',
      state: 'pending',
      link: first.link,
    });
    // the holding admin administers the agency, but does not read the agency admin's mail
    expect((await w.hAdmin.caller.outbox.list({})).items.map((m) => m.to)).toEqual(['new@h.test']);
    await w.aAdmin.caller.invitations.revoke({ invitationId: inv.id });
    expect((await w.aAdmin.caller.outbox.list({})).items.map((m) => [m.to, m.accountName, m.state])).toEqual([
      ['new@a.test', 'Agency A', 'revoked'],
    ]);
    expect((await w.pAdmin.caller.outbox.list({})).items).toEqual([]);
  });
});

describe('team memberships are members like any other (item 5)', () => {
  async function withTeam() {
    const w = await world();
    const S = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Team client', kind: 'client' });
    await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Other client', kind: 'client' });
    const team = await w.aAdmin.caller.teams.create({ agencyId: w.A.id, name: 'Crew' });
    await w.aAdmin.caller.teams.assignClient({ teamId: team.id, clientId: S.id });
    const planner = await userWithCaller(t.db, 'planner@a.test');
    const tm = await t.db.transaction().execute((trx) =>
      teams.insertTeamMembership(trx, {
        rootId: w.holding.id,
        teamId: team.id,
        userId: planner.user.id,
        role: 'operator',
      }),
    );
    return { ...w, S, team, planner, tm };
  }

  it("lists team memberships with the agency's members, with their team", async () => {
    const w = await withTeam();
    const listed = (await w.aAdmin.caller.members.list({ accountId: w.A.id })).items;
    expect(listed.map((m) => [m.email, m.role, m.teamName])).toEqual([
      ['admin@a.test', 'admin', null],
      ['analyst@a.test', 'analyst', null],
      ['planner@a.test', 'operator', 'Crew'],
    ]);
    expect(listed[2]).toMatchObject({ id: w.tm.id, accountId: w.A.id, teamId: w.team.id });
    const p1 = await w.aAdmin.caller.members.list({ accountId: w.A.id, limit: 2 });
    const p2 = await w.aAdmin.caller.members.list({ accountId: w.A.id, limit: 2, cursor: p1.nextCursor! });
    expect(p2.items.map((m) => m.email)).toEqual(['planner@a.test']);
  });

  it("shows a team member exactly the team's clients in the tree", async () => {
    const w = await withTeam();
    const forest = (await w.planner.caller.accounts.tree()) as { id: string; name: string }[];
    expect(forest.map((n) => n.name)).toEqual(['Team client']);
  });

  it('re-roles and removes a team membership, with audit entries, for admins of the agency only', async () => {
    const w = await withTeam();
    expect(await codeOf(w.aAnalyst.caller.members.setRole({ membershipId: w.tm.id, role: 'analyst' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.cAdmin.caller.members.remove({ membershipId: w.tm.id }))).toBe('NOT_FOUND');
    const changed = await w.aAdmin.caller.members.setRole({ membershipId: w.tm.id, role: 'analyst' });
    expect(changed).toMatchObject({ id: w.tm.id, role: 'analyst', teamName: 'Crew' });
    expect(await codeOf(w.planner.caller.campaigns.create({ clientId: w.S.id, name: 'Nope' }))).toBe('FORBIDDEN');
    expect(await w.hAdmin.caller.members.remove({ membershipId: w.tm.id })).toEqual({ id: w.tm.id, removed: true });
    expect(await codeOf(w.planner.caller.accounts.get({ accountId: w.S.id }))).toBe('NOT_FOUND');
    const audit = (await w.aAdmin.caller.audit.list({ accountId: w.A.id })).items.filter((e) => e.entityId === w.tm.id);
    expect(audit.map((e) => [e.action, e.entityType])).toEqual([
      ['membership.remove', 'teamMembership'],
      ['membership.setRole', 'teamMembership'],
    ]);
  });
});

describe("a premium client's history does not follow it to its next agency (item 6)", () => {
  it('shows the next agency nothing from before its connection nor about the former agency', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const aDeal = await w.aAdmin.caller.deals.create({
      accountId: w.A.id,
      name: 'A deal',
      publisher: 'Pub',
      type: 'preferred_deal',
      cpmMicros: 1_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
    });
    const campaign = await w.aAdmin.caller.campaigns.create({ clientId: w.P.id, name: 'On A', dealIds: [aDeal.id] });
    await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    await connect(w, w.P, w.C, w.cAdmin.caller, w.pAdmin.caller);

    const conns = (await w.cAdmin.caller.connections.list({ accountId: w.C.id })).items;
    expect(conns.map((c) => [c.agency.name, c.state])).toEqual([['Agency C', 'accepted']]);
    expect((await w.cAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => c.agency.name)).toEqual([
      'Agency C',
    ]);
    const audit = (await w.h2.admin.caller.audit.list({ accountId: w.P.id, limit: 200 })).items;
    expect(audit.map((e) => e.action)).toEqual(['connection.accept']);
    const seen = (await w.cAdmin.caller.campaigns.list({ accountId: w.P.id })).items.find((c) => c.id === campaign.id)!;
    expect(seen.dealIds).toEqual([]);
    expect(JSON.stringify([conns, audit, seen])).not.toMatch(/Agency A|admin@a\.test/);
    // the client's own members keep its whole history
    expect((await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => c.agency.name)).toEqual([
      'Agency C',
      'Agency A',
    ]);
    expect((await w.pAdmin.caller.audit.list({ accountId: w.P.id, limit: 200 })).items.length).toBeGreaterThan(5);
  });

  it('leaves no card the former agency placed on the client: neither the client nor its next agency can charge it', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const card = { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' };
    const agencyCard = await w.aAdmin.caller.credits.addCard({ clientId: w.P.id, ...card });
    const ownCard = await w.pAdmin.caller.credits.addCard({ clientId: w.P.id, ...card });
    await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    expect((await w.pAdmin.caller.credits.cards({ clientId: w.P.id })).items.map((c) => c.id)).toEqual([ownCard.id]);
    expect(
      await refusal(
        w.pAdmin.caller.credits.topUp({
          clientId: w.P.id,
          amountMicros: 1_000_000,
          paymentMethodId: agencyCard.id,
          idempotencyKey: 'p1',
        }),
      ),
    ).toBe('NOT_FOUND/NOT_FOUND');
    await connect(w, w.P, w.C, w.cAdmin.caller, w.pAdmin.caller);
    expect((await w.cAdmin.caller.credits.cards({ clientId: w.P.id })).items.map((c) => c.id)).toEqual([ownCard.id]);
    expect(
      await refusal(
        w.cAdmin.caller.credits.topUp({
          clientId: w.P.id,
          amountMicros: 1_000_000,
          paymentMethodId: agencyCard.id,
          idempotencyKey: 'c1',
        }),
      ),
    ).toBe('NOT_FOUND/NOT_FOUND');
  });

  it('leaves no report the former agency saved on the client for the next agency to read or run', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const query = { groupBy: ['day' as const], range: { preset: 'last7' as const } };
    const agencys = await w.aAdmin.caller.reports.save({ accountId: w.P.id, name: 'Agency A pitch review', query });
    const own = await w.pAdmin.caller.reports.save({ accountId: w.P.id, name: 'Own', query });
    await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    await connect(w, w.P, w.C, w.cAdmin.caller, w.pAdmin.caller);
    expect((await w.cAdmin.caller.reports.saved({ accountId: w.P.id })).items.map((r) => r.id)).toEqual([own.id]);
    expect(await refusal(w.cAdmin.caller.reports.runSaved({ reportId: agencys.id }))).toBe('NOT_FOUND/NOT_FOUND');
  });

  it('cuts the history even when the next connection starts in the same millisecond as the disconnect', async () => {
    const w = await world();
    await connect(w, w.P, w.A, w.aAdmin.caller, w.pAdmin.caller);
    const instant = new Date(Date.now() + 60_000);
    const pAt = await callerAt(t.db, w.pAdmin.token, instant);
    await pAt.connections.disconnect({ clientId: w.P.id });
    const req = await pAt.connections.request({ clientId: w.P.id, agencyId: w.C.id });
    await (await callerAt(t.db, w.cAdmin.token, instant)).connections.accept({ connectionId: req.id });
    const audit = (await w.cAdmin.caller.audit.list({ accountId: w.P.id })).items;
    expect(audit.map((e) => e.action)).toEqual(['connection.accept']);
  });
});

describe('a client has one open request of its own at a time (item 7)', () => {
  it("cancels the client's earlier request when it sends a new one, and the cancelled one cannot be accepted", async () => {
    const w = await world();
    const toA = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const toC = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.C.id });
    const late = await w.aAdmin.caller.connections.accept({ connectionId: toA.id }).catch((e) => e);
    expect([late.code, late.message]).toEqual(['CONFLICT', 'This request is no longer open.']);
    // A sees only its own request, now cancelled; C sees only its own
    expect((await w.aAdmin.caller.connections.list({ accountId: w.A.id })).items.map((c) => [c.id, c.state])).toEqual([
      [toA.id, 'cancelled'],
    ]);
    expect((await w.cAdmin.caller.connections.list({ accountId: w.C.id })).items.map((c) => [c.id, c.state])).toEqual([
      [toC.id, 'requested'],
    ]);
    expect((await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => c.state)).toEqual([
      'requested',
      'cancelled',
    ]);
  });

  it("never lets an agency's unsolicited request cancel the request the client sent; the client sees both", async () => {
    const w = await world();
    const toA = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const fromC = await w.cAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.C.id });
    const seen = (await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items;
    expect(seen.map((c) => [c.id, c.state, c.requestedBySide, c.canRespond])).toEqual([
      [fromC.id, 'requested', 'agency', true],
      [toA.id, 'requested', 'client', false],
    ]);
    // the agency the client chose still answers it; accepting closes the unsolicited one
    await w.aAdmin.caller.connections.accept({ connectionId: toA.id });
    expect((await w.cAdmin.caller.connections.list({ accountId: w.C.id })).items.map((c) => [c.id, c.state])).toEqual([
      [fromC.id, 'cancelled'],
    ]);
  });

  it('accepting one request leaves the client no other open request, and rivals see nothing of it', async () => {
    const w = await world();
    await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const toB = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.B.id });
    await w.bAdmin.caller.connections.accept({ connectionId: toB.id });
    const open = await t.db
      .selectFrom('connections')
      .select('state')
      .where('client_id', '=', w.P.id)
      .where('state', '=', 'requested')
      .execute();
    expect(open).toEqual([]);
    // B's admin operates the client but sees none of its requests to A
    expect((await w.bAdmin.caller.connections.list({ accountId: w.B.id })).items.map((c) => c.agency.name)).toEqual([
      'Agency B',
    ]);
    expect((await w.bAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => c.agency.name)).toEqual([
      'Agency B',
    ]);
    expect((await w.aAdmin.caller.connections.list({ accountId: w.A.id })).items.map((c) => c.state)).toEqual([
      'cancelled',
    ]);
  });
});

describe('existence oracles (item 8)', () => {
  it('answers connections.request the same for every kind of account in another tenant as for a random id', async () => {
    const w = await world();
    const other = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const oAgency = await other.admin.caller.accounts.create({
      parentId: other.holding.id,
      name: 'OA',
      kind: 'agency',
    });
    const oStd = await other.admin.caller.accounts.create({ parentId: oAgency.id, name: 'OS', kind: 'client' });
    const oPrem = await w.op.caller.clients.createPremium({ name: 'Taken', currency: 'EUR', timeZone: 'UTC' });
    const oPremAdmin = await memberOf(t.db, 'admin@taken.test', oPrem, 'admin');
    await connect(w, oPrem, oAgency, other.admin.caller, oPremAdmin.caller);
    const archivedPrem = await w.op.caller.clients.createPremium({ name: 'Gone', currency: 'EUR', timeZone: 'UTC' });
    await w.op.caller.accounts.archive({ accountId: archivedPrem.id });
    const answer = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e) => `${e.code}: ${e.message}`,
      );
    // an agency naming a client
    const asAgency = [other.holding.id, oAgency.id, oStd.id, oPrem.id, archivedPrem.id, randomUUID()];
    const agencyAnswers = await Promise.all(
      asAgency.map((id) => answer(w.aAdmin.caller.connections.request({ clientId: id, agencyId: w.A.id }))),
    );
    expect(new Set(agencyAnswers)).toEqual(new Set(['NOT_FOUND: Account not found.']));
    // a client naming an agency
    const asClient = [other.holding.id, oStd.id, oPrem.id, randomUUID()];
    const clientAnswers = await Promise.all(
      asClient.map((id) => answer(w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: id }))),
    );
    expect(new Set(clientAnswers)).toEqual(new Set(['NOT_FOUND: Account not found.']));
    // a caller whose own client may not ask learns that first, whatever the other id is
    const std = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    const stdAnswers = await Promise.all(
      [oAgency.id, other.holding.id, randomUUID()].map((id) =>
        answer(w.aAdmin.caller.connections.request({ clientId: std.id, agencyId: id })),
      ),
    );
    expect(new Set(stdAnswers)).toEqual(
      new Set(['FORBIDDEN: A standard client changes agency only by a platform-operator transfer.']),
    );
  });

  it('lets sibling agencies reuse a deal id without learning of each other, and keeps it unique within a branch', async () => {
    const w = await world();
    const deal = (accountId: string, dealId: string, caller = w.hAdmin.caller) =>
      caller.deals.create({
        accountId,
        name: 'D',
        publisher: 'Pub',
        type: 'preferred_deal',
        cpmMicros: 1_000_000,
        currency: 'EUR',
        dsps: ['dv360'],
        dealId,
      });
    const std = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    expect(await codeOf(deal(w.A.id, 'SAME-1', w.aAdmin.caller))).toBe('ok');
    expect(await codeOf(deal(w.B.id, 'SAME-1', w.bAdmin.caller))).toBe('ok');
    // within the branch: the agency's own id, its holding's and its client's all collide
    const again = await deal(w.A.id, 'SAME-1', w.aAdmin.caller).catch((e) => e);
    expect([again.code, again.message]).toEqual([
      'CONFLICT',
      'A deal with id SAME-1 already exists for this account, above or below it.',
    ]);
    expect(await codeOf(deal(std.id, 'SAME-1', w.aAdmin.caller))).toBe('CONFLICT');
    expect(await codeOf(deal(w.holding.id, 'SAME-1'))).toBe('CONFLICT');
    expect(await codeOf(deal(w.holding.id, 'TOP-1'))).toBe('ok');
    expect(await codeOf(deal(w.B.id, 'TOP-1', w.bAdmin.caller))).toBe('CONFLICT');
    expect(await codeOf(deal(std.id, 'LOW-1', w.aAdmin.caller))).toBe('ok');
    expect(await codeOf(deal(w.B.id, 'LOW-1', w.bAdmin.caller))).toBe('ok');
    // concurrent inserts in one branch: exactly one wins
    const race = await Promise.all(
      [deal(w.A.id, 'RACE-1', w.aAdmin.caller), deal(std.id, 'RACE-1', w.aAdmin.caller)].map(codeOf),
    );
    expect(race.sort()).toEqual(['CONFLICT', 'ok']);
  });
});

describe('existence oracles over HTTP (item 8)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createApp({ db: t.db, publicUrl: 'http://localhost' }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("answers another tenant's id exactly like an id that does not exist, on every procedure taking one", async () => {
    const w = await world();
    // another tenant with one of everything
    const o = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const oa = await o.admin.caller.accounts.create({ parentId: o.holding.id, name: 'OA', kind: 'agency' });
    const oc = await o.admin.caller.accounts.create({ parentId: oa.id, name: 'OC', kind: 'client' });
    const seat = await o.admin.caller.seats.link({ accountId: o.holding.id, dsp: 'ttd', seatId: 'other-seat' });
    const deal = await o.admin.caller.deals.create({
      accountId: oa.id,
      name: 'D',
      publisher: 'Pub',
      type: 'preferred_deal',
      cpmMicros: 1,
      currency: 'EUR',
      dsps: ['dv360'],
    });
    const campaign = await o.admin.caller.campaigns.create({ clientId: oc.id, name: 'C' });
    const team = await o.admin.caller.teams.create({ agencyId: oa.id, name: 'T' });
    const inv = await o.admin.caller.members.invite({ accountId: oa.id, email: 'x@other.test', role: 'analyst' });
    const membership = (await o.admin.caller.members.list({ accountId: o.holding.id })).items[0]!;
    const oPrem = await w.op.caller.clients.createPremium({ name: 'OP', currency: 'EUR', timeZone: 'UTC' });
    const oPremAdmin = await memberOf(t.db, 'admin@op.test', oPrem, 'admin');
    const conn = await oPremAdmin.caller.connections.request({ clientId: oPrem.id, agencyId: oa.id });

    const probes: [string, 'q' | 'm', (id: string) => unknown, string][] = [
      ['accounts.get', 'q', (id) => ({ accountId: id }), oa.id],
      ['accounts.tree', 'q', (id) => ({ accountId: id }), oa.id],
      ['accounts.archive', 'm', (id) => ({ accountId: id }), oc.id],
      ['accounts.create', 'm', (id) => ({ parentId: id, name: 'X', kind: 'client' }), oa.id],
      ['members.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['members.invite', 'm', (id) => ({ accountId: id, email: 'y@x.test', role: 'analyst' }), oa.id],
      ['members.invite', 'm', (id) => ({ teamId: id, email: 'y@x.test', role: 'analyst' }), team.id],
      ['members.setRole', 'm', (id) => ({ membershipId: id, role: 'analyst' }), membership.id],
      ['members.remove', 'm', (id) => ({ membershipId: id }), membership.id],
      ['invitations.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['invitations.revoke', 'm', (id) => ({ invitationId: id }), inv.id],
      ['audit.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['audit.spendDays', 'q', (id) => ({ accountId: id }), oa.id],
      ['seats.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['seats.history', 'q', (id) => ({ seatId: id }), seat.id],
      ['seats.deals', 'q', (id) => ({ seatId: id }), seat.id],
      ['seats.targets', 'q', (id) => ({ seatId: id }), seat.id],
      ['seats.assign', 'm', (id) => ({ seatId: id, accountId: w.A.id }), seat.id],
      ['deals.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['deals.get', 'q', (id) => ({ dealId: id }), deal.id],
      ['deals.delivery', 'q', (id) => ({ dealId: id, from: '2026-01-01', to: '2026-01-31' }), deal.id],
      [
        'deals.create',
        'm',
        (id) => ({
          accountId: id,
          name: 'D',
          publisher: 'P',
          type: 'preferred_deal',
          cpmMicros: 1,
          currency: 'EUR',
          dsps: ['dv360'],
        }),
        oa.id,
      ],
      ['seats.link', 'm', (id) => ({ accountId: id, dsp: 'ttd', seatId: 'probe' }), o.holding.id],
      ['connections.request', 'm', (id) => ({ clientId: id, agencyId: w.A.id }), oc.id],
      ['campaigns.list', 'q', (id) => ({ accountId: id }), oc.id],
      ['campaigns.create', 'm', (id) => ({ clientId: id, name: 'X' }), oc.id],
      ['campaigns.update', 'm', (id) => ({ campaignId: id, name: 'X' }), campaign.id],
      ['clients.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['clients.overview', 'q', (id) => ({ accountId: id, from: '2026-01-01', to: '2026-01-31' }), oa.id],
      ['teams.list', 'q', (id) => ({ agencyId: id }), oa.id],
      ['teams.create', 'm', (id) => ({ agencyId: id, name: 'X' }), oa.id],
      ['teams.assignClient', 'm', (id) => ({ teamId: id, clientId: oc.id }), team.id],
      ['connections.list', 'q', (id) => ({ accountId: id }), oa.id],
      ['connections.accept', 'm', (id) => ({ connectionId: id }), conn.id],
      ['connections.decline', 'm', (id) => ({ connectionId: id }), conn.id],
      ['connections.withdraw', 'm', (id) => ({ connectionId: id }), conn.id],
      ['connections.disconnect', 'm', (id) => ({ clientId: id }), oc.id],
      ['connections.disconnectPreview', 'q', (id) => ({ clientId: id }), oc.id],
      ['connections.searchTargets', 'q', (id) => ({ fromAccountId: id, q: 'x' }), oa.id],
    ];
    const ask = async (name: string, kind: 'q' | 'm', input: unknown) => {
      const headers = { authorization: `Bearer ${w.aAdmin.token}`, 'content-type': 'application/json' };
      const res =
        kind === 'q'
          ? await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
          : await fetch(`${base}/trpc/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
      const body = (await res.json()) as {
        error?: { message: string; data: { code: string; rule: string | null; httpStatus: number } };
      };
      return {
        status: res.status,
        message: body.error?.message,
        code: body.error?.data.code,
        rule: body.error?.data.rule,
      };
    };
    // the second id of a procedure whose first id is the caller's own
    const ownSeat = await w.hAdmin.caller.seats.link({ accountId: w.holding.id, dsp: 'ttd', seatId: 'own-seat' });
    await w.hAdmin.caller.seats.assign({ seatId: ownSeat.id, accountId: w.A.id });
    const ownTeam = await w.aAdmin.caller.teams.create({ agencyId: w.A.id, name: 'Own' });
    const ownClient = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Own client', kind: 'client' });
    probes.push(
      ['seats.assign', 'm', (id) => ({ seatId: ownSeat.id, accountId: id }), oc.id],
      ['teams.assignClient', 'm', (id) => ({ teamId: ownTeam.id, clientId: id }), oc.id],
      ['campaigns.create', 'm', (id) => ({ clientId: ownClient.id, name: 'X', dealIds: [id] }), deal.id],
      ['connections.request', 'm', (id) => ({ clientId: id, agencyId: w.A.id }), oa.id],
      ['audit.list', 'q', (id) => ({ accountId: w.A.id, filterAccountId: id }), oc.id],
    );
    const mismatches: string[] = [];
    for (const [name, kind, input, foreignId] of probes) {
      // a message may echo the id it was given; apart from that, the answers must be identical
      const randomId = randomUUID();
      const foreign = await ask(name, kind, input(foreignId)).then((a) => ({
        ...a,
        message: a.message?.replaceAll(foreignId, '<id>'),
      }));
      const missing = await ask(name, kind, input(randomId)).then((a) => ({
        ...a,
        message: a.message?.replaceAll(randomId, '<id>'),
      }));
      if (
        JSON.stringify(foreign) !== JSON.stringify(missing) ||
        (foreign.code !== 'NOT_FOUND' && name !== 'campaigns.create')
      ) {
        mismatches.push(`${name}: foreign ${JSON.stringify(foreign)} vs missing ${JSON.stringify(missing)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("answers another tenant's request, credit, report, ingest-key and spend ids like ids that do not exist (tenant, operator)", async () => {
    const w = await world();
    const o = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const oa = await o.admin.caller.accounts.create({ parentId: o.holding.id, name: 'OA', kind: 'agency' });
    const oc = await o.admin.caller.accounts.create({ parentId: oa.id, name: 'OC', kind: 'client' });
    const card = await o.admin.caller.credits.addCard({
      clientId: oc.id,
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2040,
      cvc: '123',
    });
    const topUp = await o.admin.caller.credits.topUp({
      clientId: oc.id,
      amountMicros: 5_000_000,
      paymentMethodId: card.id,
      idempotencyKey: 'k1',
    });
    const key = await o.admin.caller.ingestKeys.create({ accountId: o.holding.id, name: 'feed' });
    const report = await o.admin.caller.reports.save({
      accountId: oa.id,
      name: 'R',
      query: { groupBy: ['day'], range: { preset: 'last7' } },
    });
    const campaign = await o.admin.caller.campaigns.create({ clientId: oc.id, name: 'C' });
    const inv = await o.admin.caller.members.invite({ accountId: oa.id, email: 'x@other.test', role: 'analyst' });
    const agencyMember = await memberOf(t.db, 'member@oa.test', oa, 'analyst');
    const membership = (await o.admin.caller.members.list({ accountId: oa.id })).items.find(
      (m) => m.userId === agencyMember.user.id,
    )!;
    const oPrem = await w.op.caller.clients.createPremium({ name: 'OP', currency: 'EUR', timeZone: 'UTC' });
    const oPremAdmin = await memberOf(t.db, 'admin@op.test', oPrem, 'admin');
    const request = await oPremAdmin.caller.connections.request({ clientId: oPrem.id, agencyId: oa.id });
    const days = { from: '2026-11-01', to: '2026-11-02' };
    const probes: [string, 'q' | 'm', (id: string) => unknown, string][] = [
      ['connections.withdraw', 'm', (id) => ({ connectionId: id }), request.id],
      ['campaigns.update', 'm', (id) => ({ campaignId: id, name: 'X' }), campaign.id],
      ['members.setRole', 'm', (id) => ({ membershipId: id, role: 'operator' }), membership.id],
      ['members.remove', 'm', (id) => ({ membershipId: id }), membership.id],
      ['invitations.revoke', 'm', (id) => ({ invitationId: id }), inv.id],
      ['credits.balance', 'q', (id) => ({ clientId: id }), oc.id],
      ['credits.ledger', 'q', (id) => ({ clientId: id }), oc.id],
      ['credits.usage', 'q', (id) => ({ clientId: id, ...days }), oc.id],
      ['credits.cards', 'q', (id) => ({ clientId: id }), oc.id],
      ['credits.topUps', 'q', (id) => ({ clientId: id }), oc.id],
      [
        'credits.addCard',
        'm',
        (id) => ({ clientId: id, number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' }),
        oc.id,
      ],
      ['credits.removeCard', 'm', (id) => ({ paymentMethodId: id }), card.id],
      [
        'credits.topUp',
        'm',
        (id) => ({ clientId: id, amountMicros: 1, paymentMethodId: card.id, idempotencyKey: 'k2' }),
        oc.id,
      ],
      ['credits.refund', 'm', (id) => ({ topUpId: id, amountMicros: 1, reason: 'probe' }), topUp.id],
      ['credits.setLowBalance', 'm', (id) => ({ clientId: id, thresholdMicros: 1 }), oc.id],
      ['ingestKeys.list', 'q', (id) => ({ accountId: id }), o.holding.id],
      ['ingestKeys.create', 'm', (id) => ({ accountId: id, name: 'x' }), o.holding.id],
      ['ingestKeys.revoke', 'm', (id) => ({ keyId: id }), key.id],
      ['spend.status', 'q', (id) => ({ accountId: id }), o.holding.id],
      ['spend.ingest', 'm', (id) => ({ accountId: id, records: [] }), o.holding.id],
      ['spend.setCorrectionWindow', 'm', (id) => ({ accountId: id, days: 30 }), o.holding.id],
      ['reports.run', 'q', (id) => ({ accountId: id, ...days, groupBy: ['day'] }), oa.id],
      ['reports.run', 'q', (id) => ({ accountId: id, ...days, groupBy: ['day'], compare: 'previous_period' }), oa.id],
      ['reports.run', 'q', (id) => ({ accountId: id, ...days, groupBy: ['deal'], compare: 'previous_period' }), oc.id],
      [
        'reports.save',
        'm',
        (id) => ({ accountId: id, name: 'x', query: { groupBy: [], range: { preset: 'today' } } }),
        oa.id,
      ],
      ['reports.saved', 'q', (id) => ({ accountId: id }), oa.id],
      ['reports.shared', 'q', (id) => ({ accountId: id }), oc.id],
      ['reports.runSaved', 'q', (id) => ({ reportId: id }), report.id],
      ['reports.runSaved', 'q', (id) => ({ reportId: id, compare: 'previous_period' }), report.id],
      ['reports.rename', 'm', (id) => ({ reportId: id, name: 'X' }), report.id],
      ['reports.delete', 'm', (id) => ({ reportId: id }), report.id],
      ['reports.share', 'm', (id) => ({ reportId: id, clientId: oc.id }), report.id],
      ['reports.unshare', 'm', (id) => ({ reportId: id, clientId: oc.id }), report.id],
    ];
    const ask = async (token: string, name: string, kind: 'q' | 'm', input: unknown) => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const res =
        kind === 'q'
          ? await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
          : await fetch(`${base}/trpc/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
      const body = (await res.json()) as {
        error?: { message: string; data: { code: string; rule: string | null; fieldErrors: unknown } };
      };
      return {
        status: res.status,
        message: body.error?.message,
        code: body.error?.data.code,
        rule: body.error?.data.rule,
        fields: body.error?.data.fieldErrors,
      };
    };
    const mismatches: string[] = [];
    for (const [who, token] of [
      ['tenant', w.aAdmin.token],
      ['platform operator', w.op.token],
    ] as const) {
      for (const [name, kind, input, foreignId] of probes) {
        const randomId = randomUUID();
        const foreign = await ask(token, name, kind, input(foreignId));
        const missing = await ask(token, name, kind, input(randomId));
        if (JSON.stringify(foreign) !== JSON.stringify(missing) || foreign.code !== 'NOT_FOUND') {
          mismatches.push(`${who} ${name}: foreign ${JSON.stringify(foreign)} vs missing ${JSON.stringify(missing)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('connections.searchTargets', () => {
  it('finds for an agency its own holding agencies by name and an unconnected premium client by exact id only', async () => {
    const w = await world();
    const found = await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: 'agency' });
    expect(found.items).toEqual([{ id: w.B.id, name: 'Agency B', kind: 'agency', holdingName: 'H' }]);
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: 'Premium' })).items).toEqual(
      [],
    );
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: 'Agency C' })).items).toEqual(
      [],
    );
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: w.P.id })).items).toEqual([
      { id: w.P.id, name: 'Premium P', kind: 'client', holdingName: null },
    ]);
    // once connected elsewhere, the id finds nothing, like a random one
    await connect(w, w.P, w.C, w.cAdmin.caller, w.pAdmin.caller);
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: w.P.id })).items).toEqual([]);
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: randomUUID() })).items).toEqual(
      [],
    );
    expect((await w.aAdmin.caller.connections.searchTargets({ fromAccountId: w.A.id, q: '%' })).items).toEqual([]);
  });

  it('finds for a premium client an agency by exact id or invitation link, never by name', async () => {
    const w = await world();
    const byLink = await w.pAdmin.caller.connections.searchTargets({
      fromAccountId: w.P.id,
      q: `http://localhost:3000/connect/${w.C.id}`,
    });
    expect(byLink.items).toEqual([{ id: w.C.id, name: 'Agency C', kind: 'agency', holdingName: 'H2' }]);
    expect((await w.pAdmin.caller.connections.searchTargets({ fromAccountId: w.P.id, q: 'Agency' })).items).toEqual([]);
    expect(
      (await w.pAdmin.caller.connections.searchTargets({ fromAccountId: w.P.id, q: w.h2.holding.id })).items,
    ).toEqual([]);
    expect(await codeOf(w.pAnalyst.caller.connections.searchTargets({ fromAccountId: w.P.id, q: w.C.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.cAdmin.caller.connections.searchTargets({ fromAccountId: w.P.id, q: w.C.id }))).toBe(
      'NOT_FOUND',
    );
  });
});

describe('a transferred standard client', () => {
  it('shows its new agency only what happened since the transfer, and can still be promoted', async () => {
    const w = await world();
    const S = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Moved', kind: 'client' });
    await w.aAdmin.caller.campaigns.create({ clientId: S.id, name: 'Under A' });
    await w.op.caller.clients.transfer({ accountId: S.id, agencyId: w.C.id });
    const audit = (await w.cAdmin.caller.audit.list({ accountId: S.id })).items;
    expect(JSON.stringify(audit)).not.toMatch(/Agency A|admin@a\.test/);
    expect(await codeOf(w.op.caller.clients.promote({ accountId: S.id }))).toBe('ok');
    expect(
      (await w.cAdmin.caller.connections.list({ accountId: S.id })).items.map((c) => [
        c.agency.name,
        c.origin,
        c.state,
      ]),
    ).toEqual([['Agency C', 'transfer', 'accepted']]);
  });
});

describe('one open request per client, in the database too', () => {
  it("refuses a client's second open request of its own at the database; a cancelled one is no longer open", async () => {
    const w = await world();
    // the client's request to A, replaced by its request to C: then try to reopen the first, as before the rule
    const toA = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const toC = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.C.id });
    await t.db
      .updateTable('connections')
      .set({ state: 'requested' })
      .where('id', '=', toA.id)
      .execute()
      .catch(() => undefined);
    const open = await t.db
      .selectFrom('connections')
      .select('id')
      .where('client_id', '=', w.P.id)
      .where('state', '=', 'requested')
      .execute();
    // the database itself keeps one open request of the client's own
    expect(open.map((o) => o.id)).toEqual([toC.id]);
    // and one open request between the same two, whoever sent it
    expect(await codeOf(w.cAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.C.id }))).toBe('CONFLICT');
    const answers = await Promise.all([
      w.cAdmin.caller.connections.accept({ connectionId: toC.id }).then(
        () => 'ok',
        (e) => `${e.code}: ${e.message}`,
      ),
      w.aAdmin.caller.connections.accept({ connectionId: toA.id }).then(
        () => 'ok',
        (e) => `${e.code}: ${e.message}`,
      ),
    ]);
    expect(answers).toEqual(['ok', 'CONFLICT: This request is no longer open.']);
  });
});
