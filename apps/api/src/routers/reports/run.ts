import { reports, type Db } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { parsedBy } from '../shapes';
import { planRun, type PlannedReport } from './plan';
import { reportOut, runInput, toRowOut, toTotalOut, type ReportOut } from './shape';

/** At most this many rows a report returns (the CSV export has no limit). */
export const MAX_ROWS = 5000;

export async function execute(db: Db, planned: PlannedReport, now: Date): Promise<ReportOut> {
  const { plan } = planned;
  const [r, complete] = await Promise.all([
    reports.runReport(db, plan, MAX_ROWS),
    reports.completeUntil(db, planned.rootId, now),
  ]);
  return {
    rows: r.rows.map(toRowOut),
    totals: r.totals.map(toTotalOut),
    truncated: r.truncated,
    completeUntil: complete?.toISOString() ?? null,
    timeZone: plan.timeZone,
    from: plan.from,
    to: plan.to,
    groupBy: [...plan.groupBy],
  };
}

/**
 * reports.run (SPEC 7, 10): the rows account A may see, grouped, with totals per currency and how complete the
 * data is. Every role may run it; a standard client's own members may not (they get shared reports).
 */
export const runReportRoute = authedProcedure
  .input(runInput)
  .output(parsedBy(reportOut))
  .query(async ({ ctx, input }) => execute(ctx.db, await planRun(ctx, input), ctx.now()));
