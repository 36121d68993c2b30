import { z } from 'zod';
import { ingestKeys } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { newIngestKey } from '../../lib/ingest-key';
import { accountProcedure } from '../../trpc';
import { text } from '../inputs';
import { assertRootAccount, ingestKeyOut, toIngestKeyOut } from './shape';

/** Creates an ingest key of a root account; the key itself is returned this once and stored only as a hash. */
export const createIngestKeyRoute = accountProcedure({ name: text(120) })
  .output(ingestKeyOut.extend({ key: z.string() }))
  .mutation(async ({ ctx, input }) => {
    ctx.may('ingestKeys.manage');
    assertRootAccount(ctx.account);
    const secret = newIngestKey(ctx.account.id);
    return ctx.db.transaction().execute(async (trx) => {
      const key = await ingestKeys.insertKey(trx, {
        rootId: ctx.account.id,
        name: input.name,
        keyHash: secret.hash,
        keyPrefix: secret.prefix,
        createdBy: ctx.user.id,
      });
      const out = toIngestKeyOut(key);
      await recordAudit(trx, ctx, {
        rootId: key.rootId,
        accountId: key.rootId,
        action: 'ingestKey.create',
        entityType: 'ingest_key',
        entityId: key.id,
        after: out,
      });
      return { ...out, key: secret.key };
    });
  });
