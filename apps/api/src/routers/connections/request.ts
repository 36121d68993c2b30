import { z } from 'zod';
import {
  assertMayRequest,
  authorize,
  currentState,
  DomainError,
  refusalError,
  requestsClosedByNew,
  type Actor,
  type Side,
} from '@trellis/domain';
import { accounts, connections, type AccountWithPath } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { connectionOut, id } from '../shapes';
import { toConnectionOut } from './load';
import { tellOtherSide } from './notices';

const NOT_FOUND = () => new DomainError('NOT_FOUND', 'Account not found.');

/** Whether an account outside the caller's sight may be named as the other side of a request. */
const requestable = (other: AccountWithPath, side: Side) =>
  side === 'agency'
    ? other.kind === 'client' && other.clientTier === 'premium' && other.parentId === null && other.archivedAt === null
    : other.kind === 'agency' && other.archivedAt === null;

/**
 * The other side of a request, or NOT_FOUND. An account the caller cannot see answers exactly like a missing id
 * unless it is a valid target (SPEC 12): its kind, tier, archived or connected state never leak across tenants.
 * One the caller can see gets the precise reason.
 */
function otherSide(actor: Actor, other: AccountWithPath | undefined, side: Side): AccountWithPath {
  if (!other) throw NOT_FOUND();
  if (requestable(other, side)) return other;
  if (!authorize(actor, accounts.toFacts(other), 'account.view').ok) throw NOT_FOUND();
  if (side === 'agency' && other.kind !== 'client')
    throw new DomainError('INVALID_INPUT', 'clientId must name a client account.', { clientId: 'not a client' });
  if (side === 'client' && other.kind !== 'agency')
    throw new DomainError('INVALID_INPUT', 'agencyId must name an agency account.', { agencyId: 'not an agency' });
  if (other.archivedAt) throw new DomainError('ACCOUNT_ARCHIVED', 'That account is archived.');
  if (side === 'agency')
    assertMayRequest({ clientTier: other.clientTier, connectedAgencyId: other.parentId, archived: false });
  return other;
}

/** The side the caller administers; NOT_FOUND (or the refusal of a side they can see) otherwise. */
function callerSide(
  ctx: { actor: Actor },
  client: AccountWithPath | undefined,
  agency: AccountWithPath | undefined,
): Side {
  const asAgency =
    agency && agency.kind === 'agency'
      ? authorize(ctx.actor, accounts.toFacts(agency), 'connections.manage')
      : undefined;
  const asClient =
    client && client.kind === 'client'
      ? authorize(ctx.actor, accounts.toFacts(client), 'connections.manage')
      : undefined;
  if (asAgency?.ok) return 'agency';
  if (asClient?.ok) return 'client';
  const seen = [asAgency, asClient].find((d) => d && !d.ok && d.code !== 'OUT_OF_SCOPE');
  if (seen && !seen.ok) throw refusalError(seen);
  throw NOT_FOUND();
}

/**
 * Either side asks to connect, naming the other's account id (SPEC 2.2). The caller must administer their own side;
 * the client must be a premium client with no agency. A client has one open request of its own at a time: its new
 * one replaces (cancels) its earlier one. A request from an agency cancels nothing: the client sees the requests it
 * received beside its own and chooses (accepting one cancels the others). The other side's admins get a mail.
 */
export const requestConnectionRoute = authedProcedure
  .input(z.object({ clientId: id, agencyId: id }))
  .output(connectionOut)
  .mutation(async ({ ctx, input }) => {
    const found = {
      client: await accounts.findAccount(ctx.db, input.clientId),
      agency: await accounts.findAccount(ctx.db, input.agencyId),
    };
    const side = callerSide(ctx, found.client, found.agency);
    // the caller's own side is judged first, so the answer about the other side never depends on its own state
    if (side === 'client')
      assertMayRequest({
        clientTier: found.client!.clientTier,
        connectedAgencyId: found.client!.parentId,
        archived: found.client!.archivedAt !== null,
      });
    if (side === 'agency' && found.agency!.archivedAt)
      throw new DomainError('ACCOUNT_ARCHIVED', 'Your agency is archived.');
    const agency = side === 'client' ? otherSide(ctx.actor, found.agency, side) : found.agency!;
    const client = side === 'agency' ? otherSide(ctx.actor, found.client, side) : found.client!;
    const now = ctx.now();
    return ctx.db.transaction().execute(async (trx) => {
      await accounts.lockAccount(trx, client.id);
      const fresh = (await accounts.findAccount(trx, client.id))!;
      if (side === 'agency' && !requestable(fresh, side)) otherSide(ctx.actor, fresh, side);
      assertMayRequest({
        clientTier: fresh.clientTier,
        connectedAgencyId: fresh.parentId,
        archived: fresh.archivedAt !== null,
      });
      const open = await connections.openRequestsOfClient(trx, client.id);
      if (open.some((c) => c.agencyId === agency.id && currentState(c, now) === 'requested')) {
        throw new DomainError('CONNECTION_INVALID', 'A request between these two is already pending.');
      }
      // the client's own earlier request gives way to its new one; a request from an agency cancels nothing of the client's
      for (const close of requestsClosedByNew(side, agency.id, open, now))
        await connections.setState(trx, close.id, { state: close.state });
      const c = await connections.insertConnection(trx, {
        rootId: agency.rootId,
        clientId: client.id,
        agencyId: agency.id,
        state: 'requested',
        origin: 'request',
        requestedBySide: side,
        by: ctx.user.id,
        at: now,
      });
      const entry = {
        action: 'connection.request',
        entityType: 'connection',
        entityId: c.id,
        after: { client: client.name, agency: agency.name, requestedBy: side },
      };
      await recordAudit(trx, ctx, { rootId: agency.rootId, accountId: agency.id, ...entry });
      await recordAudit(trx, ctx, { rootId: fresh.rootId, accountId: client.id, ...entry });
      // the side that answers is told, by mail
      await tellOtherSide(trx, ctx, 'request', side, c);
      return toConnectionOut(trx, ctx.actor, c, now);
    });
  });
