import { TRPCError } from '@trpc/server';
import type { Request, Response } from 'express';
import { sql } from 'kysely';
import { ZodError } from 'zod';
import { isDomainError, metrics, microsToDecimal, type ReportDimension } from '@trellis/domain';
import { reports, type Db } from '@trellis/db';
import { createContextInner, sessionTokenOf } from './context';
import { csvLine, numberCell, textCell } from './lib/csv';
import { isIngestKeyToken } from './lib/ingest-key';
import { actorOf, planRun, planSaved, type PlannedReport } from './routers/reports/plan';
import { runInput, runSavedInput } from './routers/reports/shape';

/** Rows fetched from the database cursor at a time: memory stays bounded whatever the report's size. */
const FETCH = 10_000;

/** The CSV header of a report: its grouping columns, then currency and the metrics (money in currency units). */
export function csvHeader(groupBy: readonly ReportDimension[]): string[] {
  return [...groupBy.flatMap((d) => reports.DIMENSION_COLUMNS[d]), 'currency', 'impressions', 'clicks', 'spend', 'ctr', 'ecpm'];
}

export function csvRow(raw: reports.RawRow, groupBy: readonly ReportDimension[]): string {
  const r = reports.toRowOut(raw, groupBy);
  const m = metrics(r.impressions, r.clicks, r.spendMicros);
  const dims = groupBy.flatMap((d) => reports.DIMENSION_COLUMNS[d].map((c) => textCell(r[c] as string | null)));
  return csvLine([
    ...dims,
    textCell(r.currency),
    numberCell(r.impressions),
    numberCell(r.clicks),
    numberCell(microsToDecimal(r.spendMicros)),
    numberCell(m.ctr),
    m.ecpmMicros === null ? '' : numberCell(microsToDecimal(m.ecpmMicros)),
  ]);
}

/** The HTTP status and message of a refusal (SPEC 9), as the API would answer it. */
function refusal(e: unknown): { status: number; message: string } | null {
  if (e instanceof ZodError) return { status: 400, message: e.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') };
  if (e instanceof SyntaxError) return { status: 400, message: 'input: must be URL-encoded JSON' };
  if (isDomainError(e)) {
    const status = e.code === 'OUT_OF_SCOPE' || e.code === 'NOT_FOUND' ? 404 : e.code === 'INVALID_INPUT' ? 400 : e.code.startsWith('FORBIDDEN') ? 403 : 409;
    return { status, message: e.code === 'OUT_OF_SCOPE' ? 'Account not found.' : e.message };
  }
  if (e instanceof TRPCError && e.code === 'UNAUTHORIZED') return { status: 401, message: e.message };
  return null;
}

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * `GET /exports/report.csv?input=<reports.run input>` or `?reportId=<saved report>[&from&to&clientId]` (SPEC 10):
 * authenticated like the API (session cookie or bearer), checked exactly like reports.run / reports.runSaved, then
 * streamed from a database cursor with back-pressure: a header row, then one line per row.
 */
export function reportCsvHandler(deps: { db: Db; log?: (line: string) => void }) {
  return async (req: Request, res: Response) => {
    let planned: PlannedReport & { reportName?: string };
    try {
      const token = sessionTokenOf(req);
      const ctx = await createContextInner({ db: deps.db, sessionToken: token && !isIngestKeyToken(token) ? token : null });
      if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
      const actx = { db: deps.db, actor: await actorOf(deps.db, ctx.user), now: ctx.now };
      const input = one(req.query.input);
      const reportId = one(req.query.reportId);
      if (input !== undefined && input.length > 20_000) throw new SyntaxError('too long');
      planned =
        reportId !== undefined
          ? await planSaved(actx, runSavedInput.parse({ reportId, from: one(req.query.from), to: one(req.query.to), clientId: one(req.query.clientId) }))
          : await planRun(actx, runInput.parse(JSON.parse(input ?? 'null')));
    } catch (e) {
      const r = refusal(e);
      if (!r) {
        (deps.log ?? console.error)(`[api] /exports/report.csv: ${(e as Error).stack ?? String(e)}`);
        res.status(500).json({ error: 'Something went wrong on our side.' });
        return;
      }
      res.status(r.status).json({ error: r.message });
      return;
    }
    await streamCsv(deps.db, planned, req, res).catch((e) => {
      (deps.log ?? console.error)(`[api] /exports/report.csv stream: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) res.status(500).json({ error: 'Something went wrong on our side.' });
      else res.destroy();
    });
  };
}

async function streamCsv(db: Db, planned: PlannedReport & { reportName?: string }, req: Request, res: Response) {
  const { plan } = planned;
  let closed = false;
  req.on('close', () => {
    closed = true;
  });
  const write = (s: string) => (res.write(s) ? Promise.resolve() : new Promise<void>((resolve) => res.once('drain', resolve)));
  await db.transaction().execute(async (trx) => {
    await sql`set transaction read only`.execute(trx);
    // the whole result is read: plan for all of it, not for the first tenth (the cursor default)
    await sql`set local cursor_tuple_fraction = 1`.execute(trx);
    const range = await reports.reportRange(trx, plan);
    await sql`declare report_csv no scroll cursor for ${reports.reportStatement(plan, range)}`.execute(trx);
    const base = (planned.reportName ?? 'report').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'report';
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${base}-${plan.from}-${plan.to}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    await write(csvLine(csvHeader(plan.groupBy)));
    while (!closed) {
      const batch = await sql<reports.RawRow>`fetch ${sql.raw(String(FETCH))} from report_csv`.execute(trx);
      if (batch.rows.length === 0) break;
      let chunk = '';
      for (const row of batch.rows) chunk += csvRow(row, plan.groupBy);
      await write(chunk);
      if (batch.rows.length < FETCH) break;
    }
  });
  res.end();
}
