/**
 * Test support for tests that run `scripts/start.ts` as a real process (what `pnpm start` execs) on the embedded
 * PostgreSQL. Every process of a start carries its TRELLIS_DATA_DIR in its environment (the database server too),
 * which is how `processesOf` finds them; `releaseStarts` (call it in afterAll) kills what is left and removes the folders.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../../..');
const dirs: string[] = [];

/** A fresh data folder (mode 0755: the database server runs as `postgres` when we are root), removed by releaseStarts. */
export function dataDir(prefix = 'trellis-start-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the database server runs as `postgres` when we are root
  dirs.push(dir);
  return dir;
}

/** The processes whose environment names this data folder: what a start of it runs. */
export function processesOf(dir: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(p) === process.pid) continue;
      if (!readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`TRELLIS_DATA_DIR=${dir}`)) continue;
      out.push({ pid: Number(p), cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      // the process ended while it was read
    }
  }
  return out;
}

/** Kills every process a start of these folders left and removes the folders. */
export function releaseStarts() {
  for (const dir of dirs) {
    for (const { pid } of processesOf(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  dirs.length = 0;
}

export function start(dir: string, port: number, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRELLIS_') && k !== 'DATABASE_URL' && k !== 'PORT'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...clean, TRELLIS_DATA_DIR: dir, PORT: String(port), TRELLIS_DEMO: '0', TRELLIS_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, exited, out: () => out };
}

export async function until<T>(
  what: string | (() => string),
  ms: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 200))) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
  }
}

export const ready = (port: number, run: ReturnType<typeof start>) =>
  until(`readiness on ${port}\n${run.out()}`, 120_000, async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return res.status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  });
