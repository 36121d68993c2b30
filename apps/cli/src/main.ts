import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { backup, BackupFileError, RefusedError, restore } from './backup';
import { databaseUrl, dataDirOf, embeddedDatabaseUrl, NoDatabaseError } from './database-url';
import { SCHEMA_VERSION } from '@trellis/db';
import { FileError, IngestStopped, ingestFile } from './ingest-file';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const program = new Command('trellis').description('Trellis command line for the operator of an installation');

program
  .command('ingest')
  .description('Ingest a spend file (CSV with a header row, or NDJSON; .gz accepted) into a root account')
  .argument('<file>', 'the file')
  .requiredOption(
    '--account <rootId>',
    'the root account (holding or standalone premium client) the spend belongs to',
    (v) => {
      if (!UUID.test(v)) throw new InvalidArgumentError('must be an account id (uuid)');
      return v.toLowerCase();
    },
  )
  .option('--format <format>', 'csv or ndjson (default: from the file name)', (v) => {
    if (v !== 'csv' && v !== 'ndjson') throw new InvalidArgumentError('must be csv or ndjson');
    return v;
  })
  .option(
    '--chunk <records>',
    'records per transaction',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
        throw new InvalidArgumentError('must be an integer from 1 to 1,000,000');
      return n;
    },
    50_000,
  )
  .option(
    '--parallel <connections>',
    'chunks in flight at once, each on its own connection',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('must be an integer from 1 to 16');
      return n;
    },
    2,
  )
  .action(async (file: string, o: { account: string; format?: 'csv' | 'ndjson'; chunk: number; parallel: number }) => {
    const url = databaseUrl(process.env, repoRoot);
    const tty = process.stderr.isTTY;
    const bar = new SingleBar({
      format:
        '{bar} {percentage}% | {records} records, {rate}/s | ' +
        'accepted {accepted} | corrected {corrected} | duplicates {duplicates} | rejected {rejected} | ETA {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
      noTTYOutput: false,
    });
    const t0 = Date.now();
    let started = false;
    process.once('SIGINT', () => {
      bar.stop();
      console.error(
        '\nInterrupted. Run the same command again: committed records come back as duplicates, the rest is stored.',
      );
      process.exit(130);
    });
    const res = await ingestFile({
      url,
      file,
      rootId: o.account,
      chunkSize: o.chunk,
      parallel: o.parallel,
      ...(o.format ? { format: o.format } : {}),
      onProgress: (p) => {
        if (!tty) return;
        const payload = {
          records: p.records,
          rate: Math.round(p.records / Math.max(0.001, (Date.now() - t0) / 1000)),
          accepted: p.accepted,
          corrected: p.corrected,
          duplicates: p.duplicates,
          rejected: p.rejected,
        };
        if (!started) {
          bar.start(p.bytesTotal, p.bytesRead, payload);
          started = true;
        } else bar.update(p.bytesRead, payload);
      },
    });
    if (started) {
      bar.update(res.bytesTotal);
      bar.stop();
    }
    const rate = Math.round(res.records / Math.max(0.001, res.seconds));
    console.log(
      `Ingested ${file} into ${o.account} in ${res.seconds.toFixed(1)} s (${rate} records/s; ` +
        `${res.databaseSeconds.toFixed(1)} s in database transactions over ${o.parallel} connections):`,
    );
    console.log(`  records    ${res.records}`);
    console.log(`  accepted   ${res.accepted}`);
    console.log(`  corrected  ${res.corrected}`);
    console.log(`  duplicates ${res.duplicates}`);
    console.log(`  stale      ${res.stale}`);
    console.log(
      `  rejected   ${res.rejected}${
        res.rejected
          ? ` (${Object.entries(res.reasons)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}); each with its line and reason in ${res.rejectsFile}`
          : ''
      }`,
    );
    console.log(`  batch      ${res.batchId}`);
  });

