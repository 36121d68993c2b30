import { audit, type Trx } from '@trellis/db';

/** Records a change in the audit trail, inside the transaction of the change (SPEC 8). */
export function recordAudit(
  trx: Trx,
  ctx: { user: { id: string } | null; now: () => Date },
  entry: {
    rootId: string;
    accountId: string;
    action: string;
    entityType: string;
    entityId: string;
    before?: unknown;
    after?: unknown;
  },
): Promise<void> {
  return audit.writeAudit(trx, {
    ...entry,
    before: entry.before ?? null,
    after: entry.after ?? null,
    actorUserId: ctx.user?.id ?? null,
    at: ctx.now(),
  });
}
