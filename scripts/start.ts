/**
 * `pnpm start`: the whole product on one machine. Without DATABASE_URL it starts the embedded PostgreSQL under
 * TRELLIS_DATA_DIR (default .data/), then runs the api (which migrates and seeds) and the worker as their own
 * processes, and prints where to go. Ctrl-C stops everything it started, the database included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb } from '@trellis/db';
import { embeddedDataDir, startEmbeddedPostgres, type EmbeddedServer } from '@trellis/db/embedded';
import { DEMO_PASSWORD, demoClientSignIns, demoSignIns } from '@trellis/api/demo';
import { startDemoSpend } from './demo-spend';

const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const port = Number(process.env.PORT ?? 3000);
const children: ChildProcess[] = [];
let embedded: EmbeddedServer | undefined;
let stopping = false;

/** A server left running by a run that crashed holds the data folder: stop it before starting ours. */
function stopStaleServer(dataDir: string) {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // not running: PostgreSQL clears a stale lock file itself
  }
  console.log(`[start] stopping a database server left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

async function databaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const dataDir = path.resolve(root, process.env.TRELLIS_DATA_DIR ?? '.data');
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const pgDir = path.join(dataDir, 'postgres');
  stopStaleServer(embeddedDataDir(pgDir));
  console.log(`[start] starting the embedded PostgreSQL in ${pgDir} (password in ${pgDir}.password)`);
  embedded = await startEmbeddedPostgres({
    dataDir: pgDir,
    log: (l) => (!stopping && /FATAL|PANIC|ERROR|\[embedded\]/.test(l) ? process.stderr.write(`[postgres] ${l.replace(/\n?$/, '\n')}`) : undefined),
  });
  const admin = createDb(embedded.url, { max: 1 });
  const exists = await sql`select 1 from pg_database where datname = 'trellis'`.execute(admin);
  if (exists.rows.length === 0) await sql`create database trellis`.execute(admin);
  await admin.destroy();
  return embedded.urlFor('trellis');
}

function run(name: string, script: string, env: NodeJS.ProcessEnv) {
  const child = spawn(tsx, [script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = (chunk: Buffer) => chunk.toString().replace(/\n$/, '').split('\n').map((l) => `${l}\n`).join('');
  child.stdout!.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(prefix(d)));
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${code}); stopping everything`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          try {
            process.kill(-c.pid!, 'SIGTERM');
          } catch {
            resolve();
          }
          setTimeout(() => {
            try {
              process.kill(-c.pid!, 'SIGKILL');
            } catch {}
            resolve();
          }, 5000).unref();
        }),
    ),
  );
  if (embedded) await embedded.stop().catch(() => {});
  process.exit(code);
}

async function waitForHealth(url: string, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopping) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (!existsSync(path.join(root, 'apps/web/dist/index.html'))) {
    console.warn('[start] apps/web/dist is missing: run `pnpm start` (it builds the web app first) rather than this script alone');
  }
  const ownDatabase = !!process.env.DATABASE_URL;
  const url = await databaseUrl();
  // Demo data (published passwords) by default only on the embedded server (SPEC 11, 12).
  const demo = process.env.TRELLIS_DEMO ?? (ownDatabase ? '0' : '1');
  const env = { ...process.env, DATABASE_URL: url, PORT: String(port), TRELLIS_DEMO: demo };
  run('api', 'apps/api/src/main.ts', env);
  run('worker', 'apps/worker/src/main.ts', env);
  const base = `http://localhost:${port}`;
  if (!(await waitForHealth(`http://127.0.0.1:${port}`, 120_000))) {
    if (!stopping) console.error('[start] the api did not become ready in 2 minutes');
    return shutdown(1);
  }
  const lines = [``, `Trellis is running at ${base}`, ``];
  if (process.env.TRELLIS_ADMIN_EMAIL) lines.push(`Platform operator: ${process.env.TRELLIS_ADMIN_EMAIL} (password from TRELLIS_ADMIN_PASSWORD)`);
  if (demo === '1') {
    lines.push(`Demo sign-ins, all with the password "${DEMO_PASSWORD}":`);
    for (const s of [...demoSignIns(), ...demoClientSignIns()]) lines.push(`  ${s.email.padEnd(26)} ${s.role.padEnd(18)} ${s.account}`);
  }
  lines.push(``, `Press Ctrl-C to stop (the database stops too).`, ``);
  console.log(lines.join('\n'));
  // the live demo: synthetic spend through an ingest key of the demo holding (issue 11)
  if (demo === '1' && process.env.TRELLIS_DEMO_SPEND !== '0') {
    await startDemoSpend({ base: `http://127.0.0.1:${port}`, dataDir: path.resolve(root, process.env.TRELLIS_DATA_DIR ?? '.data'), log: (l) => console.log(l) });
  }
}

main().catch((e) => {
  console.error('[start] failed:', e instanceof Error ? e.message : e);
  void shutdown(1);
});
