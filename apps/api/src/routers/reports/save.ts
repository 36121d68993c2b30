import { z } from 'zod';
import { checkComparison, type REPORT_DIMENSIONS, validateReportQuery } from '@trellis/domain';
import { reports } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { accountProcedure, pinAccount } from '../../trpc';
import { shareableClients } from './plan';
import { filtersOf, reportName, savedOut, savedQueryIn } from './shape';

/** reports.save: a named query on the account (any role that may save reports there: analysts too, SPEC 3). */
export const saveReportRoute = accountProcedure({ name: reportName, query: savedQueryIn })
  .output(savedOut)
  .mutation(async ({ ctx, input }) => {
    ctx.may('reports.save');
    const q = input.query;
    // a fixed range is checked as it is; a preset against any day (its length is what matters)
    const range = 'preset' in q.range ? { from: '2026-01-01', to: '2026-01-31' } : q.range;
    validateReportQuery({ ...range, groupBy: q.groupBy, filters: filtersOf(q.filters) });
    // a comparison is checked the same way: its previous period must be days a report may cover
    if (q.compare)
      checkComparison(range, q.groupBy, (p) => void validateReportQuery({ ...p, groupBy: q.groupBy, filters: {} }));
    const query = { ...q, groupBy: [...q.groupBy] as (typeof REPORT_DIMENSIONS)[number][] };
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, ctx.account);
      const r = await reports.insertSaved(trx, {
        rootId: ctx.account.rootId,
        accountId: ctx.account.id,
        name: input.name,
        query,
        by: ctx.user.id,
        at: ctx.now(),
      });
      await recordAudit(trx, ctx, {
        rootId: r.rootId,
        accountId: r.accountId,
        action: 'report.save',
        entityType: 'report',
        entityId: r.id,
        after: { name: r.name, query },
      });
      return {
        id: r.id,
        accountId: r.accountId,
        name: r.name,
        query,
        createdAt: r.createdAt.toISOString(),
        shares: [],
        shareTo: await shareableClients(trx, r.accountId, query),
      };
    });
  });

export const savedListOut = z.object({ items: z.array(savedOut), nextCursor: z.null() });
