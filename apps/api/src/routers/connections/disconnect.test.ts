import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { codeOf, holdingWithAdmin, memberOf } from '../../testing';

const t = useTestDatabase();
const deal = { publisher: 'P', type: 'private_auction' as const, cpmMicros: 1_000_000, currency: 'EUR' };

/** A connected premium client with its own seat and deal, the agency's seat and deals, and campaigns on both. */
async function connected() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const P = await op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
  const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
  const pAdmin = await memberOf(t.db, 'padmin@x.test', P, 'admin');
  const pAnalyst = await memberOf(t.db, 'panalyst@x.test', P, 'analyst');
  const ownSeat = await pAdmin.caller.seats.link({ accountId: P.id, dsp: 'xandr', seatId: 'own-1' });
  const ownDeal = await pAdmin.caller.deals.create({ accountId: P.id, name: 'Own deal', ...deal, dsps: ['xandr'] });
  const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: A.id });
  await aAdmin.caller.connections.accept({ connectionId: req.id });
  const hSeat = await admin.caller.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: 'h-1' });
  await admin.caller.seats.assign({ seatId: hSeat.id, accountId: A.id });
  await aAdmin.caller.seats.assign({ seatId: hSeat.id, accountId: P.id });
  const aDeal = await aAdmin.caller.deals.create({ accountId: A.id, name: 'Agency deal', ...deal, dsps: ['dv360'] });
  const hDeal = await admin.caller.deals.create({
    accountId: holding.id,
    name: 'Holding deal',
    ...deal,
    dsps: ['dv360'],
  });
  const onAgencyDeal = await aAdmin.caller.campaigns.create({
    clientId: P.id,
    name: 'On agency deal',
    dealIds: [aDeal.id],
  });
  const onHoldingDeal = await pAdmin.caller.campaigns.create({
    clientId: P.id,
    name: 'On holding deal',
    dealIds: [hDeal.id, ownDeal.id],
  });
  const onOwnDeal = await pAdmin.caller.campaigns.create({
    clientId: P.id,
    name: 'On own deal',
    dealIds: [ownDeal.id],
  });
  return {
    op,
    holding,
    admin,
    A,
    P,
    aAdmin,
    pAdmin,
    pAnalyst,
    ownSeat,
    hSeat,
    ownDeal,
    aDeal,
    hDeal,
    onAgencyDeal,
    onHoldingDeal,
    onOwnDeal,
  };
}

