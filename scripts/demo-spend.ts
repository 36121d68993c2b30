/**
 * The live demo feed of `pnpm start` (issue 11): synthetic spend for the demo holding through the real ingestion
 * path, `spend.ingest` over HTTP with an ingest key of the holding as the bearer. A steady trickle over the demo's
 * seats, deals and campaigns, shaped by the hour of the day, so reports, the watermark and credit balances move
 * within a minute. `TRELLIS_DEMO_SPEND=0` turns it off. The key is created once (by the demo holding's admin) and kept
 * in the data folder (mode 0600). No backfill: the demo's seats are mapped from the moment the demo was created, and
 * spend before that would be rejected as "seat not mapped" (SPEC 7).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Seat { id: string; dsp: string; seatId: string; holder: { id: string } }
interface Deal { dealId: string; cpmMicros: string; dsps: string[]; type: string }
interface Campaign { id: string; client: { id: string }; status: string }
interface Lane { dsp: string; seatId: string; dealId: string | null; auctionType: string; campaignId: string | null; currency: string; cpmMicros: number }

async function call<T>(base: string, name: string, input: unknown, token?: string, query = false): Promise<T> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = query
    ? await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
    : await fetch(`${base}/trpc/${name}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

/** Every (seat, deal or open auction, campaign or none) the holding's data allows today, with its currency. */
async function lanes(base: string, token: string, holdingId: string): Promise<Lane[]> {
  const seats = (await call<{ items: Seat[] }>(base, 'seats.list', { accountId: holdingId }, token, true)).items;
  const currency = new Map<string, string>();
  const currencyOf = async (id: string) => {
    if (!currency.has(id)) currency.set(id, (await call<{ currency: string }>(base, 'accounts.get', { accountId: id }, token, true)).currency);
    return currency.get(id)!;
  };
  const out: Lane[] = [];
  for (const s of seats) {
    const deals = (await call<{ items: Deal[] }>(base, 'deals.list', { accountId: s.holder.id, limit: 100 }, token, true)).items.filter((d) => d.dsps.includes(s.dsp));
    const campaigns = (await call<{ items: Campaign[] }>(base, 'campaigns.list', { accountId: s.holder.id }, token, true)).items.filter((c) => c.status === 'active');
    const holderCurrency = await currencyOf(s.holder.id);
    out.push({ dsp: s.dsp, seatId: s.seatId, dealId: null, auctionType: 'open_auction', campaignId: null, currency: holderCurrency, cpmMicros: 1_500_000 });
    for (const d of deals.slice(0, 3)) out.push({ dsp: s.dsp, seatId: s.seatId, dealId: d.dealId, auctionType: d.type, campaignId: null, currency: holderCurrency, cpmMicros: Number(d.cpmMicros) });
    for (const c of campaigns.slice(0, 4)) {
      const d = deals[out.length % Math.max(1, deals.length)];
      out.push({ dsp: s.dsp, seatId: s.seatId, dealId: d?.dealId ?? null, auctionType: d?.type ?? 'open_auction', campaignId: c.id, currency: await currencyOf(c.client.id), cpmMicros: d ? Number(d.cpmMicros) : 1_800_000 });
    }
  }
  return out;
}

/** Starts the trickle; returns a stop function. Never throws: a failure is logged and the feed stops. */
export async function startDemoSpend(opts: { base: string; dataDir: string; log: (line: string) => void; everyMs?: number }): Promise<() => void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { base, dataDir, log } = opts;
    const { token } = await call<{ token: string }>(base, 'auth.signIn', { email: 'admin@northwind.demo', password: 'trellis-demo' });
    const trees = await call<{ id: string; name: string; kind: string }[] | { id: string }>(base, 'accounts.tree', {}, token, true);
    const holding = (Array.isArray(trees) ? trees : [trees]).find((n) => 'name' in n && n.name === 'Northwind Group');
    if (!holding) throw new Error('the demo holding is not there');
    const keyFile = path.join(dataDir, 'demo-ingest-key');
    let key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
    if (!key) {
      key = (await call<{ key: string }>(base, 'ingestKeys.create', { accountId: holding.id, name: 'Demo feed' }, token)).key;
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    }
    let all = await lanes(base, token, holding.id);
    let ticks = 0;
    log(`[demo-spend] feeding ${all.length} lanes of the demo holding through spend.ingest (TRELLIS_DEMO_SPEND=0 turns it off)`);
    const tick = async () => {
      ticks++;
      if (ticks % 60 === 0) all = await lanes(base, token, holding.id); // seats move, campaigns pause
      const now = new Date();
      // busier in the day than at night, in the holding's own day (roughly)
      const shape = 0.35 + 0.65 * Math.max(0, Math.sin(((now.getUTCHours() + now.getUTCMinutes() / 60 - 5) / 24) * 2 * Math.PI));
      const records = all.flatMap((l) => {
        if (Math.random() > 0.5) return [];
        const impressions = Math.max(1, Math.round((200 + Math.random() * 800) * shape));
        const clicks = Math.floor(impressions * Math.random() * 0.02);
        const spendMicros = Math.max(1, Math.round((impressions * l.cpmMicros * (0.8 + Math.random() * 0.4)) / 1000));
        const { cpmMicros: _cpm, ...rest } = l;
        return [{ ...rest, eventId: `demo-${randomUUID()}`, occurredAt: now.toISOString(), impressions, clicks, spendMicros }];
      });
      if (records.length === 0) return;
      const res = await call<{ accepted: number; rejected: { reason: string }[] }>(base, 'spend.ingest', { accountId: holding.id, records }, key);
      if (res.rejected.length) log(`[demo-spend] ${res.rejected.length} rejected (${[...new Set(res.rejected.map((r) => r.reason))].join(', ')})`);
    };
    const loop = () => {
      timer = setTimeout(() => {
        tick()
          .catch((e: unknown) => log(`[demo-spend] ${(e as Error).message}`))
          .finally(loop);
      }, opts.everyMs ?? 5000);
      timer.unref();
    };
    await tick();
    loop();
  } catch (e) {
    opts.log(`[demo-spend] not started: ${(e as Error).message}`);
  }
  return () => clearTimeout(timer);
}
