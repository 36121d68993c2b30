/**
 * `pnpm start`: the whole product on one machine. Without DATABASE_URL it starts the embedded PostgreSQL under
 * TRELLIS_DATA_DIR (default .data/), then runs the api (which migrates and seeds) and the worker as their own
 * processes, and prints where to go.
 *
 * Supervision (issue 12):
 * - every process it starts ends with it, whatever ended it: the api and the worker end when their IPC channel to
 *   this process closes, and a watchdog (scripts/watchdog.mjs) ends them and the database server should this process
 *   die without stopping them (kill -9, out of memory);
 * - a start takes `<data>/start.lock` before anything else (created exclusively, holding its pid; a lock whose pid
 *   is no start is stale and taken over), so two starts on one folder at the same moment never harm each other: the
 *   later one says the folder is in use and starts nothing;
 * - a start then ends what a crashed run of the same data folder left (from `<data>/run.json` and the database's
 *   postmaster.pid), and says what holds the port when something else does;
 * - SIGINT and SIGTERM stop everything quietly (api and worker first, the database last) and exit 0; a process that
 *   crashes stops the rest and the exit code is 1, with that process's last error.
 * Logs: every process writes JSON lines; in a terminal they are pretty-printed here (TRELLIS_LOG_FORMAT=json keeps JSON).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createDb } from '@trellis/db';
import { embeddedDataDir, startEmbeddedPostgres, type EmbeddedServer } from '@trellis/db/embedded';
import { DEMO_PASSWORD, demoClientSignIns, demoSignIns } from '@trellis/api/demo';
import { startDemoSpend } from './demo-spend';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.PORT ?? 3000);
const dataDir = path.resolve(root, process.env.TRELLIS_DATA_DIR ?? '.data');
const runFile = path.join(dataDir, 'run.json');
const lockFile = path.join(dataDir, 'start.lock');
const children: { name: string; child: ChildProcess; lastError: string | null }[] = [];
let embedded: EmbeddedServer | undefined;
let watchdog: ChildProcess | undefined;
let stopDemo: (() => void) | undefined;
let stopping = false;
let ownsRunFile = false;
let ownsLock = false;

// ---- output: JSON lines, pretty in a terminal ----
const pretty = process.stdout.isTTY && process.env.TRELLIS_LOG_FORMAT !== 'json';
const REQUEST_KEYS = ['reqId', 'method', 'path', 'status', 'procedure', 'outcome', 'userId', 'ms', 'aborted'];
const prettify = pretty
  ? prettyFactory({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: ['pid', 'hostname', 'service', ...REQUEST_KEYS].join(','),
      messageFormat: (log, key) => {
        const t = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v));
        const base = `[${t(log.service ?? '?')}] ${t(log[key] ?? '')}`;
        if (log.procedure === undefined) return base;
        const user = log.userId ? ` user ${t(log.userId)}` : '';
        const call = `${t(log.method)} ${t(log.procedure)} -> ${t(log.status)} ${t(log.outcome)} ${t(log.ms)} ms`;
        return `${base} ${call}${user} #${t(log.reqId)}`;
      },
    })
  : null;
function emit(line: string, to: NodeJS.WriteStream) {
  if (prettify && line.startsWith('{')) {
    try {
      return void to.write(prettify(JSON.parse(line)));
    } catch {}
  }
  to.write(`${line}\n`);
}
const log = pino(
  {
    level: process.env.TRELLIS_LOG_LEVEL ?? 'info',
    base: { service: 'start', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  { write: (s: string) => emit(s.replace(/\n$/, ''), process.stdout) },
);

// ---- what a crashed run left behind ----
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const cmdlineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
};
const envOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function endProcess(pid: number, what: string, sig: NodeJS.Signals = 'SIGTERM') {
  log.warn(`ending the ${what} left running by an earlier run (pid ${pid})`);
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
      break;
    } catch {}
  }
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(100)) if (!alive(pid)) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
  }
  for (const until = Date.now() + 5_000; Date.now() < until && alive(pid);) await sleep(100);
}

interface RunFile {
  supervisor: number;
  watchdog?: number;
  api?: number;
  worker?: number;
  database?: number;
  port: number;
}

/** Why a folder cannot be used, in words an operator acts on (the bare errno of mkdir often misleads). */
function folderProblem(e: unknown, dir: string): Error {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'EROFS'
      ? 'it is on a read-only file system'
      : code === 'ENOSPC' || code === 'EDQUOT'
        ? 'the disk is full'
        : code === 'EACCES' || code === 'EPERM'
          ? 'this user may not write there'
          : code === 'ENOTDIR'
            ? 'a part of its path is a file, not a folder'
            : e instanceof Error
              ? e.message
              : String(e);
  return new Error(`cannot use the data folder ${dir}: ${why}; set TRELLIS_DATA_DIR to a writable folder`, {
    cause: e,
  });
}

