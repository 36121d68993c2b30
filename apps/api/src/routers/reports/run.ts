import { alignPrevious, compareRows, compareTotals, type Actor, type Compared } from '@trellis/domain';
import { reports, type Db } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { spentInPeriod } from '../credits/standing';
import { parsedBy } from '../shapes';
import { planRun, type PlannedReport } from './plan';
import { reportOut, runInput, toRowOut, toTotalOut, type ReportOut } from './shape';

/** At most this many rows a report returns (the CSV export has no limit). */
export const MAX_ROWS = 5000;

type Total = reports.ReportResult['totals'][number];
export interface ComparedResult {
  rows: (reports.ReportRowOut & Compared)[];
  totals: (Total & Compared)[];
  truncated: boolean;
}

/** The grouping of a row: every id it is grouped by, and its currency (names follow their ids). */
const groupKey = (r: reports.ReportRowOut) =>
  JSON.stringify([
    r.hour,
    r.day,
    r.month,
    r.accountId,
    r.dsp,
    r.seatId,
    r.dealId,
    r.auctionType,
    r.campaignId,
    r.currency,
  ]);

/**
 * A report beside its previous period (`compare`): each row with the previous figures of its group (days and months
 * lined up by `alignPrevious`), the previous period's groups the report lacks as rows of zero (unless the report's
 * rows are cut short), totals per currency of either period. At most `maxRows` rows; truncated when either period had
 * more.
 */
export function compareReports(
  planned: Pick<PlannedReport, 'plan'> & { previous: reports.ReportPlan },
  current: reports.ReportResult,
  previous: reports.ReportResult,
  maxRows: number,
): ComparedResult {
  const report = planned.plan;
  const prev = planned.previous;
  const alignOf = (r: reports.ReportRowOut): reports.ReportRowOut | null => {
    const out = { ...r };
    if (r.day !== undefined) {
      const d = alignPrevious('day', r.day, report, prev);
      if (d === null) return null;
      out.day = d;
    }
    if (r.month !== undefined) {
      const m = alignPrevious('month', r.month, report, prev);
      if (m === null) return null;
      out.month = m;
    }
    return out;
  };
  const zero = { impressions: 0n, clicks: 0n, spendMicros: 0n, correctionMicros: 0n };
  // the report's rows cut short: the previous period's other groups may be past the cut, not without spend now
  const zeroOf = current.truncated ? null : (r: reports.ReportRowOut) => ({ ...r, ...zero });
  const rows = compareRows(current.rows, previous.rows, groupKey, alignOf, zeroOf);
  const totals = compareTotals(current.totals, previous.totals, (currency) => ({ currency, ...zero }));
  return {
    rows: rows.slice(0, maxRows),
    totals,
    truncated: current.truncated || previous.truncated || rows.length > maxRows,
  };
}

export async function execute(
  ctx: { db: Db; actor: Actor; now: () => Date },
  planned: PlannedReport,
): Promise<ReportOut> {
  const { plan, previous, chargedFor } = planned;
  const [r, p, complete, charged] = await Promise.all([
    reports.runReport(ctx.db, plan, MAX_ROWS),
    previous ? reports.runReport(ctx.db, previous, MAX_ROWS) : null,
    reports.completeUntil(ctx.db, planned.rootId, ctx.now()),
    // the Billing page's own computation of usage in a period, for the same days in the same zone
    chargedFor ? spentInPeriod(ctx, chargedFor, plan.from, plan.to) : null,
  ]);
  const result = previous && p ? compareReports({ plan, previous }, r, p, MAX_ROWS) : r;
  return {
    rows: result.rows.map(toRowOut),
    totals: result.totals.map(toTotalOut),
    truncated: result.truncated,
    completeUntil: complete?.toISOString() ?? null,
    timeZone: plan.timeZone,
    from: plan.from,
    to: plan.to,
    groupBy: [...plan.groupBy],
    previous: previous ? { from: previous.from, to: previous.to } : null,
    charged:
      chargedFor && charged !== null
        ? { accountId: chargedFor.id, currency: chargedFor.currency, chargedMicros: charged.toString() }
        : null,
  };
}

/**
 * reports.run (SPEC 7, 10): the rows account A may see, grouped, with totals per currency and how complete the
 * data is; with `compare`, beside the previous period's. Every role may run it; a standard client's own members may
 * not (they get shared reports).
 */
export const runReportRoute = authedProcedure
  .input(runInput)
  .output(parsedBy(reportOut))
  .query(async ({ ctx, input }) => execute(ctx, await planRun(ctx, input)));
