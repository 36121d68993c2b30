import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { createContextInner } from '../../context';
import { smtpMailer } from '../../lib/mailer';
import { createCaller } from '../../root';
import { codeOf, holdingWithAdmin, memberOf } from '../../testing';

const t = useTestDatabase();

/**
 * Holding H (admin) > agency A with two admins and an operator; a standalone premium client P with two admins and an
 * analyst. Users are named after their email's local part ("padmin" of padmin@p.test).
 */
async function world() {
  const { op, holding, admin: hAdmin } = await holdingWithAdmin(t.db, 'H', 'hadmin@h.test');
  const A = await hAdmin.caller.accounts.create({ parentId: holding.id, name: 'Agency A', kind: 'agency' });
  const P = await op.caller.clients.createPremium({ name: 'Premium P', currency: 'EUR', timeZone: 'UTC' });
  return {
    A,
    P,
    hAdmin,
    aAdmin: await memberOf(t.db, 'aadmin@a.test', A, 'admin'),
    aAdmin2: await memberOf(t.db, 'aadmin2@a.test', A, 'admin'),
    aOperator: await memberOf(t.db, 'aoperator@a.test', A, 'operator'),
    pAdmin: await memberOf(t.db, 'padmin@p.test', P, 'admin'),
    pAdmin2: await memberOf(t.db, 'padmin2@p.test', P, 'admin'),
    pAnalyst: await memberOf(t.db, 'panalyst@p.test', P, 'analyst'),
  };
}

/** The mail written since `after` (an outbox id), oldest first. */
async function mailSince(after = 0) {
  return t.db
    .selectFrom('mail_outbox')
    .select(['id', 'account_id', 'to_email', 'subject', 'body', 'link', 'sent_by', 'invitation_id'])
    .where('id', '>', String(after))
    .orderBy('id')
    .execute();
}
const lastId = async () => Number((await mailSince()).at(-1)?.id ?? 0);
const PUBLIC = 'http://localhost:3000';

