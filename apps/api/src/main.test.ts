import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '@trellis/db/embedded';
import { tsNode, useTestDatabase } from '@trellis/db/testing';

const t = useTestDatabase();

/** Runs the api process (main.ts) until /healthz answers or it exits; returns what it printed and its exit code. */
async function runApi(env: Record<string, string>): Promise<{ out: string; exitCode: number | null }> {
  const port = await freePort();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRELLIS_')));
  const child = spawn(...tsNode(path.join(import.meta.dirname, 'main.ts')), {
    env: { ...clean, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const until = Date.now() + 60_000;
  while (Date.now() < until && child.exitCode === null) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const exitCode = child.exitCode;
  if (exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
  return { out, exitCode };
}

describe('the api process', () => {
  it('creates no demo data with a DATABASE_URL unless TRELLIS_DEMO=1', { timeout: 90_000 }, async () => {
    const run = await runApi({ DATABASE_URL: t.url });
    expect(run.exitCode).toBeNull();
    expect(run.out).not.toContain('demo data');
    expect(await t.db.selectFrom('users').select('email').execute()).toEqual([]);
  });

  it('refuses to start with a guessable TRELLIS_ADMIN_PASSWORD, saying why', { timeout: 90_000 }, async () => {
    const run = await runApi({
      DATABASE_URL: t.url,
      TRELLIS_ADMIN_EMAIL: 'root@x.test',
      TRELLIS_ADMIN_PASSWORD: 'password12',
    });
    expect(run.exitCode).toBe(1);
    expect(run.out).toMatch(/TRELLIS_ADMIN_PASSWORD is refused: This password is too easy to guess/);
    expect(await t.db.selectFrom('users').select('email').execute()).toEqual([]);
  });
});
