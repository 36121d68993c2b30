import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONNECTION_REQUEST_TTL_MS } from '@trellis/domain';
import { useTestDatabase } from '@trellis/db/testing';
import { anonymous, callerAt, codeOf, holdingWithAdmin, memberOf, snapshot } from '../../testing';

const t = useTestDatabase();

/**
 * Holding H (admin) with agencies A (admin, second admin, operator) and B (admin); holding H2 with agency C (admin);
 * a standalone premium client P (admin, analyst) and a standard client S of A (admin); the platform operator.
 */
async function world() {
  const { op, holding, admin: hAdmin } = await holdingWithAdmin(t.db, 'H', 'admin@h.test');
  const A = await hAdmin.caller.accounts.create({ parentId: holding.id, name: 'Agency A', kind: 'agency' });
  const B = await hAdmin.caller.accounts.create({ parentId: holding.id, name: 'Agency B', kind: 'agency' });
  const h2 = await holdingWithAdmin(t.db, 'H2', 'admin@h2.test');
  const C = await h2.admin.caller.accounts.create({ parentId: h2.holding.id, name: 'Agency C', kind: 'agency' });
  const P = await op.caller.clients.createPremium({ name: 'Premium P', currency: 'EUR', timeZone: 'UTC' });
  const S = await hAdmin.caller.accounts.create({ parentId: A.id, name: 'Standard S', kind: 'client' });
  return {
    op,
    hAdmin,
    A,
    B,
    C,
    P,
    aAdmin: await memberOf(t.db, 'admin@a.test', A, 'admin'),
    aAdmin2: await memberOf(t.db, 'second@a.test', A, 'admin'),
    aOperator: await memberOf(t.db, 'operator@a.test', A, 'operator'),
    bAdmin: await memberOf(t.db, 'admin@b.test', B, 'admin'),
    cAdmin: await memberOf(t.db, 'admin@c.test', C, 'admin'),
    pAdmin: await memberOf(t.db, 'admin@p.test', P, 'admin'),
    pAnalyst: await memberOf(t.db, 'analyst@p.test', P, 'analyst'),
    sAdmin: await memberOf(t.db, 'admin@s.test', S, 'admin'),
  };
}

const answer = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
  );

