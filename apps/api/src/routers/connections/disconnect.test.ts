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
    expect(result).toEqual({
      clientId: w.P.id,
      seatsReturned: 1,
      campaignsPaused: 2,
      campaignsWithDealsRemoved: 2,
      invitationsRevoked: 0,
      cardsRemoved: 0,
      reportsDeleted: 0,
      reportsUnshared: 0,
    });

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

/** What `before` had that `after` lacks. */
const gone = <T>(before: readonly T[], after: readonly T[]) => before.filter((x) => !after.includes(x));

/**
 * Everything an agency's side can leave on a client: Orbit, a standard client Bright Media set up (an invitation it
 * sent, its team Crew, a card, reports), then promoted to premium; the holding's seat and deals and the agency's deal
 * on its campaigns (one already paused); reports the agency and the holding shared with it. And what is Orbit's own:
 * its admin, an invitation, a deal, a campaign, a card and a report, which must all stay.
 */
async function everythingPlaced() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'Bright Media', kind: 'agency' });
  const aAdmin = await memberOf(t.db, 'aadmin@x.test', A, 'admin');
  const S = await aAdmin.caller.accounts.create({ parentId: A.id, name: 'Orbit', kind: 'client' });
  const sAdmin = await memberOf(t.db, 'sadmin@orbit.test', S, 'admin');
  await aAdmin.caller.members.invite({ accountId: S.id, email: 'planted@bright.test', role: 'analyst' });
  const team = await aAdmin.caller.teams.create({ agencyId: A.id, name: 'Crew' });
  await aAdmin.caller.teams.assignClient({ teamId: team.id, clientId: S.id });
  await op.caller.clients.promote({ accountId: S.id });
  await sAdmin.caller.members.invite({ accountId: S.id, email: 'colleague@orbit.test', role: 'analyst' });

  const seat = await admin.caller.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: 'h-1' });
  await admin.caller.seats.assign({ seatId: seat.id, accountId: A.id });
  await aAdmin.caller.seats.assign({ seatId: seat.id, accountId: S.id });
  const aDeal = await aAdmin.caller.deals.create({ accountId: A.id, name: 'Agency deal', ...deal, dsps: ['dv360'] });
  const hDeal = await admin.caller.deals.create({
    accountId: holding.id,
    name: 'Holding deal',
    ...deal,
    dsps: ['dv360'],
  });
  const ownDeal = await sAdmin.caller.deals.create({ accountId: S.id, name: 'Own deal', ...deal, dsps: ['dv360'] });
  await aAdmin.caller.campaigns.create({ clientId: S.id, name: 'Spring', dealIds: [aDeal.id] });
  await sAdmin.caller.campaigns.create({ clientId: S.id, name: 'Summer', dealIds: [hDeal.id, ownDeal.id] });
  const autumn = await aAdmin.caller.campaigns.create({ clientId: S.id, name: 'Autumn', dealIds: [aDeal.id] });
  await aAdmin.caller.campaigns.update({ campaignId: autumn.id, status: 'paused' });
  await sAdmin.caller.campaigns.create({ clientId: S.id, name: 'Own', dealIds: [ownDeal.id] });

  const card = { expMonth: 12, expYear: 2040, cvc: '123' };
  const agencyCard = await aAdmin.caller.credits.addCard({ clientId: S.id, number: '4242424242424242', ...card });
  await sAdmin.caller.credits.addCard({ clientId: S.id, number: '5555555555554444', ...card });
  const query = { groupBy: ['day' as const], range: { preset: 'last7' as const } };
  const weekly = await aAdmin.caller.reports.save({ accountId: A.id, name: 'Agency weekly', query });
  await aAdmin.caller.reports.share({ reportId: weekly.id, clientId: S.id });
  const monthly = await admin.caller.reports.save({ accountId: holding.id, name: 'Holding monthly', query });
  await admin.caller.reports.share({ reportId: monthly.id, clientId: S.id });
  await aAdmin.caller.reports.save({ accountId: S.id, name: 'Agency pitch', query });
  await sAdmin.caller.reports.save({ accountId: S.id, name: 'Own review', query });
  return { holding, admin, A, aAdmin, S, sAdmin, team, seat, aDeal, hDeal, ownDeal, agencyCard, weekly, monthly };
}

