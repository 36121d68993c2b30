import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '@trellis/db';
import { tsNode, useTestDatabase } from '@trellis/db/testing';
import { createApp, type AppOptions } from './app';
import { createLogger } from './lib/log';
import { holdingWithAdmin, TEST_PASSWORD } from './testing';

/** Issue 12: what an operator's log pipeline, Prometheus and load balancer see of the api. */
const t = useTestDatabase();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** The real app on a real socket, its logs (JSON lines, down to debug) captured. */
async function serve(extra: Partial<AppOptions> = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = createApp({
    db: t.db,
    publicUrl: 'http://localhost',
    logger: createLogger('api', { level: 'debug', destination }),
    ...extra,
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const call = async (name: string, input: unknown, token?: string) => {
    const res = await fetch(`${base}/trpc/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { result?: { data: any }; error?: { data: { code: string } } };
    return { res, id: res.headers.get('x-request-id'), data: body.result?.data, code: body.error?.data.code ?? 'ok' };
  };
  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { base, call, lines, logged };
}

describe('request logs', () => {
  it('survives a malformed escape in the path (an anonymous request) and logs it as an unknown procedure', async () => {
    const s = await serve();
    for (const bad of ['/trpc/auth.me%E0%A4%A', '/trpc/%', '/trpc/a,%ZZ', '/%E0%A4%A']) {
      const res = await fetch(`${s.base}${bad}`);
      expect(res.status, bad).toBeGreaterThanOrEqual(400);
      expect(res.status, bad).toBeLessThan(500);
    }
    await new Promise((r) => setTimeout(r, 50)); // the observations run after the response
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    const requests = s.logged().filter((l) => l.msg === 'request' && l.path === '/trpc');
    expect(requests.length).toBe(3);
    expect(
      requests.every((l) =>
        String(l.procedure)
          .split(',')
          .every((p) => p === 'unknown'),
      ),
    ).toBe(true);
  });

  it('logs each request once (id echoed in X-Request-Id, procedure, user, duration, outcome), never a secret', async () => {
    const { holding, admin } = await holdingWithAdmin(t.db);
    const agency = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
    const client = await admin.caller.accounts.create({
      parentId: agency.id,
      name: 'C',
      kind: 'client',
      currency: 'EUR',
      timeZone: 'UTC',
    });
    const s = await serve();

    const wrong = await s.call('auth.signIn', { email: 'admin@holding.test', password: 'not the password at all' });
    expect(wrong.code).toBe('UNAUTHORIZED');
    const signIn = await s.call('auth.signIn', { email: 'admin@holding.test', password: TEST_PASSWORD });
    const session: string = signIn.data.token;
    expect(session).toMatch(/.{20,}/);
    const CARD = '4242424242424242';
    const card = await s.call(
      'credits.addCard',
      { clientId: client.id, number: CARD, expMonth: 12, expYear: 2030, cvc: '987' },
      session,
    );
    expect(card.code).toBe('ok');
    const topUp = await s.call(
      'credits.topUp',
      { clientId: client.id, amountMicros: 25_000_000, paymentMethodId: card.data.id, idempotencyKey: 'log-test-1' },
      session,
    );
    expect(topUp.code).toBe('ok');
    const inv = await admin.caller.members.invite({ accountId: holding.id, email: 'new@x.test', role: 'analyst' });
    const preview = await fetch(
      `${s.base}/trpc/invitations.preview?input=${encodeURIComponent(JSON.stringify({ token: inv.token }))}`,
    );
    expect(preview.status).toBe(200);
    const NEW_PASSWORD = 'a brand new long passphrase 77';
    const accept = await s.call('members.acceptInvitation', {
      token: inv.token,
      name: 'New',
      password: NEW_PASSWORD,
    });
    expect(accept.code).toBe('ok');
    // the caller's own id is taken when it is a plain token
    const traced = await fetch(`${s.base}/healthz`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(traced.headers.get('x-request-id')).toBe('trace-abc.123');
    const forged = await fetch(`${s.base}/healthz`, { headers: { 'x-request-id': 'two words\u00e9' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // without the request ids, times, durations and pid (their digits may hold "987" by chance)
    const all = s.lines
      .join('\n')
      .replace(/"reqId":"[^"]*"/g, '')
      .replace(/"time":"[^"]*"/g, '')
      .replace(/"(ms|pid)":[\d.]+/g, '');
    for (const secret of [
      TEST_PASSWORD,
      NEW_PASSWORD,
      session,
      accept.data.token,
      inv.token!,
      CARD,
      CARD.slice(-8),
      '987',
    ]) {
      expect(all).not.toContain(secret);
    }
    const requests = s.logged().filter((l) => l.msg === 'request');
    const byId = (id: string | null) => requests.filter((l) => l.reqId === id);
    for (const r of [wrong, signIn, card, topUp, accept]) expect(byId(r.id)).toHaveLength(1);
    expect(byId(wrong.id)[0]).toMatchObject({
      procedure: 'auth.signIn',
      outcome: 'UNAUTHORIZED',
      status: 401,
      userId: null,
      path: '/trpc',
      level: 30,
    });
    expect(byId(card.id)[0]).toMatchObject({
      procedure: 'credits.addCard',
      outcome: 'ok',
      status: 200,
      userId: admin.user.id,
      method: 'POST',
    });
    expect(byId(topUp.id)[0]).toMatchObject({ procedure: 'credits.topUp', outcome: 'ok', userId: admin.user.id });
    expect(byId(card.id)[0]!.ms).toEqual(expect.any(Number));
    expect(byId('trace-abc.123')[0]).toMatchObject({ procedure: '/healthz', outcome: 'ok', level: 20 }); // probes log at debug
  });
});

/** A minimal Prometheus text-format (0.0.4) reader: every sample line must parse, else it throws. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(
        line,
      );
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

describe('GET /metrics', () => {
  it('answers Prometheus text that counts requests per procedure and outcome and the sign-in refusals', async () => {
    await holdingWithAdmin(t.db);
    const s = await serve();
    const scrape = async () => {
      const res = await fetch(`${s.base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await res.text());
    };
    const before = await scrape();
    expect(before.get('trellis_sign_in_failures_total')).toBe(0);
    expect(before.get('trellis_spend_records_ingested')).toBe(0);
    expect(before.get('trellis_worker_rollup_lag_records')).toBe(0);
    expect(before.get('trellis_credit_debits')).toBe(0);
    expect((await s.call('auth.signIn', { email: 'admin@holding.test', password: TEST_PASSWORD })).code).toBe('ok');
    for (let i = 0; i < 2; i++)
      expect((await s.call('auth.signIn', { email: 'admin@holding.test', password: 'wrong wrong wrong' })).code).toBe(
        'UNAUTHORIZED',
      );
    const after = await scrape();
    expect(after.get('trellis_http_request_duration_seconds_count{procedure="auth.signIn",outcome="ok"}')).toBe(1);
    expect(
      after.get('trellis_http_request_duration_seconds_count{procedure="auth.signIn",outcome="UNAUTHORIZED"}'),
    ).toBe(2);
    expect(after.get('trellis_http_request_duration_seconds_count{procedure="/metrics",outcome="ok"}')).toBe(1);
    expect(after.get('trellis_sign_in_failures_total')).toBe(2);
    expect(after.get('trellis_sign_in_lockouts_total')).toBe(0);
    // a refusal before any call ran is the outcome of the calls named, never 'ok'
    const junk = await fetch(`${s.base}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(junk.status).toBe(400);
    const refused = await fetch(`${s.base}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(refused.status).toBe(415);
    const third = await scrape();
    expect(third.get('trellis_http_request_duration_seconds_count{procedure="auth.signIn",outcome="ok"}')).toBe(1);
    expect(third.get('trellis_http_request_duration_seconds_count{procedure="auth.signIn",outcome="http_415"}')).toBe(
      1,
    );
    expect(
      third.get('trellis_http_request_duration_seconds_count{procedure="auth.signIn",outcome="BAD_REQUEST"}'),
    ).toBe(1);
    // an unknown procedure name never becomes a label of its own
    await s.call('no.such.thing', {});
    expect([...(await scrape()).keys()].some((k) => k.includes('no.such.thing'))).toBe(false);
  });

  it('is hidden behind a proxy (forwarding header, TRELLIS_TRUST_PROXY); with TRELLIS_METRICS_TOKEN needs the token', async () => {
    const open = await serve();
    expect((await fetch(`${open.base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404);
    expect((await fetch(`${open.base}/metrics`, { headers: { 'x-real-ip': '203.0.113.9' } })).status).toBe(404);
    expect((await fetch(`${open.base}/metrics`)).status).toBe(200);
    // behind a configured proxy (on this machine every caller is a loopback peer, with or without a header): token only
    const proxied = await serve({ trustProxy: 'loopback' });
    expect((await fetch(`${proxied.base}/metrics`)).status).toBe(404);
    const TOKEN = 'metrics-token-0123456789';
    const guarded = await serve({ metricsToken: TOKEN });
    expect((await fetch(`${guarded.base}/metrics`)).status).toBe(404);
    expect(
      (await fetch(`${guarded.base}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456788' } }))
        .status,
    ).toBe(404);
    const ok = await fetch(`${guarded.base}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(ok.status).toBe(200);
    expect(parsePrometheus(await ok.text()).size).toBeGreaterThan(0);
  });
});

describe('GET /readyz', () => {
  it('names a database that does not answer without handing its error text (host, port, user) to an anonymous caller', async () => {
    const { createDb } = await import('@trellis/db');
    const dead = createDb('postgres://trellis_user:hunter2@127.0.0.1:1/nowhere', { max: 1 });
    try {
      const s = await serve({ db: dead });
      const res = await fetch(`${s.base}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ ready: false, database: 'does not answer (the api log says why)' });
      for (const secret of ['ECONNREFUSED', '127.0.0.1', 'trellis_user', 'hunter2']) expect(text).not.toContain(secret);
      expect(s.logged().some((l) => l.msg === 'not ready' && String(l.err).includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await dead.destroy();
    }
  });

  it(
    'answers 200 only with a live worker and the expected schema, and 503 naming what is missing',
    { timeout: 150_000 },
    async () => {
      const s = await serve();
      const ready = async () => {
        const res = await fetch(`${s.base}/readyz`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect(await ready()).toEqual({
        status: 503,
        body: { ready: false, database: 'ok', schema: 'ok', worker: 'no worker has ever beaten its heart' },
      });
      const worker = spawn(...tsNode(path.resolve(import.meta.dirname, '../../worker/src/main.ts')), {
        env: { ...process.env, DATABASE_URL: t.url, TRELLIS_WORKER_HEARTBEAT_MS: '500' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let workerOut = '';
      worker.stdout.on('data', (d) => (workerOut += d));
      worker.stderr.on('data', (d) => (workerOut += d));
      const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
      try {
        let r = await ready();
        for (const until = Date.now() + 90_000; r.status !== 200 && Date.now() < until; r = await ready())
          await new Promise((x) => setTimeout(x, 200));
        expect(r, workerOut).toEqual({
          status: 200,
          body: { ready: true, database: 'ok', schema: 'ok', worker: 'ok' },
        });
        // the schema the code expects, not merely some schema
        await sql`insert into kysely_migration (name, timestamp) values ('99991231_9999_future', now()::text)`.execute(
          t.db,
        );
        expect(await ready()).toMatchObject({
          status: 503,
          body: { ready: false, schema: `is 99991231_9999_future, expected ${SCHEMA_VERSION}`, worker: 'ok' },
        });
        await sql`delete from kysely_migration where name = '99991231_9999_future'`.execute(t.db);
      } finally {
        process.kill(-worker.pid!, 'SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(await ready(), workerOut).toMatchObject({
        status: 503,
        body: { ready: false, database: 'ok', worker: 'no worker has ever beaten its heart' },
      });
      // a worker that died without a word: its heartbeat grows old
      await t.db
        .insertInto('worker_heartbeats')
        .values({
          worker_id: 'gone:1',
          pid: 1,
          started_at: new Date(Date.now() - 600_000),
          beat_at: new Date(Date.now() - 90_000),
          schema_version: SCHEMA_VERSION,
        })
        .execute();
      expect(await ready()).toMatchObject({
        status: 503,
        body: { worker: expect.stringMatching(/^last heartbeat 9\d s ago \(more than 60 s\)$/) },
      });
      expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
    },
  );
});