const connectionRow = (id: string) =>
  t.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('connections.withdraw', () => {
  it("lets the client's admin withdraw its own pending request; both sides see it ended, and it cannot be answered", async () => {
    const w = await world();
    const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const seen = async (who: typeof w.pAdmin, accountId: string) =>
      (await who.caller.connections.list({ accountId })).items.map((c) => [c.state, c.canWithdraw]);
    expect(await seen(w.pAdmin, w.P.id)).toEqual([['requested', true]]);
    expect(await seen(w.pAnalyst, w.P.id)).toEqual([['requested', false]]);
    expect(await seen(w.aAdmin, w.A.id)).toEqual([['requested', false]]);

    const out = await w.pAdmin.caller.connections.withdraw({ connectionId: req.id });
    expect(out).toMatchObject({ id: req.id, state: 'withdrawn', endedBySide: 'client', canWithdraw: false });
    expect(out.endedAt).not.toBeNull();
    expect(await seen(w.aAdmin, w.A.id)).toEqual([['withdrawn', false]]);
    expect((await w.aAdmin.caller.connections.list({ accountId: w.A.id })).items[0]!.canRespond).toBe(false);

    // audited on both sides
    for (const [who, accountId] of [
      [w.pAdmin, w.P.id],
      [w.aAdmin, w.A.id],
    ] as const) {
      const entry = (await who.caller.audit.list({ accountId })).items.find((e) => e.action === 'connection.withdraw');
      expect(entry).toMatchObject({
        entityId: req.id,
        after: { client: 'Premium P', agency: 'Agency A', by: 'client' },
      });
    }

    // nobody answers a withdrawn request, and it is not withdrawn twice
    expect(await answer(w.aAdmin.caller.connections.accept({ connectionId: req.id }))).toBe(
      'CONFLICT: The client withdrew this request; it can no longer be answered.',
    );
    expect(await answer(w.aAdmin.caller.connections.decline({ connectionId: req.id }))).toBe(
      'CONFLICT: The client withdrew this request; it can no longer be answered.',
    );
    expect(await answer(w.pAdmin.caller.connections.withdraw({ connectionId: req.id }))).toBe(
      'CONFLICT: This request was already withdrawn.',
    );
    // and the client may ask the same agency again
    const again = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    expect(again.state).toBe('requested');
  });

  it('answers NOT_FOUND to whoever cannot see the request, and FORBIDDEN to those who see it but may not; changes nothing', async () => {
    const w = await world();
    const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const before = { rows: await snapshot(t.db), row: await connectionRow(req.id) };
    const withdraw = (caller: Awaited<ReturnType<typeof anonymous>>, connectionId = req.id) =>
      answer(caller.connections.withdraw({ connectionId }));
    const notFound = 'NOT_FOUND: Connection not found.';
    // another tenant, a sibling agency, a standard client's admin, the platform operator, and a random id
    expect(await withdraw(w.cAdmin.caller)).toBe(notFound);
    expect(await withdraw(w.bAdmin.caller)).toBe(notFound);
    expect(await withdraw(w.sAdmin.caller)).toBe(notFound);
    expect(await withdraw(w.op.caller)).toBe(notFound);
    expect(await withdraw(w.pAdmin.caller, randomUUID())).toBe(notFound);
    // the agency the request is for (and its holding) see it, but it is not theirs to withdraw; nor an analyst's
    const forbidden = 'FORBIDDEN: Only an admin of the client that sent this request may withdraw it.';
    expect(await withdraw(w.aAdmin.caller)).toBe(forbidden);
    expect(await withdraw(w.aOperator.caller)).toBe(forbidden);
    expect(await withdraw(w.hAdmin.caller)).toBe(forbidden);
    expect(await withdraw(w.pAnalyst.caller)).toBe(forbidden);
    // anonymous, and malformed bodies
    expect(await codeOf((await anonymous(t.db)).connections.withdraw({ connectionId: req.id }))).toBe('UNAUTHORIZED');
    for (const bad of [{}, { connectionId: 'not-a-uuid' }, { connectionId: null }, { connectionId: [req.id] }])
      expect(await codeOf(w.pAdmin.caller.connections.withdraw(bad as { connectionId: string }))).toBe('BAD_REQUEST');
    expect({ rows: await snapshot(t.db), row: await connectionRow(req.id) }).toEqual(before);
  });

  it('refuses, with the reason, a request the agency sent, a decided, a replaced or an expired one', async () => {
    const w = await world();
    const withdraw = (connectionId: string, caller = w.pAdmin.caller) =>
      answer(caller.connections.withdraw({ connectionId }));
    const fromA = await w.aAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    expect(await withdraw(fromA.id)).toBe(
      'CONFLICT: Only a request the client sent can be withdrawn, by the client; decline this one instead.',
    );
    // the agency that sent it cannot withdraw it either: it is the client's to decline
    expect(await withdraw(fromA.id, w.aAdmin.caller)).toBe(
      'FORBIDDEN: Only an admin of the client that sent this request may withdraw it.',
    );
    const toB = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.B.id });
    await w.bAdmin.caller.connections.decline({ connectionId: toB.id });
    expect(await withdraw(toB.id)).toBe('CONFLICT: This request was declined; send a new one.');
    const toC = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.C.id });
    const toB2 = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.B.id });
    expect(await withdraw(toC.id)).toBe('CONFLICT: This request is no longer open.');
    const late = await callerAt(t.db, w.pAdmin.token, new Date(Date.now() + CONNECTION_REQUEST_TTL_MS + 60_000));
    expect(await withdraw(toB2.id, late)).toBe('CONFLICT: This request expired after 14 days; send a new one.');
    await w.bAdmin.caller.connections.accept({ connectionId: toB2.id });
    expect(await withdraw(toB2.id)).toBe(
      'CONFLICT: This request was accepted and the two are connected; disconnect instead.',
    );
  });

  it('lets exactly one of a withdrawal and an acceptance racing each other win', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) {
      const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
      const outcomes = await Promise.all([
        codeOf(w.pAdmin.caller.connections.withdraw({ connectionId: req.id })),
        codeOf(w.aAdmin.caller.connections.accept({ connectionId: req.id })),
      ]);
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'CONFLICT')).toHaveLength(1);
      const row = await connectionRow(req.id);
      expect(row.state).toBe(outcomes[0] === 'ok' ? 'withdrawn' : 'accepted');
      if (row.state === 'accepted') await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    }
  });
});
