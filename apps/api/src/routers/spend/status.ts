import { z } from 'zod';
import { spend } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { assertRootAccount } from '../ingest-keys/shape';
import { iso } from '../shapes';

export const statusOut = z.object({
  completeUntil: iso.nullable(),
  pendingRecords: z.number(),
  lagSeconds: z.number(),
  /** How far back a correction may reach, in days (SPEC 13). */
  correctionWindowDays: z.number(),
  batches: z.array(
    z.object({
      id: z.string(),
      source: z.enum(['api', 'cli']),
      keyId: z.string().nullable(),
      fileName: z.string().nullable(),
      createdAt: iso,
      updatedAt: iso,
      records: z.number(),
      accepted: z.number(),
      corrected: z.number(),
      duplicates: z.number(),
      stale: z.number(),
      rejected: z.number(),
      reasons: z.record(z.string(), z.number()),
    }),
  ),
});

/** The rollup watermark of a root (reports are complete up to `completeUntil`), its backlog and recent batches. */
export const spendStatusRoute = accountProcedure()
  .output(statusOut)
  .query(async ({ ctx }) => {
    ctx.may('spend.ingest');
    assertRootAccount(ctx.account);
    const s = await spend.status(ctx.db, ctx.account.id, ctx.now());
    const batches = await spend.recentBatches(ctx.db, ctx.account.id);
    return {
      completeUntil: s.completeUntil?.toISOString() ?? null,
      pendingRecords: s.pendingRecords,
      lagSeconds: s.lagSeconds,
      correctionWindowDays: await spend.correctionWindowDays(ctx.db, ctx.account.id),
      batches: batches.map((b) => ({
        id: b.id,
        source: b.source,
        keyId: b.keyId,
        fileName: b.fileName,
        createdAt: b.createdAt.toISOString(),
        updatedAt: b.updatedAt.toISOString(),
        records: b.records,
        accepted: b.accepted,
        corrected: b.corrected,
        duplicates: b.duplicates,
        stale: b.stale,
        rejected: b.rejected,
        reasons: b.reasons,
      })),
    };
  });
