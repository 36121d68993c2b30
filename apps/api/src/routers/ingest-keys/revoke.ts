import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { ingestKeys } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMayOf, authedProcedure, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id } from '../inputs';
import { ingestKeyOut, toIngestKeyOut } from './shape';

const MISSING = 'Ingest key not found.';

/**
 * Revokes an ingest key at once: its next request is refused. Revoking a revoked key changes nothing. A key belongs
 * to the account it was created on, a root then; a premium client that has connected to an agency since keeps its
 * keys, and only its own admins may revoke them (its agency and holding never see what it had before the
 * connection, SPEC 2.2). The audit entry is the account's, in the organisation it is in now.
 */
export const revokeIngestKeyRoute = authedProcedure
  .input(z.object({ keyId: id }))
  .output(ingestKeyOut)
  .mutation(async ({ ctx, input }) => {
    const key = await ingestKeys.findKey(ctx.db, input.keyId);
    if (!key) throw new DomainError('NOT_FOUND', MISSING);
    const { account, facts } = await loadVisibleAccountOf(ctx, key.rootId, MISSING);
    assertMayOf(ctx.actor, facts, 'ingestKeys.manage', MISSING);
    if (account.rootId !== account.id && !ctx.actor.memberships.has(account.id))
      throw new DomainError('NOT_FOUND', MISSING);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      const now = await pinAccount(trx, ctx, account, MISSING);
      const revoked = await ingestKeys.revokeKey(trx, {
        rootId: key.rootId,
        id: key.id,
        by: ctx.user.id,
        at: ctx.now(),
      });
      const out = toIngestKeyOut(revoked);
      if (!key.revokedAt) {
        await recordAudit(trx, ctx, {
          rootId: now.rootId,
          accountId: now.id,
          action: 'ingestKey.revoke',
          entityType: 'ingest_key',
          entityId: key.id,
          before: toIngestKeyOut(key),
          after: out,
        });
      }
      return out;
    });
  });