describe('connections.disconnect', () => {
  it('cuts the agency and the holding off at once and completely, and the client keeps all it owns', async () => {
    const w = await connected();
    expect(await codeOf(w.aAdmin.caller.campaigns.list({ accountId: w.P.id }))).toBe('ok');
    const preview = await w.pAdmin.caller.connections.disconnectPreview({ clientId: w.P.id });
    expect(preview.agency.name).toBe('A');
    expect(preview.seatsReturning.map((s) => s.seatId)).toEqual(['h-1']);
    expect(preview.campaignsPausing.map((c) => c.name).sort()).toEqual(['On agency deal', 'On holding deal']);
    const result = await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    expect(result).toEqual({ clientId: w.P.id, seatsReturned: 1, campaignsPaused: 2 });

    for (const member of [w.aAdmin, w.admin]) {
      expect(await codeOf(member.caller.accounts.get({ accountId: w.P.id }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.campaigns.list({ accountId: w.P.id }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.campaigns.update({ campaignId: w.onOwnDeal.id, name: 'x' }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.seats.list({ accountId: w.P.id }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.seats.history({ seatId: w.ownSeat.id }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.deals.get({ dealId: w.ownDeal.id }))).toBe('NOT_FOUND');
      expect(await codeOf(member.caller.audit.list({ accountId: w.P.id }))).toBe('NOT_FOUND');
      const campaignsSeen = await member.caller.campaigns.list({ accountId: w.A.id });
      expect(campaignsSeen.items).toEqual([]);
    }
    // the agency's seat came back to the agency; the client's own seat stayed
    expect((await w.aAdmin.caller.seats.list({ accountId: w.A.id })).items.map((s) => s.seatId)).toEqual(['h-1']);
    expect((await w.pAnalyst.caller.seats.list({ accountId: w.P.id })).items.map((s) => s.seatId)).toEqual(['own-1']);
    // the client can no longer use the agency's or the holding's deals
    expect((await w.pAnalyst.caller.deals.list({ accountId: w.P.id })).items.map((d) => d.name)).toEqual(['Own deal']);
    expect(await codeOf(w.pAnalyst.caller.deals.get({ dealId: w.aDeal.id }))).toBe('NOT_FOUND');
    // campaigns on those deals are paused with the reason; the one on its own deal runs on
    const mine = await w.pAnalyst.caller.campaigns.list({ accountId: w.P.id });
    const byName = Object.fromEntries(mine.items.map((c) => [c.name, c]));
    expect(byName['On agency deal']).toMatchObject({
      status: 'paused',
      pausedReason: 'Paused: the client left the agency whose deals this campaign used; those deals were taken off it.',
      dealIds: [],
    });
    expect(byName['On holding deal']!.status).toBe('paused');
    expect(byName['On own deal']!.status).toBe('active');
    // the former agency's deals were taken off it, so the client may run it again on deals of its own
    expect(await codeOf(w.pAdmin.caller.campaigns.update({ campaignId: w.onAgencyDeal.id, status: 'active' }))).toBe(
      'ok',
    );
    // the client is its own root again, its members see everything, and both sides see the history
    expect(await w.pAdmin.caller.accounts.get({ accountId: w.P.id })).toMatchObject({ parentId: null, rootId: w.P.id });
    expect(
      (await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items.map((c) => [c.state, c.endedBySide]),
    ).toEqual([['disconnected', 'client']]);
    expect((await w.aAdmin.caller.connections.list({ accountId: w.A.id })).items.map((c) => c.state)).toEqual([
      'disconnected',
    ]);
    expect((await w.pAdmin.caller.audit.list({ accountId: w.P.id })).items.map((e) => e.action).slice(0, 2)).toEqual([
      'campaign.update',
      'connection.disconnect',
    ]);
    expect((await w.aAdmin.caller.audit.list({ accountId: w.A.id })).items[0]!.action).toBe('connection.disconnect');
  });

  it('lets the agency side disconnect too, but never a standard client, and not an outsider', async () => {
    const w = await connected();
    const std = await w.admin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    expect(await codeOf(w.aAdmin.caller.connections.disconnect({ clientId: std.id }))).toBe('FORBIDDEN');
    const outsider = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    expect(await codeOf(outsider.admin.caller.connections.disconnect({ clientId: w.P.id }))).toBe('NOT_FOUND');
    expect(await codeOf(w.pAnalyst.caller.connections.disconnect({ clientId: w.P.id }))).toBe('FORBIDDEN');
    const r = await w.aAdmin.caller.connections.disconnect({ clientId: w.P.id });
    expect(r.seatsReturned).toBe(1);
    expect((await w.pAdmin.caller.connections.list({ accountId: w.P.id })).items[0]!.endedBySide).toBe('agency');
    expect(await codeOf(w.pAdmin.caller.connections.disconnect({ clientId: w.P.id }))).toBe('CONFLICT');
  });
});

describe('credits on disconnect (SPEC 2.2, 6)', () => {
  it('stay with the client, and the old agency and holding then see none of them', async () => {
    const w = await connected();
    const pm = await w.aAdmin.caller.credits.addCard({
      clientId: w.P.id,
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2030,
      cvc: '123',
    });
    const tu = await w.aAdmin.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 5_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'before-disconnect',
    });
    expect((await w.admin.caller.credits.balance({ clientId: w.P.id })).balanceMicros).toBe('5000000');
    await w.pAdmin.caller.connections.disconnect({ clientId: w.P.id });
    for (const member of [w.aAdmin, w.admin]) {
      const c = member.caller.credits;
      for (const read of [
        () => c.balance({ clientId: w.P.id }),
        () => c.ledger({ clientId: w.P.id }),
        () => c.cards({ clientId: w.P.id }),
        () => c.topUps({ clientId: w.P.id }),
        () => c.usage({ clientId: w.P.id, from: '2026-01-01', to: '2026-01-31' }),
        () => c.topUp({ clientId: w.P.id, amountMicros: 1, paymentMethodId: pm.id, idempotencyKey: 'after' }),
        () => c.refund({ topUpId: tu.id, amountMicros: 1, reason: 'after disconnect' }),
        () => c.removeCard({ paymentMethodId: pm.id }),
      ]) {
        expect(await codeOf(read())).toBe('NOT_FOUND');
      }
    }
    // the client keeps its balance and ledger; the card the agency added goes with the agency (nobody may charge it now)
    expect((await w.pAnalyst.caller.credits.balance({ clientId: w.P.id })).balanceMicros).toBe('5000000');
    expect(
      (await w.pAnalyst.caller.credits.ledger({ clientId: w.P.id })).items.map((e) => [e.kind, e.amountMicros]),
    ).toEqual([['top_up', '5000000']]);
    expect((await w.pAnalyst.caller.credits.cards({ clientId: w.P.id })).items).toEqual([]);
  });
});
