import { PAUSED_BY_DISCONNECT_REASON } from '@trellis/domain';
import {
  accounts,
  audit,
  campaigns,
  connections,
  credits,
  invitations,
  reports,
  seats,
  spendDaily,
  type AccountWithPath,
  type Db,
  type Trx,
} from '@trellis/db';
import { recordAudit } from './audit';

/** What a disconnect would do, right now: the seats that go back to the agency and the campaigns that pause. */
export async function planDetach(db: Db | Trx, client: AccountWithPath) {
  const agency = (await accounts.findAccount(db, client.parentId!))!;
  const returning = (await seats.seatsHeldUnder(db, client.id)).filter((seat) => seat.linkedByAccountId !== client.id);
  const pausing = await campaigns.activeCampaignsUsingDealsOf(db, client.id, client.path.slice(0, -1));
  return { agency, returning, pausing };
}

/**
 * Ends a client's tie to its agency, at once and completely (SPEC 2.2): seats that came from above go back to the
 * agency, campaigns using the agency's or holding's deals are paused with the reason and lose those deals, the
 * invitations the agency's side sent to the client are revoked, the cards and reports they added removed, the connection is closed, and
 * the client is moved out of the tree (or under `next`, for a transfer). The agency's and holding's members lose
 * every access with the move itself, since visibility follows the current tree, and the client's spend leaves their
 * daily aggregates. Both sides get an audit entry. The caller's transaction takes `spendDaily.lockTreeForMove` first.
 */
export async function detachClient(
  trx: Trx,
  ctx: { user: { id: string }; now: () => Date },
  client: AccountWithPath,
  endedBySide: 'client' | 'agency' | 'operator',
  next: { id: string; rootId: string } | null,
): Promise<{ seatsReturned: number; campaignsPaused: number }> {
  const now = ctx.now();
  // its past spend leaves the agency's and holding's daily aggregates with the move (visibility follows the current
  // tree); taken while its current connection still says what they were given
  await spendDaily.withdrawClient(trx, client.id);
  const { agency, returning, pausing: paused } = await planDetach(trx, client);
  // the client's own seats stay with it; those that came from above go back to the agency
  for (const seat of returning) await seats.moveSeat(trx, seat, agency, now, ctx.user.id);
  const seatsReturned = returning.length;
  for (const c of paused)
    await campaigns.updateCampaign(trx, c.id, { status: 'paused', pausedReason: PAUSED_BY_DISCONNECT_REASON, at: now });
  // nothing of the agency stays behind: its and the holding's deals come off the client's campaigns, and the
  // invitations its members sent to the client are revoked (team assignment is cleared by the move)
  const scrubbed = await campaigns.removeDealsOf(trx, client.id, client.path.slice(0, -1));
  const revoked = await invitations.revokePlacedFromAbove(trx, client.id, ctx.user.id, now);
  // and the cards its members added (nobody after it may charge them) and the reports they saved on the client
  const cardsRemoved = await credits.removePlacedFromAbove(trx, client.id, ctx.user.id, now);
  const reportsDeleted = await reports.deletePlacedFromAbove(trx, client.id);
  const active = await connections.activeForClient(trx, client.id);
  if (active)
    await connections.setState(trx, active.id, {
      state: 'disconnected',
      endedAt: now,
      endedBy: ctx.user.id,
      endedBySide,
    });
  const summary = {
    client: client.name,
    agency: agency.name,
    endedBySide,
    seatsReturned,
    campaignsPaused: paused.length,
    campaignsWithDealsRemoved: scrubbed.length,
    invitationsRevoked: revoked.length,
    cardsRemoved: cardsRemoved.length,
    reportsDeleted: reportsDeleted.length,
  };
  await recordAudit(trx, ctx, {
    rootId: agency.rootId,
    accountId: agency.id,
    action: 'connection.disconnect',
    entityType: 'connection',
    entityId: active?.id ?? client.id,
    after: summary,
  });
  await accounts.moveClient(trx, client.id, next);
  const moved = (await accounts.findAccount(trx, client.id))!;
  await recordAudit(trx, ctx, {
    rootId: moved.rootId,
    accountId: client.id,
    action: 'connection.disconnect',
    entityType: 'connection',
    entityId: active?.id ?? client.id,
    after: summary,
  });
  return { seatsReturned, campaignsPaused: paused.length };
}

/**
 * The instant a new connection of the client starts: now, or just after the client's latest audit entry if that is
 * not earlier. A viewer reaching the client through its new agency sees its records from this instant on (SPEC 2.2),
 * so everything of an earlier connection (its disconnect included) must fall strictly before it.
 */
export async function connectionStart(trx: Trx, clientId: string, now: Date): Promise<Date> {
  const last = await audit.lastEntryAt(trx, clientId);
  return last && last.getTime() >= now.getTime() ? new Date(last.getTime() + 1) : now;
}
