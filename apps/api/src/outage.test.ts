import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@trellis/db/embedded';
import { dataDir, processesOf, ready, releaseStarts, start, until } from './start-support';

/**
 * Issue 21, with real processes: `pnpm start` (scripts/start.ts) on the embedded PostgreSQL, which the test pauses
 * (SIGSTOP of every PostgreSQL process: the server accepts connections into its backlog and answers nothing). Every
 * request answers 503 within seconds, none hangs; when the server is resumed everything recovers without a restart.
 */
afterAll(releaseStarts);

const EMAIL = 'op@outage.test';
const PASSWORD = 'outage password 1';

describe('a paused database', () => {
  it(
    'costs 503s within seconds while paused, never a hang; everything recovers when it resumes, nothing restarts',
    { timeout: 300_000 },
    async () => {
      const dir = dataDir('trellis-outage-');
      const port = await freePort();
      const run = start(dir, port, { TRELLIS_ADMIN_EMAIL: EMAIL, TRELLIS_ADMIN_PASSWORD: PASSWORD });
      await ready(port, run);
      const base = `http://127.0.0.1:${port}`;
      const signIn = () =>
        fetch(`${base}/trpc/auth.signIn`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
          signal: AbortSignal.timeout(20_000),
        });
      const signedIn = await signIn();
      expect(signedIn.status).toBe(200);
      const { token } = ((await signedIn.json()) as { result: { data: { token: string } } }).result.data;
      const auth = { authorization: `Bearer ${token}` };
      const me = () => fetch(`${base}/trpc/auth.me`, { headers: auth, signal: AbortSignal.timeout(20_000) });
      expect((await me()).status).toBe(200);
      const pids = (what: RegExp) =>
        processesOf(dir)
          .filter((p) => what.test(p.cmd))
          .map((p) => p.pid);
      const appPids = pids(/apps\/(api|worker)\/src\/main\.ts/).sort();
      // the postmaster and its children (backends, checkpointer, ...: their titles overwrite their environment)
      const postmaster = pids(/\/postgres -D /);
      expect(postmaster.length).toBe(1);
      const database = [
        postmaster[0]!,
        ...readFileSync(`/proc/${postmaster[0]}/task/${postmaster[0]}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .map(Number),
      ];
      expect(database.length).toBeGreaterThan(3);

      for (const pid of database) process.kill(pid, 'SIGSTOP');
      try {
        // two rounds: connections already open (the pool's idle ones) and new ones both answer 503
        for (let round = 0; round < 2; round++) {
          const started = Date.now();
          const answers = await Promise.all([
            me(),
            signIn(),
            fetch(`${base}/readyz`, { signal: AbortSignal.timeout(20_000) }),
            fetch(`${base}/trpc/spend.ingest`, {
              method: 'POST',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ accountId: '00000000-0000-4000-8000-000000000000', records: [] }),
              signal: AbortSignal.timeout(20_000),
            }),
          ]);
          const elapsed = Date.now() - started;
          for (const res of answers) {
            const text = await res.text();
            expect(res.status, text).toBe(503);
            expect(text).not.toMatch(/<html|node_modules|ECONNREFUSED|at .*\.ts:\d+/i);
          }
          // far below the 20 s the abort above allows: the api's limits (3 s to connect, 6 s for an answer)
          expect(elapsed, `round ${round} took ${elapsed} ms`).toBeLessThan(15_000);
        }
      } finally {
        for (const pid of database) process.kill(pid, 'SIGCONT');
      }
      await until(
        () => `recovery\n${run.out()}`,
        60_000,
        async () => {
          try {
            const [r, m] = await Promise.all([fetch(`${base}/readyz`), me()]);
            return r.status === 200 && m.status === 200 ? true : undefined;
          } catch {
            return undefined;
          }
        },
      );
      // the same processes: nothing crashed, nothing was restarted
      expect(pids(/apps\/(api|worker)\/src\/main\.ts/).sort()).toEqual(appPids);
      expect(run.out()).not.toMatch(/exited with code|restarting the database/);
      run.child.kill('SIGTERM');
      expect(await run.exited).toEqual({ code: 0, signal: null });
    },
  );
});