/**
 * Takes the folder's start lock, first of all. Exclusive creation decides between two starts at the same moment; a
 * lock left by a start that died (its pid gone, or now another program) is renamed aside by exactly one taker, and
 * put back if what was renamed turns out to be a live start's.
 */
function takeStartLock() {
  if (process.env.DATABASE_URL && !existsSync(dataDir)) return; // no data folder in use: nothing to guard
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw folderProblem(e, dataDir);
  }
  const holderOfLock = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  const isStart = (pid: number | null) =>
    pid !== null && pid !== process.pid && alive(pid) && cmdlineOf(pid).includes('scripts/start');
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      ownsLock = true;
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw folderProblem(e, dataDir);
    }
    const holder = holderOfLock(lockFile);
    if (isStart(holder)) {
      throw new Error(`Trellis is already starting or running from ${dataDir} (pid ${holder}); stop it first`);
    }
    const aside = `${lockFile}.${process.pid}.stale`;
    try {
      renameSync(lockFile, aside);
    } catch {
      continue; // another start took the stale lock over first
    }
    if (isStart(holderOfLock(aside))) {
      // between our read and our rename another start had taken the lock: give it back
      try {
        linkSync(aside, lockFile);
      } catch {}
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`could not take ${lockFile}: other starts keep taking it`);
}

/** Ends what an earlier run of this data folder left: refuses if that run's supervisor still lives. */
async function cleanUpEarlierRun() {
  if (!existsSync(runFile)) return;
  let prev: RunFile;
  try {
    prev = JSON.parse(readFileSync(runFile, 'utf8')) as RunFile;
  } catch {
    return rmSync(runFile, { force: true });
  }
  if (
    prev.supervisor !== process.pid &&
    alive(prev.supervisor) &&
    cmdlineOf(prev.supervisor).includes('scripts/start')
  ) {
    throw new Error(
      `Trellis is already running from ${dataDir} (pid ${prev.supervisor}); stop it first (kill ${prev.supervisor})`,
    );
  }
  const ours = (pid: number | undefined, marker: string) =>
    pid !== undefined && alive(pid) && cmdlineOf(pid).includes(marker);
  for (const [what, pid, marker] of [
    ['watchdog', prev.watchdog, 'scripts/watchdog'],
    ['api', prev.api, 'apps/api/src/main'],
    ['worker', prev.worker, 'apps/worker/src/main'],
  ] as const) {
    if (ours(pid, marker)) await endProcess(pid!, what);
  }
  if (prev.database !== undefined && isOurServer(prev.database, embeddedDataDir(path.join(dataDir, 'postgres')))) {
    await endProcess(prev.database, 'database server', 'SIGINT');
  }
  rmSync(runFile, { force: true });
}

/** A server left running by a run that crashed holds the data folder: stop it before starting ours. */
async function stopStaleServer(clusterDir: string) {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isOurServer(pid, clusterDir)) return; // PostgreSQL clears a stale lock file itself
  await endProcess(pid, 'database server', 'SIGINT');
}

/**
 * Whether a process is the PostgreSQL server of this data folder's cluster (`postgres -D <clusterDir>`): a pid from a
 * stale file may since belong to any other process, another PostgreSQL server of this machine included.
 */
function isOurServer(pid: number, clusterDir: string): boolean {
  if (!alive(pid)) return false;
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  const d = args.indexOf('-D');
  return (
    d >= 0 &&
    path.basename(args[0] ?? '') === 'postgres' &&
    path.resolve(args[d + 1] ?? '') === path.resolve(clusterDir)
  );
}

/** The process listening on a TCP port of this machine, from /proc (Linux), if this user may see it. */
function holderOf(p: number): { pid: number; cmdline: string } | null {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === p) inodes.add(f[9]!);
    }
  }
  if (!inodes.size) return null;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return { pid: Number(pid), cmdline: cmdlineOf(Number(pid)) };
      } catch {}
    }
  }
  return null;
}

