import { TRPCError } from '@trpc/server';
import type { Request, Response } from 'express';
import { sql, type RawBuilder } from 'kysely';
import { ZodError } from 'zod';
import { isDomainError, type ReportDimension } from '@trellis/domain';
import { copyOut, reports, type Db } from '@trellis/db';
import { createContextInner, sessionTokenOf } from './context';
import { csvRecords, textCellSql } from './lib/csv';
import { isIngestKeyToken } from './lib/ingest-key';
import { actorOf, planRun, planSaved, type PlannedReport } from './routers/reports/plan';
import { runInput, runSavedInput } from './routers/reports/shape';

/**
 * Columns PostgreSQL writes itself (times, uuids, the auction-type enum) and the currency (an account's ISO 4217 code:
 * `^[A-Z]{3}$` by the accounts' check, and every record's currency is its attributed account's): never a formula, a
 * quote or a comma.
 */
const GENERATED = new Set<string>([
  'hour',
  'day',
  'month',
  'accountId',
  'seatId',
  'dealId',
  'campaignId',
  'auctionType',
]);

/**
 * The export's statement: the report's own statement (the rows `reports.run` returns, in its order), each row written
 * by PostgreSQL under the CSV header's names (the grouping columns, then currency, impressions, clicks, spend), text
 * cells escaped against formulas (`textCellSql`), the sums as whole numbers (spend in micros): `csvRecords` writes
 * the number cells (spend in currency units, ctr, ecpm) from them.
 */
export function csvStatement(
  report: RawBuilder<reports.RawRow>,
  groupBy: readonly ReportDimension[],
): RawBuilder<Record<string, string | null>> {
  const dims = groupBy
    .flatMap((d) => reports.DIMENSION_COLUMNS[d])
    .map((c) =>
      GENERATED.has(c)
        ? sql`${sql.ref(`p.${c}`)} as ${sql.id(c)}`
        : sql`${textCellSql(sql.ref(`p.${c}`))} as ${sql.id(c)}`,
    );
  return sql`
    select ${sql.join([
      ...dims,
      sql`p.currency as currency`,
      sql`p.impressions as impressions`,
      sql`p.clicks as clicks`,
      sql`p.spend_micros as spend`,
    ])}
    from (${report}) p`;
}

/** The HTTP status and message of a refusal (SPEC 9), as the API would answer it. */
function refusal(e: unknown): { status: number; message: string } | null {
  if (e instanceof ZodError)
    return { status: 400, message: e.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') };
  if (e instanceof SyntaxError) return { status: 400, message: 'input: must be URL-encoded JSON' };
  if (isDomainError(e)) {
    const status =
      e.code === 'OUT_OF_SCOPE' || e.code === 'NOT_FOUND'
        ? 404
        : e.code === 'INVALID_INPUT'
          ? 400
          : e.code.startsWith('FORBIDDEN')
            ? 403
            : 409;
    return { status, message: e.code === 'OUT_OF_SCOPE' ? 'Account not found.' : e.message };
  }
  if (e instanceof TRPCError && e.code === 'UNAUTHORIZED') return { status: 401, message: e.message };
  return null;
}

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * `GET /exports/report.csv?input=<reports.run input>` or `?reportId=<saved report>[&from&to&clientId]` (SPEC 10):
 * authenticated like the API (session cookie or bearer), checked exactly like reports.run / reports.runSaved, then
 * streamed from PostgreSQL's `COPY ... TO STDOUT` with back-pressure: a header row, then one line per row.
 */
export function reportCsvHandler(deps: { db: Db; log?: (line: string) => void }) {
  return async (req: Request, res: Response) => {
    let planned: PlannedReport & { reportName?: string };
    try {
      const token = sessionTokenOf(req);
      const ctx = await createContextInner({
        db: deps.db,
        sessionToken: token && !isIngestKeyToken(token) ? token : null,
      });
      if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
      const actx = { db: deps.db, actor: await actorOf(deps.db, ctx.user), now: ctx.now };
      const input = one(req.query.input);
      const reportId = one(req.query.reportId);
      if (input !== undefined && input.length > 20_000) throw new SyntaxError('too long');
      planned =
        reportId !== undefined
          ? await planSaved(
              actx,
              runSavedInput.parse({
                reportId,
                from: one(req.query.from),
                to: one(req.query.to),
                clientId: one(req.query.clientId),
              }),
            )
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
  const range = await reports.reportRange(db, plan);
  const statement = csvStatement(reports.reportStatement(plan, range, { oneSort: true }), plan.groupBy).compile(db);
  const base = (planned.reportName ?? 'report').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'report';
  // headers are only sent with the first bytes: a statement failing before them still answers 500
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${base}-${plan.from}-${plan.to}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  const records = csvRecords();
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  // COPY ... TO STDOUT: PostgreSQL writes the CSV (header and quoting included); the stream is read with
  // back-pressure, so memory stays flat whatever the size; a client gone away ends the COPY
  await copyOut(
    db,
    statement,
    'format csv, header true',
    async (rows) => {
      // COPY sends one message per row: gather them into writes of about 64 kB (one pass of csvRecords, one write
      // each), so Node's cost per row is a push and its number cells, not a socket write
      let pending: Buffer[] = [];
      let size = 0;
      const flush = async () => {
        if (size === 0) return;
        const out = records.push(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size));
        pending = [];
        size = 0;
        if (!res.write(out)) await drained();
      };
      for await (const chunk of rows) {
        if (closed) return;
        pending.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size >= 65_536) await flush();
      }
      if (!closed) await flush();
      if (!closed && records.rest().length) throw new Error('export: COPY ended inside a record');
    },
    // the grouping and the sort of a large export stay in memory (PostgreSQL's, bounded) instead of spilling to disk;
    // no JIT: PostgreSQL's row estimates of the report are low, and compiling costs more than it saves at that size
    { work_mem: '64MB', jit: 'off' },
  );
  res.end();
}
