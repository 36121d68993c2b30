import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@trellis/db/embedded';
import { DEMO_FED_CLIENT, DEMO_PASSWORD } from './demo';
import { dataDir as newDataDir, ready, releaseStarts, start, until } from './start-support';

/**
 * Issue 11 item 6, with real processes: `scripts/start.ts` with the demo, its 30-day backfill through spend.ingest,
 * the worker's rollup, and what the holding's reports and the fed client's credits show afterwards.
 */
const dataDir = () => newDataDir('trellis-feed-');
afterAll(releaseStarts);

async function call<T>(base: string, name: string, input: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const query = !['auth.signIn'].includes(name);
  const res = query
    ? await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
    : await fetch(`${base}/trpc/${name}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

interface Node {
  id: string;
  name: string;
  children: Node[];
}
const find = (n: Node, name: string): Node | undefined =>
  n.name === name ? n : n.children.map((c) => find(c, name)).find(Boolean);
async function demoHolding(base: string, token: string): Promise<Node> {
  const tree = await call<Node[] | Node>(base, 'accounts.tree', {}, token);
  return (Array.isArray(tree) ? tree : [tree]).find((n) => n.name === 'Northwind Group')!;
}

const DAY = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('pnpm start, live demo', () => {
  it(
    "backfills 30 days on first start: the holding's report has rows on 28+ days, the fed client's usage spreads over them",
    { timeout: 300_000 },
    async () => {
      const dir = dataDir();
      const port = await freePort();
      const run = start(dir, port, { TRELLIS_DEMO: '1' });
      try {
        await ready(port, run);
        const base = `http://127.0.0.1:${port}`;
        await until(`the backfill to finish\n${run.out()}`, 180_000, () =>
          /backfill done: (\d+) accepted, 0 duplicates, 0 rejected/.test(run.out()) ? true : undefined,
        );
        expect(run.out()).toMatch(/backfill: \d+\/\d+ records sent/);
        const { token } = await call<{ token: string }>(base, 'auth.signIn', {
          email: 'admin@northwind.demo',
          password: DEMO_PASSWORD,
        });
        const holding = await demoHolding(base, token);
        const from = dayOf(Date.now() - 29 * DAY);
        const to = dayOf(Date.now() + DAY); // the holding's day (Copenhagen) may be ahead of UTC's
        // the worker rolls the backfill up: the report fills day by day
        const days = await until('a 30-day report with rows on 28+ days', 90_000, async () => {
          const r = await call<{ rows: { day: string; spendMicros: string }[] }>(
            base,
            'reports.run',
            { accountId: holding.id, from, to, groupBy: ['day'] },
            token,
          );
          const d = new Set(r.rows.filter((x) => BigInt(x.spendMicros) > 0n).map((x) => x.day));
          return d.size >= 28 ? d : undefined;
        });
        expect(days.size).toBeGreaterThanOrEqual(28);
        // the fed client: its usage per day comes from the backfill's records, debited by the worker into their own days
        const fed = find(holding, DEMO_FED_CLIENT)!.id;
        const usage = await until("the fed client's usage over 28+ days", 60_000, async () => {
          const u = await call<{ items: { day: string; spentMicros: string }[] }>(
            base,
            'credits.usage',
            { clientId: fed, from, to },
            token,
          );
          return u.items.filter((i) => BigInt(i.spentMicros) > 0n).length >= 28 ? u.items : undefined;
        });
        const spent = usage.map((i) => BigInt(i.spentMicros));
        const total = spent.reduce((a, b) => a + b, 0n);
        const today = BigInt(usage.find((i) => i.day === dayOf(Date.now()))?.spentMicros ?? '0');
        expect(today * 5n).toBeLessThan(total); // not all today: the worker dated each day's debit in its day
        // the DSP restated a few hours of yesterday (SPEC 13): the fed client's ledger shows the invalid-traffic credit
        expect(run.out()).toMatch(/the DSP restated [1-9]\d* records of yesterday/);
        const credited = await until("the fed client's invalid-traffic credit", 60_000, async () => {
          const l = await call<{
            items: { amountMicros: string; correction: { reasons: { reason: string }[] } | null }[];
          }>(base, 'credits.ledger', { clientId: fed, kinds: ['spend_correction'] }, token);
          return l.items.length ? l.items : undefined;
        });
        expect(credited[0]!.correction!.reasons.map((r) => r.reason)).toEqual(['invalid_traffic']);
        expect(BigInt(credited[0]!.amountMicros)).toBeGreaterThan(0n);
      } finally {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    },
  );

  it('feeds nothing, backfill included, with TRELLIS_DEMO_SPEND=0', { timeout: 180_000 }, async () => {
    const dir = dataDir();
    const port = await freePort();
    const run = start(dir, port, { TRELLIS_DEMO: '1', TRELLIS_DEMO_SPEND: '0' });
    try {
      await ready(port, run);
      const base = `http://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 3_000));
      const { token } = await call<{ token: string }>(base, 'auth.signIn', {
        email: 'admin@northwind.demo',
        password: DEMO_PASSWORD,
      });
      const holding = await demoHolding(base, token);
      // the seeded month is there (demo data, ingested without a key); nothing came through the feed's ingest key
      const status = await call<{ batches: { keyId: string | null }[] }>(
        base,
        'spend.status',
        { accountId: holding.id },
        token,
      );
      expect(status.batches.length).toBeGreaterThan(0);
      expect(status.batches.filter((b) => b.keyId !== null)).toEqual([]);
      expect(existsSync(path.join(dir, 'demo-ingest-key'))).toBe(false);
      expect(run.out()).not.toMatch(/demo spend|demo-spend/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
