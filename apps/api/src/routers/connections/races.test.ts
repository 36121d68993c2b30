import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { premiumConnectedToAgency, userWithCaller } from '../../testing';
import { raceWithDisconnect } from '../../testing/races';

const t = useTestDatabase();
const card = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };
const query = { groupBy: ['day'] as 'day'[], range: { from: '2026-11-01', to: '2026-11-05' } };

/**
 * Holding H > agency A (with a team and a saved report), and a premium client P connected to A, with a card, a paid
 * top-up, a campaign and a pending invitation of its own.
 */
async function connected() {
  const { A, P, aAdmin, pAdmin } = await premiumConnectedToAgency(t.db);
  const team = await aAdmin.caller.teams.create({ agencyId: A.id, name: 'Crew' });
  const report = await aAdmin.caller.reports.save({ accountId: A.id, name: 'Weekly', query });
  const aDeal = await aAdmin.caller.deals.create({
    accountId: A.id,
    name: 'Agency deal',
    publisher: 'P',
    type: 'private_auction',
    cpmMicros: 1,
    currency: 'EUR',
    dsps: ['dv360'],
  });
  const pm = await pAdmin.caller.credits.addCard({ clientId: P.id, ...card });
  const topUp = await pAdmin.caller.credits.topUp({
    clientId: P.id,
    amountMicros: 50_000_000,
    paymentMethodId: pm.id,
    idempotencyKey: 'k1',
  });
  const campaign = await pAdmin.caller.campaigns.create({ clientId: P.id, name: 'Own' });
  const invitation = await pAdmin.caller.members.invite({ accountId: P.id, email: 'new@x.test', role: 'analyst' });
  const platform = await userWithCaller(t.db, 'ops@trellis.test', { platformOperator: true });
  return { op: platform, A, P, aAdmin, pAdmin, team, report, aDeal, pm, topUp, campaign, invitation };
}
type World = Awaited<ReturnType<typeof connected>>;

/**
 * Each procedure that writes on a premium client after reading it outside its transaction, racing the client's
 * disconnect: the caller from above finds the client gone (NOT_FOUND), the client's own side (and a platform
 * operator) is told it moved meanwhile (CONFLICT, try again), or the change is still right after the move (ok).
 */
const races: [string, (w: World) => Promise<unknown>, string][] = [
  [
    'teams.assignClient',
    (w) => w.aAdmin.caller.teams.assignClient({ teamId: w.team.id, clientId: w.P.id }),
    'NOT_FOUND',
  ],
  [
    'campaigns.create',
    (w) => w.aAdmin.caller.campaigns.create({ clientId: w.P.id, name: 'Late', dealIds: [w.aDeal.id] }),
    'NOT_FOUND',
  ],
  [
    'campaigns.update',
    (w) => w.aAdmin.caller.campaigns.update({ campaignId: w.campaign.id, name: 'Renamed' }),
    'NOT_FOUND',
  ],
  [
    'deals.create',
    (w) =>
      w.aAdmin.caller.deals.create({
        accountId: w.P.id,
        name: 'D',
        publisher: 'P',
        type: 'private_auction',
        cpmMicros: 1,
        currency: 'EUR',
        dsps: ['dv360'],
      }),
    'NOT_FOUND',
  ],
  ['credits.addCard', (w) => w.aAdmin.caller.credits.addCard({ clientId: w.P.id, ...card }), 'NOT_FOUND'],
  [
    'credits.topUp',
    (w) =>
      w.aAdmin.caller.credits.topUp({
        clientId: w.P.id,
        amountMicros: 1_000_000,
        paymentMethodId: w.pm.id,
        idempotencyKey: 'k2',
      }),
    'NOT_FOUND',
  ],
  [
    'credits.setLowBalance',
    (w) => w.aAdmin.caller.credits.setLowBalance({ clientId: w.P.id, thresholdMicros: 5 }),
    'NOT_FOUND',
  ],
  ['credits.removeCard', (w) => w.aAdmin.caller.credits.removeCard({ paymentMethodId: w.pm.id }), 'NOT_FOUND'],
  [
    'credits.refund',
    (w) => w.aAdmin.caller.credits.refund({ topUpId: w.topUp.id, amountMicros: 1, reason: 'late refund' }),
    'NOT_FOUND',
  ],
  [
    'credits.adjust',
    (w) => w.op.caller.credits.adjust({ clientId: w.P.id, amountMicros: 1, reason: 'fix' }),
    'CONFLICT',
  ],
  ['reports.save', (w) => w.aAdmin.caller.reports.save({ accountId: w.P.id, name: 'Late', query }), 'NOT_FOUND'],
  ['reports.share', (w) => w.aAdmin.caller.reports.share({ reportId: w.report.id, clientId: w.P.id }), 'NOT_FOUND'],
  [
    'members.invite',
    (w) => w.pAdmin.caller.members.invite({ accountId: w.P.id, email: 'late@x.test', role: 'analyst' }),
    'CONFLICT',
  ],
  ['invitations.revoke', (w) => w.pAdmin.caller.invitations.revoke({ invitationId: w.invitation.id }), 'ok'],
  ['accounts.archive', (w) => w.pAdmin.caller.accounts.archive({ accountId: w.P.id }), 'CONFLICT'],
];

describe('procedures racing a disconnect', () => {
  it.each(races)(
    '%s answers a clear code, never a 500, and leaves nothing of the agency on the client',
    async (_, make, expected) => {
      const w = await connected();
      const race = await raceWithDisconnect(t.url, w.P.id, w.pAdmin.user.id, () => make(w));
      expect(race).toEqual({ code: expected, waited: true });
      const p = await sql<{ root_id: string; team_id: string | null }>`
      select root_id, team_id from accounts where id = ${w.P.id}`.execute(t.db);
      expect(p.rows).toEqual([{ root_id: w.P.id, team_id: null }]);
      // nothing written in the agency's tree names the client after the move, nor the other way round
      const stray = await sql<{ n: number }>`
      select (select count(*) from audit_entries where account_id = ${w.P.id} and root_id <> ${w.P.id})::int
        + (select count(*) from campaigns where client_id = ${w.P.id} and root_id <> ${w.P.id})::int
        + (select count(*) from deals where owner_account_id = ${w.P.id} and root_id <> ${w.P.id})::int
        + (select count(*) from campaign_deals cd join deals d on d.id = cd.deal_id
           where d.owner_account_id = ${w.A.id})::int
        + (select count(*) from payment_methods where client_id = ${w.P.id} and root_id <> ${w.P.id})::int
        as n`.execute(t.db);
      expect(stray.rows[0]!.n).toBe(0);
    },
  );
});
