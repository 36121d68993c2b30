/**
 * The backup file: one gzip stream of framed records, so a reader needs neither a temporary file nor a second copy.
 *
 *   TRELLIS-BACKUP 1\n
 *   B {begin}\n                 PostgreSQL version, schema version, created at (known before any data)
 *   T {table}\n                 a table: its name, columns (and parent and bounds, for a partition)
 *   D <n>\n<n bytes>            a piece of its rows, as `COPY … TO STDOUT` wrote them (text format, one row a line)
 *   E {rows, bytes, sha256}\n   the end of that table
 *   F {name, bytes}\n<bytes>    a small file of the data folder (the demo's ingest key)
 *   M {manifest}\n              the manifest: everything above, with each table's row count and sha256
 *
 * A file without its final manifest is incomplete and is refused; gzip's CRC and the per-table sha256 catch damage.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export const MAGIC = 'TRELLIS-BACKUP 1\n';

export interface BackupBegin {
  format: 'trellis-backup/1';
  /** `select version()` of the source server. */
  postgres: string;
  /** The server's version number, e.g. 180004. */
  postgresVersionNum: number;
  /** The last migration applied to the source: a restore rebuilds exactly this schema. */
  schemaVersion: string;
  createdAt: string;
  database: string;
}

export interface TableHeader {
  /** Schema-qualified, e.g. `public.accounts`. */
  name: string;
  schema: string;
  table: string;
  /** The columns copied, in order (generated columns are left out: PostgreSQL computes them again). */
  columns: string[];
  /** For a partition: its parent (schema-qualified) and its bounds (`FOR VALUES …` or `DEFAULT`). */
  parent?: string;
  bound?: string;
}

export interface TableEnd {
  rows: number;
  bytes: number;
  /** sha256 (hex) of the table's COPY text, exactly the bytes of its D records. */
  sha256: string;
}

export interface SequenceValue {
  name: string;
  schema: string;
  sequence: string;
  lastValue: string;
  isCalled: boolean;
}

export interface Manifest extends BackupBegin {
  tables: (TableHeader & TableEnd)[];
  sequences: SequenceValue[];
  files: { name: string; bytes: number; sha256: string }[];
  totals: { tables: number; rows: number; bytes: number };
}

/** A backup file that cannot be used, with the reason in words (truncated, damaged, not a backup). */
export class BackupFileError extends Error {}

export type BackupRecord =
  | { kind: 'begin'; begin: BackupBegin }
  | { kind: 'table'; table: TableHeader }
  | { kind: 'data'; chunk: Buffer }
  | { kind: 'end'; end: TableEnd }
  | { kind: 'file'; name: string; content: Buffer }
  | { kind: 'manifest'; manifest: Manifest };

/** A pull reader of lines and byte runs over a stream of buffers. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), next.value]) : next.value;
    this.pos = 0;
    return true;
  }

  /** The next line without its newline; null at the end of the stream. */
  async line(max = 16 * 1024 * 1024): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl >= 0) {
        const s = this.buf.toString('utf8', this.pos, nl);
        this.pos = nl + 1;
        return s;
      }
      if (this.buf.length - this.pos > max) throw new BackupFileError('not a Trellis backup (a record is too long)');
      if (!(await this.more())) {
        if (this.pos < this.buf.length) throw new BackupFileError('the file ends in the middle of a record');
        return null;
      }
    }
  }

  /** Exactly n bytes, in pieces as they arrive. */
  async *bytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pos >= this.buf.length && !(await this.more()))
        throw new BackupFileError('the file ends in the middle of a table: it is incomplete or truncated');
      const take = Math.min(left, this.buf.length - this.pos);
      yield this.buf.subarray(this.pos, this.pos + take);
      this.pos += take;
      left -= take;
    }
  }
}

function json<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new BackupFileError(`damaged: its ${what} record is not readable`);
  }
}

/** The records of a backup file, in order. Throws BackupFileError for anything that is not a whole, sound backup. */
export async function* readBackup(file: string): AsyncGenerator<BackupRecord> {
  const gunzip = createGunzip();
  const input: Readable = createReadStream(file);
  input.on('error', (e) => gunzip.destroy(e));
  const it = input.pipe(gunzip)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const r = new Reader(it);
  try {
    const magic = await r.line(64);
    if (`${magic}\n` !== MAGIC) throw new BackupFileError('not a Trellis backup (its first line is not the header)');
    let sawManifest = false;
    for (let line = await r.line(); line !== null; line = await r.line()) {
      if (sawManifest) throw new BackupFileError('damaged: there is data after its manifest');
      const sp = line.indexOf(' ');
      const tag = sp < 0 ? line : line.slice(0, sp);
      const rest = sp < 0 ? '' : line.slice(sp + 1);
      switch (tag) {
        case 'B':
          yield { kind: 'begin', begin: json<BackupBegin>(rest, 'begin') };
          break;
        case 'T':
          yield { kind: 'table', table: json<TableHeader>(rest, 'table') };
          break;
        case 'D': {
          const n = Number(rest);
          if (!Number.isInteger(n) || n < 0) throw new BackupFileError('damaged: a data record has no valid length');
          for await (const chunk of r.bytes(n)) yield { kind: 'data', chunk };
          break;
        }
        case 'E':
          yield { kind: 'end', end: json<TableEnd>(rest, 'table end') };
          break;
        case 'F': {
          const f = json<{ name: string; bytes: number }>(rest, 'file');
          const parts: Buffer[] = [];
          for await (const chunk of r.bytes(f.bytes)) parts.push(Buffer.from(chunk));
          yield { kind: 'file', name: f.name, content: Buffer.concat(parts) };
          break;
        }
        case 'M':
          sawManifest = true;
          yield { kind: 'manifest', manifest: json<Manifest>(rest, 'manifest') };
          break;
        default:
          throw new BackupFileError(`damaged: an unknown record (${JSON.stringify(tag.slice(0, 20))})`);
      }
    }
    if (!sawManifest)
      throw new BackupFileError('incomplete: the file ends before its manifest (a backup that was cut short)');
  } catch (e) {
    if (e instanceof BackupFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw e;
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw new BackupFileError(
        code === 'Z_BUF_ERROR'
          ? 'incomplete: the compressed data ends early (a truncated copy)'
          : `damaged: its compressed data does not check out (${(e as Error).message})`,
      );
    throw e;
  } finally {
    input.destroy();
  }
}

/** Counts the rows (newlines) of COPY text. */
export function countRows(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}
