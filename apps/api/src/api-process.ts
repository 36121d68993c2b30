/**
 * The api as its own process (`src/main.ts`, one node process), for tests, browser tests and benches: started on a free
 * port of 127.0.0.1, answered once /healthz is, and stopped with SIGTERM. Not part of the product.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@trellis/db/embedded';
import { tsNode } from '@trellis/db/testing/process';

export interface ApiProcess {
  base: string;
  pid: number;
  /** Everything the process printed so far. */
  output: () => string;
  /** SIGTERM to its process group; resolves when it has exited. */
  stop: () => Promise<void>;
}

const READY_WITHIN_MS = 180_000;

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(...tsNode(path.join(import.meta.dirname, 'main.ts')), {
    // its public url (invitation links) is its own address unless the caller says otherwise
    env: { ...process.env, TRELLIS_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  const base = `http://127.0.0.1:${port}`;
  // Seeding the demo (TRELLIS_DEMO=1) hashes some 50 passwords before it listens: ~10 s alone, over a minute on two
  // cores shared with the other packages' tests (CI run of stop 31). Three minutes, then the api's output.
  for (const until = Date.now() + READY_WITHIN_MS; ; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null) throw new Error(`the api exited early:\n${out}`);
    if (Date.now() > until)
      throw new Error(`the api did not answer /healthz within ${READY_WITHIN_MS / 1000} s; it printed:\n${out}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
  }
  return {
    base,
    pid: child.pid!,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
