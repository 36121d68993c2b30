import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '@trellis/db';
import { createTestDatabase, tsNode, type TestDatabase } from '@trellis/db/testing';

/** The worker runs as its own process, against a real database. */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const main = path.resolve(import.meta.dirname, 'main.ts');

function startWorker(env: Record<string, string>) {
  const child = spawn(...tsNode(main), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

describe('worker process', () => {
  it('checks the schema, beats into worker_heartbeats, and stops cleanly on SIGTERM', async () => {
    const w = startWorker({ DATABASE_URL: t.url, TRELLIS_WORKER_HEARTBEAT_MS: '200' });
    const deadline = Date.now() + 30_000;
    let beats: { beat_at: Date; schema_version: string }[] = [];
    while (Date.now() < deadline) {
      beats = await t.db.selectFrom('worker_heartbeats').select(['beat_at', 'schema_version']).execute();
      if (beats.length && Date.now() - beats[0]!.beat_at.getTime() < 1000 && w.output().split('heartbeat').length > 3)
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(beats).toHaveLength(1);
    expect(beats[0]!.schema_version).toBe(SCHEMA_VERSION);
    expect(w.output()).toMatch(/"msg":"heartbeat /);
    process.kill(-w.child.pid!, 'SIGTERM');
    expect(await w.exited).toBe(0);
    // a stopped worker takes its heartbeat with it: readiness must not count it for another minute
    expect(await t.db.selectFrom('worker_heartbeats').select('worker_id').execute()).toEqual([]);
  }, 60_000);

  it('refuses to run against a schema newer than its own', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('99991231_9999_future', now()::text)`.execute(
      t.db,
    );
    try {
      const w = startWorker({ DATABASE_URL: t.url });
      expect(await w.exited).toBe(1);
      expect(w.output()).toMatch(/newer than this worker/);
    } finally {
      await sql`delete from kysely_migration where name = '99991231_9999_future'`.execute(t.db);
    }
  }, 60_000);
});
