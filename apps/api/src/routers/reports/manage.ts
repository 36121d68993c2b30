import { z } from 'zod';
import { DomainError, type Action } from '@trellis/domain';
import { reports } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMayOf, authedProcedure, loadVisibleAccountOf } from '../../trpc';
import { id } from '../shapes';
import { loadSaved } from './plan';
import { reportName } from './shape';

const NOT_FOUND = 'Report not found.';

/** A saved report the caller may change with `action` on its account; anything else reads as the report missing. */
async function changeable(ctx: Parameters<typeof loadSaved>[0], reportId: string, action: Action) {
  const { report, owner } = await loadSaved(ctx, reportId);
  const { facts } = await loadVisibleAccountOf(ctx, owner.id, NOT_FOUND);
  assertMayOf(ctx.actor, facts, action, NOT_FOUND);
  return { report, facts };
}

/** reports.rename: whoever may save reports on its account (analysts too, SPEC 3). Audited with the old name. */
export const renameReportRoute = authedProcedure
  .input(z.object({ reportId: id, name: reportName }).strict())
  .output(z.object({ id: z.string(), name: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const { report } = await changeable(ctx, input.reportId, 'reports.save');
    return ctx.db.transaction().execute(async (trx) => {
      const now = await reports.lockSaved(trx, report);
      if (!now) throw new DomainError('NOT_FOUND', NOT_FOUND);
      if (now.name === input.name) return { id: now.id, name: now.name };
      const renamed = (await reports.renameSaved(trx, { ...report, name: input.name, at: ctx.now() }))!;
      await recordAudit(trx, ctx, {
        rootId: renamed.rootId,
        accountId: renamed.accountId,
        action: 'report.rename',
        entityType: 'report',
        entityId: renamed.id,
        before: { name: now.name },
        after: { name: renamed.name },
      });
      return { id: renamed.id, name: renamed.name };
    });
  });

/**
 * reports.delete: whoever may save reports on its account; a report shared with clients is unshared by it, so that
 * takes the right to share too (operators and admins). Audited with what it was and whom it was shared with.
 */
export const deleteReportRoute = authedProcedure
  .input(z.object({ reportId: id }).strict())
  .output(z.object({ id: z.string(), deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const { report, facts } = await changeable(ctx, input.reportId, 'reports.save');
    return ctx.db.transaction().execute(async (trx) => {
      const now = await reports.lockSaved(trx, report);
      if (!now) throw new DomainError('NOT_FOUND', NOT_FOUND);
      const shared = await reports.shareClients(trx, now);
      if (shared.length > 0) assertMayOf(ctx.actor, facts, 'reports.share', NOT_FOUND);
      await reports.deleteSaved(trx, now);
      await recordAudit(trx, ctx, {
        rootId: now.rootId,
        accountId: now.accountId,
        action: 'report.delete',
        entityType: 'report',
        entityId: now.id,
        before: { name: now.name, query: now.query, sharedWithIds: shared },
      });
      return { id: now.id, deleted: true as const };
    });
  });
