import { z } from 'zod';
import { closeOtherRequests, currentState, DomainError, transition } from '@trellis/domain';
import { accounts, connections, spendDaily } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { connectionStart } from '../../lib/detach';
import { authedProcedure } from '../../trpc';
import { connectionOut, id } from '../shapes';
import { loadVisibleConnection, respondingSide, toConnectionOut } from './load';
import { tellOtherSide } from './notices';

/**
 * Accept or decline a pending request; only an admin of the side that did not send it may (SPEC 2.2). Accepting
 * cancels the client's other open requests; a cancelled request can no longer be answered. The admins of the side
 * that asked get a mail.
 */
function respondRoute(event: 'accept' | 'decline') {
  return authedProcedure
    .input(z.object({ connectionId: id }))
    .output(connectionOut)
    .mutation(async ({ ctx, input }) => {
      await loadVisibleConnection(ctx, input.connectionId);
      const now = ctx.now();
      return ctx.db.transaction().execute(async (trx) => {
        // accepting moves the client: first, before any row lock, the rollups finish and wait for this move
        if (event === 'accept') await spendDaily.lockTreeForMove(trx);
        await connections.lockConnection(trx, input.connectionId);
        const { clientId } = (await connections.findConnection(trx, input.connectionId))!;
        await accounts.lockAccount(trx, clientId);
        // read again under the client's lock: a concurrent acceptance elsewhere has cancelled this request by now
        const c = (await connections.findConnection(trx, input.connectionId))!;
        const side = await respondingSide(trx, ctx.actor, c);
        if (side === null) {
          if (currentState(c, now) !== 'requested')
            transition(c, event, c.requestedBySide === 'client' ? 'agency' : 'client', now);
          throw new DomainError(
            'FORBIDDEN_BY_ROLE',
            'Only an admin of the side that received this request may answer it.',
          );
        }
        const next = transition(c, event, side, now);
        if (next === 'accepted') {
          const client = (await accounts.findAccount(trx, c.clientId))!;
          if (client.parentId !== null || (await connections.activeForClient(trx, c.clientId))) {
            throw new DomainError(
              'CLIENT_ALREADY_CONNECTED',
              'This client is already connected to an agency; it must disconnect first.',
            );
          }
          const agency = (await accounts.findAccount(trx, c.agencyId))!;
          if (agency.archivedAt) throw new DomainError('ACCOUNT_ARCHIVED', 'That agency is archived.');
          // one open request at a time: accepting cancels every other open request of the client (SPEC 2.2)
          const others = (await connections.openRequestsOfClient(trx, c.clientId)).filter((o) => o.id !== c.id);
          for (const close of closeOtherRequests(others, now))
            await connections.setState(trx, close.id, { state: close.state });
          await accounts.moveClient(trx, c.clientId, agency);
        }
        // an accepted connection starts strictly after the client's earlier history (what its new agency sees)
        const at = next === 'accepted' ? await connectionStart(trx, c.clientId, now) : now;
        await connections.setState(trx, c.id, { state: next, respondedAt: at, respondedBy: ctx.user.id });
        // its new ancestors' daily aggregates get its records from the connection's start on (SPEC 2.2's cut)
        if (next === 'accepted') await spendDaily.admitClient(trx, c.clientId);
        const agency = (await accounts.findAccount(trx, c.agencyId))!;
        const client = (await accounts.findAccount(trx, c.clientId))!;
        const entry = {
          action: `connection.${event}`,
          entityType: 'connection',
          entityId: c.id,
          after: { client: c.clientName, agency: c.agencyName, by: side },
        };
        await recordAudit(trx, { ...ctx, now: () => at }, { rootId: agency.rootId, accountId: agency.id, ...entry });
        await recordAudit(trx, { ...ctx, now: () => at }, { rootId: client.rootId, accountId: client.id, ...entry });
        // the side that asked is told, by mail
        await tellOtherSide(trx, ctx, event, side, c);
        return toConnectionOut(trx, ctx.actor, (await connections.findConnection(trx, c.id))!, now);
      });
    });
}

export const acceptConnectionRoute = respondRoute('accept');
export const declineConnectionRoute = respondRoute('decline');
