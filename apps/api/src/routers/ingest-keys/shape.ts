import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import type { IngestKey } from '@trellis/db';
import { iso } from '../shapes';

export const ingestKeyOut = z.object({
  id: z.string(),
  accountId: z.string(),
  name: z.string(),
  keyPrefix: z.string(),
  createdAt: iso,
  revokedAt: iso.nullable(),
  lastUsedAt: iso.nullable(),
  batches: z.number(),
});

export const toIngestKeyOut = (k: IngestKey): z.infer<typeof ingestKeyOut> => ({
  id: k.id,
  accountId: k.rootId,
  name: k.name,
  keyPrefix: k.keyPrefix,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  batches: k.batches,
});

/** Ingest keys and pushed spend belong to a root account (a holding, or a premium client that is its own root). */
export function assertRootAccount(account: { id: string; rootId: string }): void {
  if (account.id !== account.rootId) {
    throw new DomainError(
      'FORBIDDEN_BY_LEVEL',
      'Ingest keys and spend ingestion belong to the root account (a holding or a standalone premium client).',
    );
  }
}
