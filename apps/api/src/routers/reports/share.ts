import { z } from 'zod';
import { DomainError, filtersCanReturnClient } from '@trellis/domain';
import { reports } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { notifyMembers } from '../../lib/notices';
import { assertMayOf, authedProcedure, loadVisibleAccount, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id } from '../shapes';
import { loadSaved } from './plan';
import { filtersOf } from './shape';

export const shareInput = z.object({ reportId: id, clientId: id });
const shareOut = z.object({ reportId: z.string(), clientId: z.string(), shared: z.boolean() });

/**
 * The report and the client of a share change: the caller may share reports on the report's account (operator or
 * better, SPEC 3), and the client is a client account at or below it.
 */
async function shareTarget(ctx: Parameters<typeof loadSaved>[0], input: z.infer<typeof shareInput>) {
  const { report, owner, query } = await loadSaved(ctx, input.reportId);
  const { facts } = await loadVisibleAccountOf(ctx, owner.id, 'Report not found.');
  assertMayOf(ctx.actor, facts, 'reports.share', 'Report not found.');
  const { account: client } = await loadVisibleAccount(ctx, input.clientId);
  if (client.kind !== 'client' || !client.path.includes(owner.id)) {
    throw new DomainError('INVALID_INPUT', "A report is shared with a client account under the report's account.", {
      clientId: "must be a client under the report's account",
    });
  }
  return { report, owner, client, query };
}

/**
 * reports.share: the client's users may then run and export it (not change it). Audited; the client's members who
 * may see reports get a mail with a link to it.
 */
export const shareReportRoute = authedProcedure
  .input(shareInput)
  .output(shareOut)
  .mutation(async ({ ctx, input }) => {
    const { report, owner, client, query } = await shareTarget(ctx, input);
    const filters = filtersOf(query.filters);
    const owners = await reports.campaignClients(ctx.db, filters.campaign ?? []);
    if (!filtersCanReturnClient(filters, client.path, owners))
      throw new DomainError(
        'INVALID_INPUT',
        `This report's filters leave out ${client.name}: it would always be empty.`,
        {
          clientId: "must be a client whose rows the report's filters can return",
        },
      );
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the client stays where it is, or is found moved
      await pinAccount(trx, ctx, client);
      const added = await reports.insertShare(trx, {
        rootId: report.rootId,
        reportId: report.id,
        clientId: client.id,
        by: ctx.user.id,
        at: ctx.now(),
      });
      if (added) {
        await recordAudit(trx, ctx, {
          rootId: report.rootId,
          accountId: report.accountId,
          action: 'report.share',
          entityType: 'report',
          entityId: report.id,
          after: { clientId: client.id, clientName: client.name },
        });
        // the client's users who may see it are told, once, when it is new to them
        await notifyMembers(trx, ctx, {
          account: client,
          action: 'reports.viewShared',
          subject: `${owner.name} shared the report “${report.name}” with ${client.name}`,
          body:
            `${ctx.user.name} of ${owner.name} shared the report “${report.name}” with ${client.name}. ` +
            `It shows only the spend of ${client.name}; run it and export it on the Shared reports page.`,
          path: `/accounts/${client.id}/shared-reports?report=${report.id}`,
        });
      }
      return { reportId: report.id, clientId: client.id, shared: true };
    });
  });

/** reports.unshare: removed from the client's users at once. Audited. */
export const unshareReportRoute = authedProcedure
  .input(shareInput)
  .output(shareOut)
  .mutation(async ({ ctx, input }) => {
    const { report, client } = await shareTarget(ctx, input);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the client stays where it is, or is found moved
      await pinAccount(trx, ctx, client);
      const removed = await reports.deleteShare(trx, {
        rootId: report.rootId,
        reportId: report.id,
        clientId: client.id,
      });
      if (removed)
        await recordAudit(trx, ctx, {
          rootId: report.rootId,
          accountId: report.accountId,
          action: 'report.unshare',
          entityType: 'report',
          entityId: report.id,
          before: { clientId: client.id, clientName: client.name },
        });
      return { reportId: report.id, clientId: client.id, shared: false };
    });
  });
