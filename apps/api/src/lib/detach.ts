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
  teams,
  type AccountWithPath,
  type Db,
  type Trx,
} from '@trellis/db';
import { recordAudit } from './audit';

/** The accounts above the client that it leaves: all of them, but for a transfer not the next agency or its holding. */
const leaving = (client: AccountWithPath, next: { id: string; rootId: string } | null) =>
  client.path.slice(0, -1).filter((id) => id !== next?.id && id !== next?.rootId);

/**
 * What a detach would do, right now: the facts `detachClient` acts on, read by the same conditions, so that the
 * disconnect preview says exactly what a disconnect would do (SPEC 2.2). `next` is the agency of a transfer (null
 * for a disconnect): its holding keeps seeing the reports it shared.
 */
export async function planDetach(
  db: Db | Trx,
  client: AccountWithPath,
  next: { id: string; rootId: string } | null,
  now: Date,
) {
  const agency = (await accounts.findAccount(db, client.parentId!))!;
  const above = client.path.slice(0, -1);
  return {
    agency,
    // the client's own seats stay with it; those that came from above go back to the agency
    seatsReturning: (await seats.seatsHeldUnder(db, client.id)).filter((seat) => seat.linkedByAccountId !== client.id),
    campaignsPausing: await campaigns.activeCampaignsUsingDealsOf(db, client.id, above),
    dealsRemoved: await campaigns.dealsOfOnCampaigns(db, client.id, above),
    invitationsRevoked: await invitations.pendingPlacedFromAbove(db, client.id, now),
    cardsRemoved: await credits.cardsPlacedFromAbove(db, client.id),
    reportsDeleted: await reports.savedPlacedFromAbove(db, client.id),
    reportsUnshared: await reports.sharesFrom(db, client.id, leaving(client, next)),
    team: client.teamId ? ((await teams.findTeam(db, client.teamId)) ?? null) : null,
  };
}

/** What a detach did, counted: the disconnect's answer and its audit entries. */
export interface DetachSummary {
  seatsReturned: number;
  campaignsPaused: number;
  campaignsWithDealsRemoved: number;
  invitationsRevoked: number;
  cardsRemoved: number;
  reportsDeleted: number;
  reportsUnshared: number;
}

/**
 * Ends a client's tie to its agency, at once and completely (SPEC 2.2): seats that came from above go back to the
 * agency, campaigns using the agency's or holding's deals are paused with the reason and lose those deals, the
 * invitations the agency's side sent to the client are revoked, the cards and reports they added removed, the reports
 * they shared with the client unshared, the connection is closed, and the client is moved out of the tree (or under
 * `next`, for a transfer). The agency's and holding's members lose every access with the move itself, since
 * visibility follows the current tree, and the client's spend leaves their daily aggregates. Both sides get an audit
 * entry. The caller's transaction takes `spendDaily.lockTreeForMove` first, then the client's row (`lockAccount`):
 * every change to what is removed here pins the client, so nothing is added between the plan and the removal.
 */
export async function detachClient(
  trx: Trx,
  ctx: { user: { id: string }; now: () => Date },
  client: AccountWithPath,
  endedBySide: 'client' | 'agency' | 'operator',
  next: { id: string; rootId: string } | null,
): Promise<DetachSummary> {
  const now = ctx.now();
  const above = client.path.slice(0, -1);
  // its past spend leaves the agency's and holding's daily aggregates with the move (visibility follows the current
  // tree); taken while its current connection still says what they were given
  await spendDaily.withdrawClient(trx, client.id);
  const plan = await planDetach(trx, client, next, now);
  const { agency } = plan;
  for (const seat of plan.seatsReturning) await seats.moveSeat(trx, seat, agency, now, ctx.user.id);
  for (const c of plan.campaignsPausing)
    await campaigns.updateCampaign(trx, c.id, { status: 'paused', pausedReason: PAUSED_BY_DISCONNECT_REASON, at: now });
  // nothing of the agency stays behind: its and the holding's deals come off the client's campaigns, and the
  // invitations its members sent to the client are revoked (team assignment is cleared by the move)
  const scrubbed = await campaigns.removeDealsOf(trx, client.id, above);
  const revoked = await invitations.revokePlacedFromAbove(trx, client.id, ctx.user.id, now);
  // and the cards its members added (nobody after it may charge them), the reports they saved on the client, and
  // their shares with it (the deferred trigger of the reports migration would take these at commit too)
  const cardsRemoved = await credits.removePlacedFromAbove(trx, client.id, ctx.user.id, now);
  const reportsDeleted = await reports.deletePlacedFromAbove(trx, client.id);
  const unshared = await reports.deleteSharesFrom(trx, client.id, leaving(client, next));
  const active = await connections.activeForClient(trx, client.id);
  if (active)
    await connections.setState(trx, active.id, {
      state: 'disconnected',
      endedAt: now,
      endedBy: ctx.user.id,
      endedBySide,
    });
  const done: DetachSummary = {
    seatsReturned: plan.seatsReturning.length,
    campaignsPaused: plan.campaignsPausing.length,
    campaignsWithDealsRemoved: scrubbed.length,
    invitationsRevoked: revoked.length,
    cardsRemoved: cardsRemoved.length,
    reportsDeleted: reportsDeleted.length,
    reportsUnshared: unshared.length,
  };
  const summary = { client: client.name, agency: agency.name, endedBySide, ...done };
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
  return done;
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
