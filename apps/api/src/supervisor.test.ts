import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@trellis/db/embedded';
import { dataDir as newDataDir, processesOf, ready, releaseStarts, start, until } from './start-support';

/**
 * Issue 12, with real processes: `scripts/start.ts` (what `pnpm start` execs) on the embedded PostgreSQL. Every process
 * of a start carries its TRELLIS_DATA_DIR in its environment (the database server too), which is how we find them.
 */
const dataDir = () => newDataDir('trellis-sup-');
afterAll(releaseStarts);

/** Error-level lines: JSON lines of level >= 50, and plain lines that look like failures. */
const errorLines = (out: string) =>
  out.split('\n').filter((l) => {
    if (!l.trim()) return false;
    try {
      return (JSON.parse(l) as { level: number }).level >= 50;
    } catch {
      return /error|failed|ELIFECYCLE/i.test(l);
    }
  });

describe('pnpm start supervision', () => {
  it(
    'leaves no process behind when the supervisor is killed -9, starts again on the same folder and port; SIGTERM exits 0',
    { timeout: 300_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      const first = start(dir, port);
      await ready(port, first);
      const kinds = (dir: string) => processesOf(dir).map((p) => p.cmd);
      expect(kinds(dir).some((c) => c.includes('apps/api/src/main.ts'))).toBe(true);
      expect(kinds(dir).some((c) => c.includes('apps/worker/src/main.ts'))).toBe(true);
      expect(kinds(dir).some((c) => /\/postgres -D /.test(c))).toBe(true);

      first.child.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await until(`the processes of the first start to end: ${JSON.stringify(processesOf(dir))}`, 20_000, () =>
        processesOf(dir).length === 0 ? true : undefined,
      );

      const second = start(dir, port);
      await ready(port, second);
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(errorLines(second.out())).toEqual([]);
      expect(second.out()).not.toMatch(/idle connection error|terminating connection/);
      expect(processesOf(dir)).toEqual([]);
      expect(existsSync(path.join(dir, 'run.json'))).toBe(false);
    },
  );

  it(
    "stops everything with a non-zero exit and the crashing process's last error when the worker crashes",
    { timeout: 180_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      const run = start(dir, port, { TRELLIS_WORKER_HEARTBEAT_MS: '5' });
      expect(await run.exited).toEqual({ code: 1, signal: null });
      expect(run.out()).toMatch(
        /worker exited with code 1: failed: TRELLIS_WORKER_HEARTBEAT_MS must be an integer >= 100; stopping everything/,
      );
      expect(processesOf(dir)).toEqual([]);
    },
  );

  it(
    'ends an api an earlier crashed run of the same data folder left holding the port, then starts',
    { timeout: 180_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      // an orphan of an older run: a process of that folder's start, `apps/api/src/main.ts`, still listening on the port
      const orphan = spawn(
        process.execPath,
        [
          '-e',
          `require('node:net').createServer().listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000)`,
          'apps/api/src/main.ts',
        ],
        {
          env: { ...process.env, TRELLIS_DATA_DIR: dir },
          stdio: 'ignore',
          detached: true,
        },
      );
      const orphanGone = new Promise((r) => orphan.once('exit', r));
      await until('the orphan to listen', 10_000, async () => {
        try {
          await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(200) });
        } catch (e) {
          return (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED' ? undefined : true;
        }
        return true;
      });
      const run = start(dir, port);
      await ready(port, run);
      await orphanGone;
      expect(run.out()).toContain(`ending the api left running by an earlier run (pid ${orphan.pid})`);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
    },
  );

  it(
    "never ends another program whose pid an earlier run's file names as its database server (a pid is reused)",
    { timeout: 180_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      // another program, even one whose command line says postgres, of another data folder
      const other = spawn(
        process.execPath,
        ['-e', 'setInterval(() => {}, 1000)', 'postgres', '-D', path.join(dir, 'elsewhere')],
        { stdio: 'ignore', detached: true },
      );
      const otherExit = new Promise((r) => other.once('exit', r));
      try {
        writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ supervisor: other.pid, database: other.pid, port }));
        const run = start(dir, port);
        await ready(port, run);
        expect(run.out()).not.toContain('ending the database server');
        expect(other.exitCode).toBe(null);
        expect(() => process.kill(other.pid!, 0)).not.toThrow();
        run.child.kill('SIGTERM');
        expect(await run.exited).toEqual({ code: 0, signal: null });
      } finally {
        other.kill('SIGKILL');
        await otherExit;
      }
    },
  );

  it('says what holds the port when another program does, and starts nothing', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const port = await freePort();
    const squatter = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const run = start(dir, port);
      expect(await run.exited).toEqual({ code: 1, signal: null });
      expect(run.out()).toContain(`port ${port} is in use by pid ${process.pid} (`);
      expect(run.out()).toContain('PORT=3001 pnpm start');
      expect(existsSync(path.join(dir, 'postgres'))).toBe(false);
      expect(processesOf(dir)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it(
    'takes the folder lock first: of two starts at once on one folder one serves, the other refuses and harms nothing',
    { timeout: 300_000 },
    async () => {
      for (let round = 0; round < 2; round++) {
        const dir = dataDir();
        const [p1, p2] = [await freePort(), await freePort()];
        const runs = [start(dir, p1), start(dir, p2)];
        const loser = await Promise.race(runs.map((r, i) => r.exited.then(() => i)));
        expect(await runs[loser]!.exited).toEqual({ code: 1, signal: null });
        expect(runs[loser]!.out()).toMatch(/Trellis is already starting or running from .* \(pid \d+\); stop it first/);
        const winner = runs[1 - loser]!;
        const winnerPort = loser === 0 ? p2 : p1;
        await ready(winnerPort, winner);
        // the refused start ended nothing of the other: its database and api still serve
        expect(processesOf(dir).some((p) => /\/postgres -D /.test(p.cmd))).toBe(true);
        expect(winner.out()).not.toContain('left running by an earlier run');
        expect((await fetch(`http://127.0.0.1:${winnerPort}/readyz`)).status).toBe(200);
        winner.child.kill('SIGTERM');
        expect(await winner.exited).toEqual({ code: 0, signal: null });
        expect(existsSync(path.join(dir, 'start.lock'))).toBe(false);
      }
    },
  );

  it(
    'takes over the lock of a start that died (its pid gone, or reused by another program)',
    { timeout: 180_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      // this test's own pid is alive but no start: the lock is stale
      writeFileSync(path.join(dir, 'start.lock'), `${process.pid}\n`);
      const run = start(dir, port);
      await ready(port, run);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(dir, 'start.lock'))).toBe(false);
    },
  );

  it('names the cause when the data folder cannot be created, and starts nothing', { timeout: 60_000 }, async () => {
    const file = path.join(dataDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const dir = path.join(file, 'data');
    const run = start(dir, await freePort());
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.out()).toContain(`cannot use the data folder ${dir}: a part of its path is a file, not a folder`);
    expect(run.out()).toContain('set TRELLIS_DATA_DIR to a writable folder');
  });

  it(
    'restarts the embedded database when it dies (kill -9), the api and worker riding it out',
    { timeout: 300_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      const run = start(dir, port);
      await ready(port, run);
      const pidsOf = (re: RegExp) =>
        processesOf(dir)
          .filter((p) => re.test(p.cmd))
          .map((p) => p.pid);
      const [api] = pidsOf(/apps\/api\/src\/main\.ts/);
      const [worker] = pidsOf(/apps\/worker\/src\/main\.ts/);
      const postmaster = Number(readFileSync(path.join(dir, 'run.json'), 'utf8').match(/"database":(\d+)/)![1]);
      process.kill(postmaster, 'SIGKILL');
      await until(
        () => `the database to come back\n${run.out()}`,
        120_000,
        () => (/the database server is back \(pid \d+\)/.test(run.out()) ? true : undefined),
      );
      await ready(port, run);
      expect(run.out()).toMatch(new RegExp(`the database server \\(pid ${postmaster}\\) died; restarting it`));
      expect(pidsOf(/apps\/api\/src\/main\.ts/)).toEqual([api]);
      expect(pidsOf(/apps\/worker\/src\/main\.ts/)).toEqual([worker]);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(processesOf(dir)).toEqual([]);
    },
  );
});