const USE_PG_TOOLS = [
  'DATABASE_URL is set: this installation keeps its data in your own PostgreSQL server, not in the embedded one,',
  "so back it up with PostgreSQL's own tools, of the same major version as the server (or your provider's snapshots):",
  '',
  '  pg_dump --format=custom --file=trellis.dump "$DATABASE_URL"',
  '  pg_restore --dbname="$NEW_DATABASE_URL" --no-owner --exit-on-error trellis.dump',
  '',
  'See docs/operators-guide.md, "Back up and restore".',
].join('\n');

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

program
  .command('backup')
  .description('Write a consistent backup of the embedded database to a file, while Trellis runs')
  .argument('<file>', 'the backup file to write (gzip; replaced only once the backup is whole)')
  .option('--snapshot <id>', 'back up exactly what this exported snapshot (pg_export_snapshot()) sees')
  .action(async (file: string, o: { snapshot?: string }) => {
    if (process.env.DATABASE_URL) throw new RefusedError(USE_PG_TOOLS);
    const dataDir = dataDirOf(process.env, repoRoot);
    const res = await backup({
      url: embeddedDatabaseUrl(dataDir),
      file,
      dataDir,
      ...(o.snapshot ? { snapshot: o.snapshot } : {}),
      log: (l) => console.error(l),
    });
    const m = res.manifest;
    console.log(
      `Backed up ${m.totals.tables} tables, ${m.totals.rows} rows (${mb(m.totals.bytes)} of data) to ${file} ` +
        `(${mb(res.fileBytes)}) in ${res.seconds.toFixed(1)} s.`,
    );
    console.log(`  schema     ${m.schemaVersion}`);
    console.log(`  postgres   ${m.postgres.split(' on ')[0]}`);
    console.log(`  created at ${m.createdAt}`);
  });

program
  .command('restore')
  .description('Restore a backup into a new, empty data folder (then `pnpm start` serves it)')
  .argument('<file>', 'the backup file')
  .option('--data-dir <dir>', 'the data folder to create (default: TRELLIS_DATA_DIR, or .data)')
  .action(async (file: string, o: { dataDir?: string }) => {
    if (process.env.DATABASE_URL)
      throw new RefusedError(
        'DATABASE_URL is set: a Trellis backup restores into an embedded data folder, which `pnpm start` uses only ' +
          'without DATABASE_URL. Unset it to restore here; for your own server use pg_restore ' +
          '(docs/operators-guide.md, "Back up and restore").',
      );
    const dataDir = path.resolve(o.dataDir ?? dataDirOf(process.env, repoRoot));
    const res = await restore({ file, dataDir, log: (l) => console.error(l) });
    const m = res.manifest;
    console.log(
      `Restored ${m.totals.tables} tables, ${m.totals.rows} rows (schema ${m.schemaVersion}, backed up ` +
        `${m.createdAt}) into ${dataDir} in ${res.seconds.toFixed(1)} s.`,
    );
    console.log(
      `Start it with: TRELLIS_DATA_DIR=${dataDir} pnpm start` +
        (m.schemaVersion === SCHEMA_VERSION ? '' : ` (it migrates from ${m.schemaVersion} to ${SCHEMA_VERSION})`),
    );
  });

const AGAIN = 'Run the same command again: committed records come back as duplicates, the rest is stored.';

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof IngestStopped) {
    const p = e.progress;
    console.error(
      `\nStopped: ${e.message}.\nCommitted before it, in batch ${e.batchId}: ${p.records} records ` +
        `(accepted ${p.accepted}, corrected ${p.corrected}, duplicates ${p.duplicates}, stale ${p.stale}, ` +
        `rejected ${p.rejected}).\n${AGAIN}`,
    );
  } else if (e instanceof NoDatabaseError || e instanceof FileError || e instanceof RefusedError)
    console.error(e.message);
  else if (e instanceof BackupFileError)
    console.error(`Refused: the backup file is ${e.message}. Nothing was restored.`);
  else if ((e as NodeJS.ErrnoException).code === 'ENOENT')
    console.error(`No such file: ${(e as NodeJS.ErrnoException).path}`);
  else console.error(`trellis: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
