import { TRPCError } from '@trpc/server';
import type { Request, Response } from 'express';
import { sql, type RawBuilder } from 'kysely';
import { ZodError } from 'zod';
import { DomainError, isDomainError, microsToDecimal, type ReportDimension } from '@trellis/domain';
import { copyOut, DatabaseBusyError, isDatabaseUnavailable, reports, type Db } from '@trellis/db';
import { createContextInner, sessionTokenOf } from './context';
import { csvRecords, numberCells, textCell, textCellSql } from './lib/csv';
import { isIngestKeyToken } from './lib/ingest-key';
import { actorOf, planRun, planSaved, type PlannedReport } from './routers/reports/plan';
import { compareReports } from './routers/reports/run';
import { runInput, runSavedInput } from './routers/reports/shape';
import { DATABASE_UNAVAILABLE } from './trpc';

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
      // SPEC 13: the corrections included in the row's spend, in currency units (at least two decimals, as spend)
      sql`${decimalOfMicrosSql(sql`p.correction_micros::bigint`)} as correction`,
      sql`p.impressions as impressions`,
      sql`p.clicks as clicks`,
      sql`p.spend_micros as spend`,
    ])}
    from (${report}) p`;
}

/**
 * A whole number of micros as currency units, as `microsToDecimal` writes them (at least two decimals, no trailing
 * zeros beyond): for the few cells PostgreSQL writes itself.
 */
export const decimalOfMicrosSql = (m: RawBuilder<unknown>) => sql<string>`case
  when scale(trim_scale(${m}::numeric / 1000000)) <= 2 then to_char(${m}::numeric / 1000000, 'FM9999999999999999990.00')
  else trim_scale(${m}::numeric / 1000000)::text end`;

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

/** A reader that stops reading, or a database that stops sending, ends an export after this long without progress. */
export const EXPORT_STALL_MS = 30_000;

/**
 * `GET /exports/report.csv?input=<reports.run input>` or `?reportId=<saved report>[&from&to&clientId]` (SPEC 10):
 * authenticated like the API (session cookie or bearer), checked exactly like reports.run / reports.runSaved, then
 * streamed from PostgreSQL's `COPY ... TO STDOUT` with back-pressure: a header row, then one line per row.
 *
 * Every outcome releases the export's connection (issue 18): the client going away at any moment (even before the
 * COPY starts), a reader or a database making no progress for `stallMs`, a failure. Exports hold connections of their
 * own (`copyOut`'s small pool), so they never take those of other requests; when all are busy the export answers 503
 * with Retry-After rather than waiting.
 */
export function reportCsvHandler(deps: { db: Db; log?: (line: string) => void; stallMs?: number }) {
  const log = deps.log ?? console.error;
  return async (req: Request, res: Response) => {
    // registered first: a client gone before anything below runs is still heard
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const unavailable = (message: string) => {
      res.removeHeader('Content-Disposition');
      res.setHeader('Retry-After', '5');
      res.status(503).json({ error: message });
    };
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
                compare: one(req.query.compare),
              }),
            )
          : await planRun(actx, runInput.parse(JSON.parse(input ?? 'null')));
    } catch (e) {
      if (gone.signal.aborted) return;
      const r = refusal(e);
      if (r) return void res.status(r.status).json({ error: r.message });
      if (isDatabaseUnavailable(e)) return unavailable(DATABASE_UNAVAILABLE);
      log(`[api] /exports/report.csv: ${(e as Error).stack ?? String(e)}`);
      res.status(500).json({ error: 'Something went wrong on our side.' });
      return;
    }
    if (gone.signal.aborted) return;
    await streamCsv(deps.db, planned, res, gone.signal, deps.stallMs ?? EXPORT_STALL_MS).catch((e) => {
      // the client went away or stalled: the export ended as it should, nothing to report
      if (gone.signal.aborted) return;
      const r = res.headersSent ? null : refusal(e);
      if (r) return void res.status(r.status).json({ error: r.message });
      if (!res.headersSent && e instanceof DatabaseBusyError)
        return unavailable('Too many exports are running right now; try again in a moment.');
      if (!res.headersSent && isDatabaseUnavailable(e)) return unavailable(DATABASE_UNAVAILABLE);
      log(`[api] /exports/report.csv stream: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) {
        res.removeHeader('Content-Disposition');
        res.status(500).json({ error: 'Something went wrong on our side.' });
      } else res.destroy();
    });
  };
}

