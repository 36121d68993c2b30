import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { passwordFileOf, startEmbeddedPostgres } from './embedded';

const repo = path.resolve(import.meta.dirname, '../../..');
const isRoot = process.getuid?.() === 0;

async function canConnect(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query('select 1');
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  } finally {
    await c.end().catch(() => {});
  }
}

describe('embedded PostgreSQL', () => {
  it(
    'gives each data folder its own random password, stored 0600 beside it, refuses a wrong one and keeps it across restarts',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'trellis-embedded-'));
      chmodSync(dir, 0o755);
      try {
        const a = await startEmbeddedPostgres({ dataDir: path.join(dir, 'a') });
        const passA = readFileSync(passwordFileOf(path.join(dir, 'a')), 'utf8').trim();
        expect(statSync(passwordFileOf(path.join(dir, 'a'))).mode & 0o777).toBe(0o600);
        expect(passA).toMatch(/^[\w-]{32}$/);
        expect(await canConnect(a.url)).toBe('ok');
        const wrong = new URL(a.url);
        wrong.password = 'trellis';
        expect(await canConnect(wrong.toString())).toBe('28P01'); // invalid_password
        await a.stop();

        const b = await startEmbeddedPostgres({ dataDir: path.join(dir, 'b') });
        expect(readFileSync(passwordFileOf(path.join(dir, 'b')), 'utf8').trim()).not.toBe(passA);
        await b.stop();

        const again = await startEmbeddedPostgres({ dataDir: path.join(dir, 'a') });
        expect(decodeURIComponent(new URL(again.url).password)).toBe(passA);
        expect(await canConnect(again.url)).toBe('ok');
        await again.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    'replaces the fixed password of a data folder made before random passwords on its next start',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'trellis-embedded-'));
      chmodSync(dir, 0o755);
      const data = path.join(dir, 'old');
      try {
        const first = await startEmbeddedPostgres({ dataDir: data });
        const c = new pg.Client({ connectionString: first.url });
        await c.connect();
        await c.query("alter role trellis password 'trellis'");
        await c.end();
        await first.stop();
        await rm(passwordFileOf(data));

        const again = await startEmbeddedPostgres({ dataDir: data });
        const fresh = readFileSync(passwordFileOf(data), 'utf8').trim();
        expect(fresh).not.toBe('trellis');
        expect(statSync(passwordFileOf(data)).mode & 0o777).toBe(0o600);
        expect(await canConnect(again.url)).toBe('ok');
        const old = new URL(again.url);
        old.password = 'trellis';
        expect(await canConnect(old.toString())).toBe('28P01');
        await again.stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!isRoot)(
    'starts as root from a clone in a 0700 folder the postgres user cannot enter (runs only as root)',
    { timeout: 120_000 },
    async () => {
      const home = mkdtempSync(path.join(tmpdir(), 'trellis-root-'));
      chmodSync(home, 0o700);
      const fallback = mkdtempSync(path.join(tmpdir(), 'trellis-fallback-'));
      chmodSync(fallback, 0o755);
      try {
        const clone = path.join(home, 'trellis');
        execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repo, clone], { stdio: 'pipe' });
        execFileSync('pnpm', ['install', '--offline', '--frozen-lockfile', '--silent'], {
          cwd: clone,
          stdio: 'pipe',
          env: { ...process.env, CI: '1' },
        });
        const script = path.join(clone, 'packages/db/probe.ts');
        writeFileSync(
          script,
          `import pg from 'pg';
import { startEmbeddedPostgres } from './src/embedded.ts';
const s = await startEmbeddedPostgres({
  dataDir: ${JSON.stringify(path.join(clone, '.data/postgres'))},
  rootFallbackDir: ${JSON.stringify(fallback)},
});
const c = new pg.Client({ connectionString: s.url });
await c.connect();
const r = await c.query('select current_user as u');
await c.end();
await s.stop();
console.log('connected as ' + r.rows[0].u);
`,
        );
        const out = execFileSync(path.join(clone, 'node_modules/.bin/tsx'), [script], {
          cwd: path.join(clone, 'packages/db'),
          stdio: 'pipe',
          timeout: 60_000,
        }).toString();
        expect(out).toContain('connected as trellis');
        expect(statSync(passwordFileOf(path.join(clone, '.data/postgres'))).mode & 0o777).toBe(0o600);
      } finally {
        await rm(home, { recursive: true, force: true });
        await rm(fallback, { recursive: true, force: true });
      }
    },
  );
});