describe('connection mail (SPEC 2.2, 12)', () => {
  it("tells the agency's admins of a client's request, and the client's admins of the answer, with a link", async () => {
    const w = await world();
    const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const asked = await mailSince();
    // the agency's own admins, each once: not its operator, the holding's admin, nor anyone of the client
    expect(asked.map((m) => m.to_email)).toEqual(['aadmin2@a.test', 'aadmin@a.test']);
    for (const m of asked)
      expect(m).toMatchObject({
        account_id: w.A.id,
        subject: 'Premium P asks to connect with Agency A',
        link: `${PUBLIC}/accounts/${w.A.id}/connections`,
        sent_by: null,
        invitation_id: null,
      });
    expect(asked[0]!.body).toBe(
      'padmin of Premium P asked to connect Premium P, a premium client, with the agency Agency A. Once accepted, ' +
        'Agency A and its holding operate Premium P as one of their clients; Premium P keeps its own data, and ' +
        'either side may disconnect at any time. An admin of Agency A accepts or declines the request on its ' +
        'Connections page; it expires after 14 days.',
    );
    // the addressee reads it in the outbox; the client's admin who asked never sees the agency's addresses
    expect((await w.aAdmin.caller.outbox.list({})).items.map((m) => m.subject)).toEqual([
      'Premium P asks to connect with Agency A',
    ]);
    expect(JSON.stringify(await w.pAdmin.caller.outbox.list({}))).not.toContain('@a.test');

    const mark = await lastId();
    await w.aAdmin.caller.connections.accept({ connectionId: req.id });
    const accepted = await mailSince(mark);
    // the client's admins, not its analyst; and not the agency admin who accepted
    expect(accepted.map((m) => [m.to_email, m.account_id, m.subject, m.link])).toEqual([
      [
        'padmin2@p.test',
        w.P.id,
        'Agency A accepted the request to connect with Premium P',
        `${PUBLIC}/accounts/${w.P.id}/connections`,
      ],
      [
        'padmin@p.test',
        w.P.id,
        'Agency A accepted the request to connect with Premium P',
        `${PUBLIC}/accounts/${w.P.id}/connections`,
      ],
    ]);
    expect(accepted[0]!.body).toBe(
      'aadmin of Agency A accepted the request: Premium P is now connected to Agency A, and Agency A and its ' +
        'holding operate it as one of their clients. Either side may disconnect at any time.',
    );
    expect((await w.pAdmin2.caller.outbox.list({})).items.map((m) => m.link)).toEqual([
      `${PUBLIC}/accounts/${w.P.id}/connections`,
    ]);
    expect(JSON.stringify(await w.aAdmin.caller.outbox.list({}))).not.toContain('@p.test');
  });

  it("tells the client's admins of an agency's request, and the agency's admins when the client declines", async () => {
    const w = await world();
    const req = await w.aAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const asked = await mailSince();
    expect(asked.map((m) => [m.to_email, m.subject, m.link])).toEqual([
      ['padmin2@p.test', 'Agency A asks to connect with Premium P', `${PUBLIC}/accounts/${w.P.id}/connections`],
      ['padmin@p.test', 'Agency A asks to connect with Premium P', `${PUBLIC}/accounts/${w.P.id}/connections`],
    ]);
    expect(asked[0]!.body).toMatch(/^aadmin of Agency A asked to connect Premium P, a premium client/);
    const mark = await lastId();
    await w.pAdmin.caller.connections.decline({ connectionId: req.id });
    const declined = await mailSince(mark);
    expect(declined.map((m) => [m.to_email, m.subject])).toEqual([
      ['aadmin2@a.test', 'Premium P declined the request to connect with Agency A'],
      ['aadmin@a.test', 'Premium P declined the request to connect with Agency A'],
    ]);
    expect(declined[0]!.body).toBe(
      'padmin of Premium P declined the request: Premium P and Agency A are not connected. ' +
        'A new request may be sent at any time.',
    );
  });

  it("tells the agency's admins when the client withdraws its request", async () => {
    const w = await world();
    const req = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    const mark = await lastId();
    await w.pAdmin.caller.connections.withdraw({ connectionId: req.id });
    const withdrawn = await mailSince(mark);
    expect(withdrawn.map((m) => [m.to_email, m.subject, m.link])).toEqual([
      [
        'aadmin2@a.test',
        'Premium P withdrew its request to connect with Agency A',
        `${PUBLIC}/accounts/${w.A.id}/connections`,
      ],
      [
        'aadmin@a.test',
        'Premium P withdrew its request to connect with Agency A',
        `${PUBLIC}/accounts/${w.A.id}/connections`,
      ],
    ]);
    expect(withdrawn[0]!.body).toBe(
      'padmin of Premium P withdrew the request to connect Premium P with Agency A: there is nothing left to answer. ' +
        'Premium P may send a new request later.',
    );
  });

  it('sends nothing for a refused step, and a mail that cannot be sent leaves no request behind', async () => {
    const w = await world();
    expect(await codeOf(w.pAnalyst.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(w.aOperator.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await mailSince()).toEqual([]);
    // through a real transport that cannot be reached: the request fails whole, as an invitation does
    const mailer = smtpMailer('smtp://127.0.0.1:1', 'Trellis <no-reply@trellis.test>');
    const caller = createCaller(await createContextInner({ db: t.db, sessionToken: w.pAdmin.token, mailer }));
    expect(await codeOf(caller.connections.request({ clientId: w.P.id, agencyId: w.A.id }))).toBe(
      'SERVICE_UNAVAILABLE',
    );
    expect(await t.db.selectFrom('connections').selectAll().execute()).toEqual([]);
    expect(
      await t.db.selectFrom('audit_entries').selectAll().where('action', '=', 'connection.request').execute(),
    ).toEqual([]);
    expect(await mailSince()).toEqual([]);
  });
});
