import { describe, expect, it } from 'vitest';
import { CONNECTION_REQUEST_TTL_MS } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { callerAt, codeOf, grant, holdingWithAdmin, snapshot, userWithCaller, memberOf } from '../../testing';

const t = useTestDatabase();

/** A holding with agencies A and B (admins, A analyst), and a standalone premium client P with an admin. */
async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const B = await admin.caller.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
  const P = await op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
  const users = {} as Record<
    'aAdmin' | 'aAnalyst' | 'bAdmin' | 'pAdmin' | 'pAnalyst',
    Awaited<ReturnType<typeof userWithCaller>>
  >;
  for (const [key, account, role] of [
    ['aAdmin', A, 'admin'],
    ['aAnalyst', A, 'analyst'],
    ['bAdmin', B, 'admin'],
    ['pAdmin', P, 'admin'],
    ['pAnalyst', P, 'analyst'],
  ] as const) {
    users[key] = await userWithCaller(t.db, `${key.toLowerCase()}@x.test`);
    await grant(t.db, users[key].user.id, account, role);
  }
  return { op, holding, admin, A, B, P, ...users };
}

describe('connections', () => {
  it('connects a premium client that asks, once the agency accepts; the agency then operates it', async () => {
    const w = await world();
    expect(P(w)).toBe(w.P.id);
    const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    expect(req).toMatchObject({
      state: 'requested',
      requestedBySide: 'client',
      canRespond: false,
      agency: { name: 'A' },
      client: { name: 'Premium Co' },
    });
    expect(await codeOf(w.aAdmin.caller.accounts.get({ accountId: w.P.id }))).toBe('NOT_FOUND');
    const incoming = await w.aAdmin.caller.connections.list({ accountId: w.A.id });
    expect(incoming.items.map((c) => [c.state, c.canRespond])).toEqual([['requested', true]]);
    expect(await codeOf(w.pAdmin.caller.connections.accept({ connectionId: req.id }))).toBe('FORBIDDEN');
    expect(await codeOf(w.aAnalyst.caller.connections.accept({ connectionId: req.id }))).toBe('FORBIDDEN');
    const accepted = await w.aAdmin.caller.connections.accept({ connectionId: req.id });
    expect(accepted.state).toBe('accepted');
    const p = await w.aAnalyst.caller.accounts.get({ accountId: w.P.id });
    expect(p).toMatchObject({ parentId: w.A.id, rootId: w.holding.id, clientTier: 'premium' });
    expect(await codeOf(w.admin.caller.campaigns.create({ clientId: w.P.id, name: 'Run by the holding' }))).toBe('ok');
    expect(await codeOf(w.bAdmin.caller.accounts.get({ accountId: w.P.id }))).toBe('NOT_FOUND');
    // the client's own members keep full access, and both sides see the history
    expect(await codeOf(w.pAnalyst.caller.campaigns.list({ accountId: w.P.id }))).toBe('ok');
    expect((await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => c.state)).toEqual([
      'accepted',
    ]);
    const audit = (await w.pAdmin.caller.audit.list({ accountId: w.P.id })).items.map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['connection.request', 'connection.accept']));
  });

  it('lets the agency ask too, and the client decline', async () => {
    const w = await world();
    const req = await w.aAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    expect(req.requestedBySide).toBe('agency');
    expect(await codeOf(w.aAdmin.caller.connections.decline({ connectionId: req.id }))).toBe('FORBIDDEN');
    expect((await w.pAdmin.caller.connections.decline({ connectionId: req.id })).state).toBe('declined');
    expect(await codeOf(w.pAdmin.caller.connections.accept({ connectionId: req.id }))).toBe('CONFLICT');
  });

  it('refuses a request from someone who administers neither side, and one for a standard client', async () => {
    const w = await world();
    const before = await snapshot(t.db);
    expect(await codeOf(w.bAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.aAnalyst.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id }))).toBe(
      'FORBIDDEN',
    );
    const std = await w.admin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    const after = await snapshot(t.db);
    const err = await w.admin.caller.connections.request({ clientId: std.id, agencyId: w.B.id }).catch((e) => e);
    expect([err.code, err.message]).toEqual([
      'FORBIDDEN',
      'A standard client changes agency only by a platform-operator transfer.',
    ]);
    expect(before['connections']).toBe(0);
    expect(await snapshot(t.db)).toEqual(after);
  });

  it('keeps a client to one agency, and refuses an expired request', async () => {
    const w = await world();
    const toA = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    await w.aAdmin.caller.connections.accept({ connectionId: toA.id });
    const toB = await w.aAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.B.id }).catch((e) => e);
    expect([toB.code, toB.message]).toEqual([
      'CONFLICT',
      'This client is already connected to an agency; it must disconnect first.',
    ]);
    expect(await codeOf(w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.B.id }))).toBe('CONFLICT');

    const other = await w.op.caller.clients.createPremium({ name: 'Other Premium', currency: 'EUR', timeZone: 'UTC' });
    const oAdmin = await memberOf(t.db, 'oadmin@x.test', other, 'admin');
    const old = await oAdmin.caller.connections.request({ clientId: other.id, agencyId: w.B.id });
    const later = await callerAt(t.db, w.bAdmin.token, new Date(Date.now() + CONNECTION_REQUEST_TTL_MS + 60_000));
    const expired = await later.connections.accept({ connectionId: old.id }).catch((e) => e);
    expect([expired.code, expired.message]).toEqual([
      'CONFLICT',
      'This request expired after 14 days; send a new one.',
    ]);
    expect((await later.connections.list({ accountId: w.B.id })).items.find((c) => c.id === old.id)?.state).toBe(
      'expired',
    );
  });
});

const P = (w: { P: { id: string } }) => w.P.id;
