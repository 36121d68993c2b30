import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse as parseCsvLine } from 'csv-parse/sync';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { spend } from '@trellis/db';

export interface Progress {
  lines: number;
  records: number;
  accepted: number;
  /** SPEC 13: corrections applied (a higher revision of a stored event) and stale copies (a lower one). */
  corrected: number;
  duplicates: number;
  stale: number;
  rejected: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface IngestFileOptions {
  url: string;
  file: string;
  rootId: string;
  /** Records per transaction (default 50,000). */
  chunkSize?: number;
  /** Chunks in flight at once, each on its own connection (default 2). */
  parallel?: number;
  format?: 'csv' | 'ndjson';
  onProgress?: (p: Progress) => void;
  /** The receiving clock, read per chunk (records dated more than 15 minutes after it are refused). */
  now?: () => Date;
}

export interface IngestFileResult extends Progress {
  batchId: string;
  rejectsFile: string;
  reasons: Record<string, number>;
  seconds: number;
  /** Time the connections spent in chunk transactions (COPY, the statement, commit), summed over connections. */
  databaseSeconds: number;
}

export class FileError extends Error {}

/**
 * The ingest stopped part-way (the database went away, the disk filled, a connection was ended): `progress` counts
 * only what was committed, so running the same command again stores the rest and nothing twice.
 */
export class IngestStopped extends Error {
  constructor(
    override readonly cause: Error,
    readonly progress: Progress,
    readonly batchId: string,
  ) {
    super(cause.message, { cause });
  }
}

type Row = (string | null)[];
const FIELDS = spend.RECORD_FIELDS;
/** The header must name these; dealId, campaignId, revision and correctionReason may be left out (SPEC 7, 13). */
const OPTIONAL = new Set<string>(['dealId', 'campaignId', 'revision', 'correctionReason']);
const REQUIRED = FIELDS.filter((f) => !OPTIONAL.has(f));
const MAX_LINE = 64 * 1024;

/** A staged row: line number, the fields in RECORD_FIELDS order, and why it is malformed (or null). */
const malformedRow = (line: number, why: string, eventId: string | null = null): Row => [
  String(line),
  eventId,
  ...FIELDS.slice(1).map(() => null),
  why,
];

function fieldProblem(v: string): string | null {
  if (v.includes('\uFFFD')) return 'bad UTF-8';
  if (v.includes('\u0000')) return 'NUL character';
  return null;
}

/** One CSV line into its fields: quote-free lines split on commas; quoted ones go through csv-parse, alone. */
function csvFields(line: string): string[] | string {
  if (!line.includes('"')) return line.split(',');
  try {
    const rows: string[][] = parseCsvLine(line, { relax_quotes: false });
    if (rows.length !== 1) return 'a quoted field spans lines (one record per line)';
    return rows[0]!;
  } catch (e) {
    return `CSV: ${(e as Error).message.split(':')[0]}`;
  }
}

function csvRow(line: number, text: string, columns: number[], width: number): Row {
  const fields = csvFields(text);
  if (typeof fields === 'string') return malformedRow(line, fields);
  const eventId = columns[0]! >= 0 ? (fields[columns[0]!] ?? null) : null;
  if (fields.length !== width)
    return malformedRow(line, `wrong column count (${fields.length}, header has ${width})`, eventId);
  const row: Row = [String(line)];
  for (const c of columns) {
    const v = c >= 0 ? fields[c]! : '';
    const problem = fieldProblem(v);
    if (problem) return malformedRow(line, problem, null);
    row.push(v === '' ? null : v);
  }
  row.push(null);
  return row;
}

function ndjsonRow(line: number, text: string): Row {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return malformedRow(line, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return malformedRow(line, 'not an object');
  const o = v as Record<string, unknown>;
  const row: Row = [String(line)];
  for (const f of FIELDS) {
    const x = o[f];
    if (x === undefined || x === null || x === '') row.push(null);
    else if (typeof x === 'string' || typeof x === 'number') {
      const s = String(x);
      const problem = fieldProblem(s);
      if (problem) return malformedRow(line, problem);
      row.push(s);
    } else return malformedRow(line, f, typeof o.eventId === 'string' ? o.eventId : null);
  }
  row.push(null);
  return row;
}

/** COPY text format: backslash escapes, \N for null. */
const copyValue = (v: string | null) =>
  v === null
    ? '\\N'
    : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * Streams a CSV (header row) or NDJSON file, optionally gzip, into a root account: `chunkSize` records at a time
 * are COPYed into the session's staging table and ingested by the same statement as the API, each chunk in its own
 * transaction. Memory stays bounded by one chunk. Interrupted and run again, committed chunks come back as
 * duplicates and the rest is stored: nothing twice, nothing lost. Rejected rows go to FILE.rejects.csv.
 */
export async function ingestFile(opts: IngestFileOptions): Promise<IngestFileResult> {
  const started = Date.now();
  const chunkSize = opts.chunkSize ?? 50_000;
  const gz = opts.file.endsWith('.gz');
  const base = gz ? opts.file.slice(0, -3) : opts.file;
  const format = opts.format ?? (/\.(nd)?jsonl?$|\.ndjson$/i.test(base) ? 'ndjson' : 'csv');
  const rejectsFile = `${opts.file}.rejects.csv`;
  const p: Progress = {
    lines: 0,
    records: 0,
    accepted: 0,
    corrected: 0,
    duplicates: 0,
    stale: 0,
    rejected: 0,
    bytesRead: 0,
    bytesTotal: statSync(opts.file).size,
  };
  const reasons: Record<string, number> = {};

  const connect = async () => {
    const c = new pg.Client({ connectionString: opts.url, application_name: 'trellis-cli' });
    // A connection lost while idle emits 'error' (unhandled, it would end the process with a stack trace); its next
    // query then fails, and that failure stops the ingest with its summary.
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const execOn =
    (c: pg.Client): spend.Exec =>
    async <R>(q: { sql: string; parameters: readonly unknown[] }) =>
      (await c.query(q.sql, q.parameters as unknown[])).rows as R[];
  const client = await connect();
  const exec = execOn(client);
  // every connection runs whole chunks: COPY, the statement and the batch counts commit together
  const workers: pg.Client[] = [client];
  const idle: pg.Client[] = [];
  const rejects = createWriteStream(rejectsFile);
  rejects.write('line,eventId,reason,detail\n');
  let batchId: string | null = null;
  try {
    const account = await client.query<{ ok: boolean }>('select id = root_id as ok from accounts where id = $1', [
      opts.rootId,
    ]);
    if (!account.rows[0]) throw new FileError(`No account ${opts.rootId} in this database.`);
    if (!account.rows[0].ok)
      throw new FileError(
        `Account ${opts.rootId} is not a root account (a holding or a standalone premium client): spend goes to the root.`,
      );
    const batch = await spend.openBatch(exec, {
      rootId: opts.rootId,
      source: 'cli',
      fileName: path.basename(opts.file),
    });
    batchId = batch;
    for (let i = 1; i < Math.max(1, opts.parallel ?? 2); i++) workers.push(await connect());
    idle.push(...workers);

    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        p.bytesRead += chunk.length;
        cb(null, chunk);
      },
    });
    const raw = createReadStream(opts.file);
    const text: Readable = gz ? raw.pipe(counter).pipe(createGunzip()) : raw.pipe(counter);
    const decoded = text.pipe(new PassThrough()).setEncoding('utf8');
    const lines = createInterface({ input: decoded, crlfDelay: Infinity });

    let buffer: string[] = [];
    let dbMs = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: Error | null = null;
    const runChunk = async (c: pg.Client, data: string, n: number) => {
      const f0 = performance.now();
      const ex = execOn(c);
      await c.query('begin');
      try {
        await ex(spend.createStagingTable());
        const stream = c.query(
          copyFrom(`copy ${spend.STAGING_TABLE} (${spend.STAGING_COLUMNS.join(', ')}) from stdin`),
        );
        await pipeline(Readable.from([data]), stream);
        const res = await spend.ingestStaged(ex, opts.rootId, batch, (opts.now ?? (() => new Date()))());
        await spend.addToBatch(ex, opts.rootId, batch, n, res);
        await c.query('commit');
        dbMs += performance.now() - f0;
        p.records += n;
        p.accepted += res.accepted;
        p.duplicates += res.duplicates;
        p.corrected += res.corrected;
        p.stale += res.stale;
        p.rejected += res.rejected.length;
        for (const r of res.rejected) {
          reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
          if (!rejects.write(`${r.index},${csvCell(r.eventId ?? '')},${r.reason},${csvCell(r.detail ?? '')}\n`))
            await once(rejects, 'drain');
        }
        opts.onProgress?.(p);
      } catch (e) {
        await c.query('rollback').catch(() => {});
        throw e;
      }
    };
    /** Hands the buffered chunk to an idle connection, waiting for one when all are busy (memory: `parallel` chunks). */
    const flush = async () => {
      if (buffer.length === 0) return;
      while (idle.length === 0 && !failure) await Promise.race(inFlight);
      if (failure) throw failure;
      const data = buffer.join('');
      const n = buffer.length;
      buffer = [];
      const c = idle.pop()!;
      const job: Promise<void> = runChunk(c, data, n).then(
        () => {
          idle.push(c);
          inFlight.delete(job);
        },
        (e: unknown) => {
          failure ??= e instanceof Error ? e : new Error(String(e));
          inFlight.delete(job);
        },
      );
      inFlight.add(job);
    };
    const drain = async () => {
      while (inFlight.size) await Promise.race(inFlight);
      if (failure) throw failure;
    };

    let columns: number[] | null = null;
    let width = 0;
    for await (const line of lines) {
      p.lines++;
      const n = p.lines;
      if (format === 'csv' && columns === null) {
        const header = csvFields(line.replace(/^\uFEFF/, ''));
        if (typeof header === 'string') throw new FileError(`The header row cannot be read (${header}).`);
        const names = header.map((h) => h.trim());
        const missing = REQUIRED.filter((f) => !names.includes(f));
        if (missing.length)
          throw new FileError(
            `The header row must name ${REQUIRED.join(', ')} (dealId, campaignId, revision, correctionReason optional); missing: ${missing.join(', ')}.`,
          );
        columns = FIELDS.map((f) => names.indexOf(f));
        width = names.length;
        continue;
      }
      if (line.trim() === '') continue;
      const row =
        line.length > MAX_LINE
          ? malformedRow(n, 'line too long')
          : format === 'csv'
            ? csvRow(n, line, columns!, width)
            : ndjsonRow(n, line);
      buffer.push(row.map(copyValue).join('\t') + '\n');
      if (buffer.length >= chunkSize) await flush();
    }
    if (format === 'csv' && columns === null) throw new FileError('The file is empty: a CSV needs a header row.');
    await flush();
    await drain();
    return {
      ...p,
      batchId: batch,
      rejectsFile,
      reasons,
      seconds: (Date.now() - started) / 1000,
      databaseSeconds: dbMs / 1000,
    };
  } catch (e) {
    if (batchId === null || e instanceof FileError) throw e;
    throw new IngestStopped(e instanceof Error ? e : new Error(String(e)), { ...p }, batchId);
  } finally {
    rejects.end();
    await once(rejects, 'finish').catch(() => {});
    for (const c of workers) await c.end().catch(() => {});
  }
}