const portFree = (p: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** The port must be free: an api of an earlier run of this data folder is ended; anything else is named, and we stop. */
async function claimPort() {
  if (await portFree(port)) return;
  const holder = holderOf(port);
  if (
    holder &&
    holder.cmdline.includes('apps/api/src/main') &&
    envOf(holder.pid).includes(`TRELLIS_DATA_DIR=${dataDir}`)
  ) {
    await endProcess(holder.pid, 'api');
    if (await portFree(port)) return;
  }
  const who = holder
    ? `pid ${holder.pid} (${holder.cmdline.slice(0, 160)})`
    : 'another process (not visible to this user)';
  throw new Error(`port ${port} is in use by ${who}; stop it, or start on another port: PORT=3001 pnpm start`);
}

// ---- the processes ----
function startWatchdog() {
  watchdog = spawn(process.execPath, [path.join(root, 'scripts/watchdog.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    detached: true,
  });
  watchdog.unref();
  (watchdog.channel as { unref?: () => void } | undefined)?.unref?.();
}
const tell = (m: object) => {
  if (watchdog?.connected) watchdog.send(m);
};

async function databaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const pgDir = path.join(dataDir, 'postgres');
  await stopStaleServer(embeddedDataDir(pgDir));
  log.info(`starting the embedded PostgreSQL in ${pgDir} (password in ${pgDir}.password)`);
  const serverLog = (l: string) => {
    if (!stopping && /FATAL|PANIC|ERROR|\[embedded\]/.test(l))
      for (const x of l.trim().split('\n'))
        emit(
          JSON.stringify({
            level: /\[embedded\]/.test(x) ? 30 : 50,
            time: new Date().toISOString(),
            service: 'postgres',
            msg: x,
          }),
          process.stderr,
        );
  };
  embedded = await startEmbeddedPostgres({ dataDir: pgDir, detached: true, log: serverLog });
  tell({ database: embedded.pid });
  watchDatabase(pgDir, embedded.port, serverLog);
  const admin = createDb(embedded.url, { max: 1 });
  const exists = await sql`select 1 from pg_database where datname = 'trellis'`.execute(admin);
  if (exists.rows.length === 0) await sql`create database trellis`.execute(admin);
  await admin.destroy();
  return embedded.urlFor('trellis');
}

/** When the embedded server last died (null while it runs): a process failing soon after is blamed on it. */
let databaseDiedAt: number | null = null;
/** Waits before each restart try: a loaded machine may need a while before the dead server's backends are gone. */
const RESTART_WAITS_S = [1, 2, 4, 8, 15, 30];

/**
 * The embedded server is restarted when it dies (a crash, an out-of-memory kill): the api and the worker keep running
 * and answer 503 or retry meanwhile. Up to six tries per death, after 1, 2, 4, 8, 15 and 30 s (a start refused while
 * the dead server's backends still hold its shared memory is tried again later); a server that then stays up 10
 * minutes earns its tries back. If it will not come back, everything stops, saying so.
 */
function watchDatabase(pgDir: string, port: number, serverLog: (l: string) => void) {
  let tries = 0;
  let upSince = Date.now();
  let restarting = false;
  const check = async () => {
    if (stopping || restarting || !embedded || alive(embedded.pid)) {
      if (embedded && !restarting && Date.now() - upSince > 600_000) tries = 0;
      return;
    }
    restarting = true;
    const dead = embedded.pid;
    databaseDiedAt = Date.now();
    while (!stopping) {
      if (tries >= RESTART_WAITS_S.length) {
        log.error(
          `the database server (pid ${dead}) died and did not come back after ${tries} tries; stopping everything`,
        );
        embedded = undefined;
        return void shutdown(1);
      }
      const wait = RESTART_WAITS_S[tries++]!;
      log.error(
        `the database server (pid ${dead}) died; restarting it in ${wait} s (try ${tries} of ${RESTART_WAITS_S.length})`,
      );
      await sleep(wait * 1000);
      if (stopping) break;
      try {
        embedded = await startEmbeddedPostgres({ dataDir: pgDir, port, detached: true, log: serverLog });
        tell({ database: embedded.pid });
        writeRunFile();
        upSince = Date.now();
        databaseDiedAt = null;
        log.info(`the database server is back (pid ${embedded.pid}) on port ${port}`);
        break;
      } catch (e) {
        log.error(`the database server did not start: ${e instanceof Error ? e.message : String(e)}`);
        databaseDiedAt = Date.now();
      }
    }
    restarting = false;
  };
  setInterval(() => void check(), 1000).unref();
}

function run(name: string, script: string, env: NodeJS.ProcessEnv) {
  // node itself (with tsx's loader), not the tsx wrapper: the IPC channel is then this process's to the real one
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const entry = { name, child, lastError: null as string | null };
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream) => {
    let rest = '';
    from.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (!line) continue;
        let level = to === process.stderr ? 50 : 30;
        let msg = line;
        try {
          const o = JSON.parse(line) as { level?: number; msg?: string };
          if (typeof o.level === 'number') {
            level = o.level;
            msg = o.msg ?? line;
          }
        } catch {}
        if (level >= 50) entry.lastError = msg;
        emit(line, to);
      }
    });
  };
  pipe(child.stdout!, process.stdout);
  pipe(child.stderr!, process.stderr);
  child.on('exit', (code, sig) => {
    if (stopping) return;
    const how = sig ? `was killed (${sig})` : `exited with code ${code}`;
    // the database dying first (or just now, before its watch noticed) is the cause to name
    const databaseFirst =
      (databaseDiedAt !== null && Date.now() - databaseDiedAt < 60_000) || (embedded && !alive(embedded.pid));
    const cause = databaseFirst ? ' after the database server died' : '';
    log.error(`${name} ${how}${cause}${entry.lastError ? `: ${entry.lastError}` : ''}; stopping everything`);
    void shutdown(1);
  });
  children.push(entry);
  tell({ child: child.pid });
  return child;
}

