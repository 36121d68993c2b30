import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { ingestKeys } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMayOf, authedProcedure, loadVisibleAccountOf } from '../../trpc';
import { id } from '../inputs';
import { ingestKeyOut, toIngestKeyOut } from './shape';

/** Revokes an ingest key at once: its next request is refused. Revoking a revoked key changes nothing. */
export const revokeIngestKeyRoute = authedProcedure
  .input(z.object({ keyId: id }))
  .output(ingestKeyOut)
  .mutation(async ({ ctx, input }) => {
    const key = await ingestKeys.findKey(ctx.db, input.keyId);
    if (!key) throw new DomainError('NOT_FOUND', 'Ingest key not found.');
    const { facts } = await loadVisibleAccountOf(ctx, key.rootId, 'Ingest key not found.');
    assertMayOf(ctx.actor, facts, 'ingestKeys.manage', 'Ingest key not found.');
    return ctx.db.transaction().execute(async (trx) => {
      const revoked = await ingestKeys.revokeKey(trx, {
        rootId: key.rootId,
        id: key.id,
        by: ctx.user.id,
        at: ctx.now(),
      });
      const out = toIngestKeyOut(revoked);
      if (!key.revokedAt) {
        await recordAudit(trx, ctx, {
          rootId: key.rootId,
          accountId: key.rootId,
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
