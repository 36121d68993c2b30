import { z } from 'zod';
import { assertMayRequest, authorize, currentState, DomainError, refusalError, type Side } from '@trellis/domain';
import { accounts, connections } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { connectionOut, id } from '../shapes';
import { toConnectionOut } from './load';

/**
 * Either side asks to connect, naming the other's account id (SPEC 2.2). The caller must administer their own side;
 * the client must be a premium client with no agency.
 */
export const requestConnectionRoute = authedProcedure
  .input(z.object({ clientId: id, agencyId: id }))
  .output(connectionOut)
  .mutation(async ({ ctx, input }) => {
    const client = await accounts.findAccount(ctx.db, input.clientId);
    const agency = await accounts.findAccount(ctx.db, input.agencyId);
    if (!client || !agency) throw new DomainError('NOT_FOUND', 'Account not found.');
    const asClient = authorize(ctx.actor, accounts.toFacts(client), 'connections.manage');
    const asAgency = authorize(ctx.actor, accounts.toFacts(agency), 'connections.manage');
    let side: Side;
    if (asAgency.ok) side = 'agency';
    else if (asClient.ok) side = 'client';
    else {
      // refuse with the rule of a side the caller can see (NOT_FOUND when they see neither)
      const refusals = [asClient, asAgency].flatMap((d) => (d.ok ? [] : [d]));
      const refusal = refusals.find((d) => d.code !== 'OUT_OF_SCOPE') ?? refusals[0];
      if (refusal) throw refusalError(refusal);
      throw new DomainError('FORBIDDEN_FOR_STANDARD_CLIENT', 'A client with an agency connects only through it.');
    }
    if (client.kind !== 'client') throw new DomainError('INVALID_INPUT', 'clientId must name a client account.', { clientId: 'not a client' });
    if (agency.kind !== 'agency') throw new DomainError('INVALID_INPUT', 'agencyId must name an agency account.', { agencyId: 'not an agency' });
    if (agency.archivedAt) throw new DomainError('ACCOUNT_ARCHIVED', 'That agency is archived.');
    const now = ctx.now();
    return ctx.db.transaction().execute(async (trx) => {
      await accounts.lockAccount(trx, client.id);
      const fresh = (await accounts.findAccount(trx, client.id))!;
      assertMayRequest({ clientTier: fresh.clientTier, connectedAgencyId: fresh.parentId, archived: fresh.archivedAt !== null });
      const pending = await connections.pendingBetween(trx, client.id, agency.id);
      if (pending) {
        if (currentState(pending, now) === 'requested') throw new DomainError('CONNECTION_INVALID', 'A request between these two is already pending.');
        await connections.setState(trx, pending.id, { state: 'expired' });
      }
      const c = await connections.insertConnection(trx, { rootId: agency.rootId, clientId: client.id, agencyId: agency.id, state: 'requested', origin: 'request', requestedBySide: side, by: ctx.user.id, at: now });
      const entry = { action: 'connection.request', entityType: 'connection', entityId: c.id, after: { client: client.name, agency: agency.name, requestedBy: side } };
      await recordAudit(trx, ctx, { rootId: agency.rootId, accountId: agency.id, ...entry });
      await recordAudit(trx, ctx, { rootId: fresh.rootId, accountId: client.id, ...entry });
      return toConnectionOut(trx, ctx.actor, c, now);
    });
  });