async function streamCsv(
  db: Db,
  planned: PlannedReport & { reportName?: string },
  res: Response,
  gone: AbortSignal,
  stallMs: number,
) {
  const { plan, previous } = planned;
  const base = (planned.reportName ?? 'report').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'report';
  const headers = () => {
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${base}-${plan.from}-${plan.to}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
  };
  if (previous) {
    const body = await compareCsv(db, { ...planned, previous });
    if (gone.aborted) return;
    headers();
    res.end(body);
    return;
  }
  const range = await reports.reportRange(db, plan);
  if (gone.aborted) return;
  const statement = csvStatement(reports.reportStatement(plan, range, { oneSort: true }), plan.groupBy).compile(db);
  const records = csvRecords();
  // resolves when the response drains, or at once when the client is gone (no 'drain' ever comes then)
  const drained = () =>
    new Promise<void>((resolve) => {
      if (gone.aborted) return resolve();
      const done = () => {
        res.off('drain', done);
        gone.removeEventListener('abort', done);
        resolve();
      };
      res.on('drain', done);
      gone.addEventListener('abort', done);
    });
  // COPY ... TO STDOUT: PostgreSQL writes the CSV (header and quoting included); the stream is read with
  // back-pressure, so memory stays flat whatever the size; a client gone away ends the COPY
  await copyOut(
    db,
    statement,
    'format csv, header true',
    async (rows) => {
      // headers are only sent with the first bytes: a statement failing before them still answers 500
      headers();
      // no progress for stallMs on either side ends the response, which ends the COPY (its connection discarded)
      const stall = setTimeout(() => res.destroy(), stallMs);
      const progress = () => void stall.refresh();
      const stop = () => rows.destroy();
      gone.addEventListener('abort', stop);
      try {
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
          progress();
        };
        let n = 0;
        for await (const chunk of rows) {
          if (gone.aborted) return;
          if ((++n & 255) === 1) progress(); // the database is sending (refreshed every 256 rows: it costs per call)
          pending.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size >= 65_536) await flush();
        }
        if (!gone.aborted) await flush();
        if (!gone.aborted && records.rest().length) throw new Error('export: COPY ended inside a record');
      } finally {
        clearTimeout(stall);
        gone.removeEventListener('abort', stop);
      }
    },
    // the grouping and the sort of a large export stay in memory (PostgreSQL's, bounded) instead of spilling to disk;
    // no JIT: PostgreSQL's row estimates of the report are low, and compiling costs more than it saves at that size
    { work_mem: '64MB', jit: 'off' },
  );
  if (!gone.aborted) res.end();
}

/** At most this many rows in each period of a compared export: both are held in memory to be lined up. */
export const MAX_COMPARED_ROWS = 100_000;

/** The columns a compared export adds after ctr and ecpm (money in currency units, as spend). */
const COMPARED_HEADER = 'previousImpressions,previousClicks,previousSpend,spendChange,spendChangePercent';

/**
 * The CSV of a report beside its previous period: the same rows and cells `reports.run` with `compare` answers (one
 * computation, `compareReports`), the columns of a plain export and then the previous period's figures and the change.
 * Not streamed from COPY like a plain export: both periods are read (each at most `MAX_COMPARED_ROWS` rows; more is
 * refused, naming the limit) and lined up first.
 */
async function compareCsv(db: Db, planned: PlannedReport & { previous: reports.ReportPlan }): Promise<string> {
  const [r, p] = await Promise.all([
    reports.runReport(db, planned.plan, MAX_COMPARED_ROWS),
    reports.runReport(db, planned.previous, MAX_COMPARED_ROWS),
  ]);
  if (r.truncated || p.truncated)
    throw new DomainError(
      'INVALID_INPUT',
      `A compared export holds at most ${MAX_COMPARED_ROWS} rows per period: narrow it, or export without comparing.`,
      { compare: `at most ${MAX_COMPARED_ROWS} rows per period` },
    );
  const { rows } = compareReports(planned, r, p, Number.MAX_SAFE_INTEGER);
  const cols = planned.plan.groupBy.flatMap((d) => reports.DIMENSION_COLUMNS[d]);
  const lines = [
    `${[...cols, 'currency', 'correction', 'impressions', 'clicks', 'spend', 'ctr', 'ecpm'].join(',')},${COMPARED_HEADER}`,
  ];
  for (const row of rows) {
    const cells = cols.map((c) => {
      const v = row[c] ?? null;
      return GENERATED.has(c) ? (v ?? '') : textCell(v === '' ? null : v);
    });
    lines.push(
      [
        ...cells,
        row.currency,
        microsToDecimal(row.correctionMicros),
        numberCells(row.impressions.toString(), row.clicks.toString(), row.spendMicros.toString()),
        row.previousImpressions.toString(),
        row.previousClicks.toString(),
        microsToDecimal(row.previousSpendMicros),
        microsToDecimal(row.spendChangeMicros),
        row.spendChangePercent ?? '',
      ].join(','),
    );
  }
  return lines.map((l) => `${l}\r\n`).join('');
}