function writeRunFile() {
  if (process.env.DATABASE_URL && !existsSync(dataDir)) return;
  const byName = Object.fromEntries(children.map((c) => [c.name, c.child.pid]));
  const state: RunFile = {
    supervisor: process.pid,
    port,
    ...(watchdog?.pid ? { watchdog: watchdog.pid } : {}),
    ...byName,
    ...(embedded ? { database: embedded.pid } : {}),
  };
  writeFileSync(runFile, `${JSON.stringify(state)}\n`);
  ownsRunFile = true;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log.info('stopping');
  stopDemo?.();
  await Promise.all(
    children.map(
      ({ child: c }) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          try {
            process.kill(-c.pid!, 'SIGTERM');
          } catch {
            return resolve();
          }
          setTimeout(() => {
            try {
              process.kill(-c.pid!, 'SIGKILL');
            } catch {}
          }, 10_000).unref();
        }),
    ),
  );
  if (embedded) await embedded.stop().catch(() => {});
  if (watchdog?.connected) {
    // the watchdog has nothing left to guard: let it go, and wait for it, so nothing of this start outlives it
    const w = watchdog;
    const gone = new Promise((r) => w.once('exit', r));
    tell({ done: true });
    w.disconnect();
    await Promise.race([gone, sleep(3000)]);
  }
  if (ownsRunFile) rmSync(runFile, { force: true });
  if (ownsLock) rmSync(lockFile, { force: true });
  log.info('stopped');
  process.exit(code);
}

async function waitForHealth(url: string, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until && !stopping) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {}
    await sleep(300);
  }
  return false;
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));
  if (!existsSync(path.join(root, 'apps/web/dist/index.html'))) {
    log.warn('apps/web/dist is missing: run `pnpm start` (it builds the web app first) rather than this script alone');
  }
  takeStartLock();
  await cleanUpEarlierRun();
  await claimPort();
  startWatchdog();
  const ownDatabase = !!process.env.DATABASE_URL;
  const url = await databaseUrl();
  // Demo data (published passwords) by default only on the embedded server (SPEC 11, 12).
  const demo = process.env.TRELLIS_DEMO ?? (ownDatabase ? '0' : '1');
  const env = {
    ...process.env,
    // a product start, not a development server: Express and every library then keep stacks to the logs
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    DATABASE_URL: url,
    PORT: String(port),
    TRELLIS_DEMO: demo,
    TRELLIS_DATA_DIR: dataDir,
  };
  if (stopping) return;
  run('api', 'apps/api/src/main.ts', env);
  run('worker', 'apps/worker/src/main.ts', env);
  writeRunFile();
  const base = `http://localhost:${port}`;
  if (!(await waitForHealth(`http://127.0.0.1:${port}`, 120_000))) {
    if (!stopping) log.error('the api did not become ready in 2 minutes');
    return shutdown(1);
  }
  const lines = [``, `Trellis is running at ${base}`, ``];
  if (process.env.TRELLIS_ADMIN_EMAIL)
    lines.push(`Platform operator: ${process.env.TRELLIS_ADMIN_EMAIL} (password from TRELLIS_ADMIN_PASSWORD)`);
  if (demo === '1') {
    lines.push(`Demo sign-ins, all with the password "${DEMO_PASSWORD}":`);
    for (const s of [...demoSignIns(), ...demoClientSignIns()])
      lines.push(`  ${s.email.padEnd(26)} ${s.role.padEnd(18)} ${s.account}`);
  }
  lines.push(``, `Press Ctrl-C to stop (the database stops too).`, ``);
  if (pretty) console.log(lines.join('\n'));
  else log.info({ url: base }, lines.filter(Boolean).join(' | '));
  // the live demo: synthetic spend through an ingest key of the demo holding (issue 11)
  if (demo === '1' && process.env.TRELLIS_DEMO_SPEND !== '0' && !stopping) {
    stopDemo = await startDemoSpend({
      base: `http://127.0.0.1:${port}`,
      dataDir,
      log: (l) => log.info(l.replace(/^\[demo-spend\] /, 'demo spend: ')),
    });
    if (stopping) stopDemo();
  }
}

main().catch((e) => {
  log.fatal(`failed: ${e instanceof Error ? e.message : String(e)}`);
  void shutdown(1);
});