describe('connections.disconnectPreview', () => {
  it('lists exactly what the disconnect then does, item by item and by name', async () => {
    const w = await everythingPlaced();
    const preview = await w.sAdmin.caller.connections.disconnectPreview({ clientId: w.S.id });
    expect(preview).toEqual({
      agency: { id: w.A.id, name: 'Bright Media' },
      seatsReturning: [{ id: w.seat.id, dsp: 'dv360', seatId: 'h-1' }],
      campaignsPausing: expect.any(Array),
      dealsRemoved: [
        { campaign: { id: expect.any(String), name: 'Autumn' }, deals: [{ id: w.aDeal.id, name: 'Agency deal' }] },
        { campaign: { id: expect.any(String), name: 'Spring' }, deals: [{ id: w.aDeal.id, name: 'Agency deal' }] },
        { campaign: { id: expect.any(String), name: 'Summer' }, deals: [{ id: w.hDeal.id, name: 'Holding deal' }] },
      ],
      invitationsRevoked: [{ id: expect.any(String), email: 'planted@bright.test', role: 'analyst' }],
      cardsRemoved: [{ id: w.agencyCard.id, brand: 'visa', last4: '4242' }],
      reportsDeleted: [{ id: expect.any(String), name: 'Agency pitch' }],
      reportsUnshared: [
        { id: w.weekly.id, name: 'Agency weekly', sharedFrom: 'Bright Media' },
        { id: w.monthly.id, name: 'Holding monthly', sharedFrom: 'Holding' },
      ],
      // the client is not told how its agency organises its people; the agency's side is
      team: null,
    });
    expect(preview.campaignsPausing.map((c) => c.name).sort()).toEqual(['Spring', 'Summer']);
    const asAgency = await w.aAdmin.caller.connections.disconnectPreview({ clientId: w.S.id });
    expect(asAgency).toEqual({
      ...preview,
      campaignsPausing: asAgency.campaignsPausing,
      team: { id: w.team.id, name: 'Crew' },
    });

    // what the client sees of itself before and after
    const c = w.sAdmin.caller;
    const look = async () => ({
      seats: (await c.seats.list({ accountId: w.S.id })).items.map((s) => s.id),
      campaigns: new Map((await c.campaigns.list({ accountId: w.S.id })).items.map((k) => [k.name, k])),
      invitations: (await c.invitations.list({ accountId: w.S.id })).items.map((i) => i.email),
      cards: (await c.credits.cards({ clientId: w.S.id })).items.map((k) => k.id),
      saved: (await c.reports.saved({ accountId: w.S.id })).items.map((r) => r.name),
      shared: (await c.reports.shared({ accountId: w.S.id })).items.map((r) => r.name),
      crew: (await w.aAdmin.caller.teams.list({ agencyId: w.A.id })).items.flatMap((t) => t.clients.map((k) => k.id)),
    });
    const before = await look();
    const result = await c.connections.disconnect({ clientId: w.S.id });
    const after = await look();

    expect(gone(before.seats, after.seats)).toEqual(preview.seatsReturning.map((s) => s.id));
    const paused = [...before.campaigns.values()]
      .filter((k) => k.status === 'active' && after.campaigns.get(k.name)!.status === 'paused')
      .map((k) => k.name);
    expect(paused.sort()).toEqual(preview.campaignsPausing.map((k) => k.name).sort());
    const dealsOff = [...before.campaigns.values()]
      .map((k) => ({ name: k.name, off: gone(k.dealIds, after.campaigns.get(k.name)!.dealIds) }))
      .filter((k) => k.off.length > 0)
      .sort((x, y) => x.name.localeCompare(y.name));
    expect(dealsOff).toEqual(
      preview.dealsRemoved.map((d) => ({ name: d.campaign.name, off: d.deals.map((x) => x.id) })),
    );
    expect(gone(before.invitations, after.invitations)).toEqual(preview.invitationsRevoked.map((i) => i.email));
    expect(gone(before.cards, after.cards)).toEqual(preview.cardsRemoved.map((k) => k.id));
    expect(gone(before.saved, after.saved)).toEqual(preview.reportsDeleted.map((r) => r.name));
    expect(gone(before.shared, after.shared).sort()).toEqual(preview.reportsUnshared.map((r) => r.name).sort());
    expect(gone(before.crew, after.crew)).toEqual([w.S.id]);
    // and nothing else: what is the client's own stays
    expect(after).toMatchObject({
      invitations: ['colleague@orbit.test'],
      saved: ['Own review'],
      shared: [],
    });
    expect(after.cards).toHaveLength(1);
    expect(after.campaigns.get('Own')).toMatchObject({ status: 'active', dealIds: [w.ownDeal.id] });
    expect(after.campaigns.get('Summer')!.dealIds).toEqual([w.ownDeal.id]);

    // the answer and both audit entries count the same
    const counts = {
      seatsReturned: preview.seatsReturning.length,
      campaignsPaused: preview.campaignsPausing.length,
      campaignsWithDealsRemoved: preview.dealsRemoved.length,
      invitationsRevoked: preview.invitationsRevoked.length,
      cardsRemoved: preview.cardsRemoved.length,
      reportsDeleted: preview.reportsDeleted.length,
      reportsUnshared: preview.reportsUnshared.length,
    };
    expect(result).toEqual({ clientId: w.S.id, ...counts });
    expect(counts).toEqual({
      seatsReturned: 1,
      campaignsPaused: 2,
      campaignsWithDealsRemoved: 3,
      invitationsRevoked: 1,
      cardsRemoved: 1,
      reportsDeleted: 1,
      reportsUnshared: 2,
    });
    const entries = await t.db
      .selectFrom('audit_entries')
      .select(['account_id', 'after'])
      .where('action', '=', 'connection.disconnect')
      .execute();
    expect(entries.map((e) => e.account_id).sort()).toEqual([w.A.id, w.S.id].sort());
    for (const e of entries) expect(e.after).toMatchObject(counts);
  });

  it('is refused like the disconnect: NOT_FOUND to another tenant and a platform operator, FORBIDDEN below admin', async () => {
    const w = await everythingPlaced();
    const outsider = await holdingWithAdmin(t.db, 'Other', 'admin@other.test');
    const analyst = await memberOf(t.db, 'analyst@orbit.test', w.S, 'analyst');
    const op = await holdingWithAdmin(t.db, 'Third', 'admin@third.test');
    expect(await codeOf(outsider.admin.caller.connections.disconnectPreview({ clientId: w.S.id }))).toBe('NOT_FOUND');
    expect(await codeOf(op.op.caller.connections.disconnectPreview({ clientId: w.S.id }))).toBe('NOT_FOUND');
    expect(await codeOf(analyst.caller.connections.disconnectPreview({ clientId: w.S.id }))).toBe('FORBIDDEN');
    const std = await w.aAdmin.caller.accounts.create({ parentId: w.A.id, name: 'Std', kind: 'client' });
    expect(await codeOf(w.aAdmin.caller.connections.disconnectPreview({ clientId: std.id }))).toBe('FORBIDDEN');
  });
});
