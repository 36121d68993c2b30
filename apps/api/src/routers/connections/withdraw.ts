import { z } from 'zod';
import { DomainError, transition } from '@trellis/domain';
import { accounts, connections } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { connectionOut, id } from '../shapes';
import { administers, loadVisibleConnection, toConnectionOut } from './load';
import { tellOtherSide } from './notices';

/**
 * A client withdraws its own pending request to connect (SPEC 2.2): only an admin of the client that sent it may,
 * and only while it is pending (a request from an agency, the client declines). Anyone who cannot see the request,
 * another tenant or a platform operator, gets NOT_FOUND. Audited on both sides; the agency's admins get a mail.
 */
export const withdrawConnectionRoute = authedProcedure
  .input(z.object({ connectionId: id }))
  .output(connectionOut)
  .mutation(async ({ ctx, input }) => {
    await loadVisibleConnection(ctx, input.connectionId);
    const now = ctx.now();
    return ctx.db.transaction().execute(async (trx) => {
      // the order respond.ts takes them in: the request, then its client (an acceptance elsewhere waits, or is seen)
      await connections.lockConnection(trx, input.connectionId);
      const { clientId } = (await connections.findConnection(trx, input.connectionId))!;
      await accounts.lockAccount(trx, clientId);
      const c = (await connections.findConnection(trx, input.connectionId))!;
      if (!(await administers(trx, ctx.actor, c.clientId)))
        throw new DomainError(
          'FORBIDDEN_BY_ROLE',
          'Only an admin of the client that sent this request may withdraw it.',
        );
      const next = transition(c, 'withdraw', 'client', now);
      await connections.setState(trx, c.id, { state: next, endedAt: now, endedBy: ctx.user.id, endedBySide: 'client' });
      const agency = (await accounts.findAccount(trx, c.agencyId))!;
      const client = (await accounts.findAccount(trx, c.clientId))!;
      const entry = {
        action: 'connection.withdraw',
        entityType: 'connection',
        entityId: c.id,
        after: { client: c.clientName, agency: c.agencyName, by: 'client' },
      };
      await recordAudit(trx, ctx, { rootId: agency.rootId, accountId: agency.id, ...entry });
      await recordAudit(trx, ctx, { rootId: client.rootId, accountId: client.id, ...entry });
      await tellOtherSide(trx, ctx, 'withdraw', 'client', c);
      return toConnectionOut(trx, ctx.actor, (await connections.findConnection(trx, c.id))!, now);
    });
  });
