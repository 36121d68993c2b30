/**
 * The live demo feed of `pnpm start` (issue 11): synthetic spend for the demo holding through the real ingestion
 * path, `spend.ingest` over HTTP with an ingest key of the holding as the bearer. A steady trickle over the demo's
 * seats, deals and campaigns, shaped by the hour of the day, so reports, the watermark and credit balances move
 * within a minute. `TRELLIS_DEMO_SPEND=0` turns it off. The key is created once (by the demo holding's admin) and kept
 * in the data folder (mode 0600).
 *
 * On first start (no key yet) a backfill of the last 30 days comes first, through the same `spend.ingest`, in batches
 * of 5,000 records (the seed maps the demo's seats 31 days back). It covers what the seeded month (the campaign
 * clients' records, ingested and rolled up by `seedDemo`) does not: the spend of seats held by the holding and its
 * agencies (no client is debited for it) and the campaign of DEMO_FED_CLIENT, the one client without seeded history,
 * which the running worker then debits day by day.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_FED_CLIENT } from '@trellis/api/demo';

interface Seat {
  id: string;
  dsp: string;
  seatId: string;
  holder: { id: string };
}
interface Deal {
  dealId: string;
  cpmMicros: string;
  dsps: string[];
  type: string;
}
interface Campaign {
  id: string;
  client: { id: string; name?: string };
  status: string;
}
export interface Lane {
  holderKind: string;
  clientName: string | null;
  dsp: string;
  seatId: string;
  dealId: string | null;
  auctionType: string;
  campaignId: string | null;
  currency: string;
  cpmMicros: number;
}

async function call<T>(base: string, name: string, input: unknown, token?: string, query = false): Promise<T> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
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

/** Every (seat, deal or open auction, campaign or none) the holding's data allows today, with its currency. */
export async function lanes(base: string, token: string, holdingId: string): Promise<Lane[]> {
  const seats = (await call<{ items: Seat[] }>(base, 'seats.list', { accountId: holdingId }, token, true)).items;
  const accountsById = new Map<string, { currency: string; kind: string; name: string }>();
  const accountOf = async (id: string) => {
    if (!accountsById.has(id))
      accountsById.set(
        id,
        await call<{ currency: string; kind: string; name: string }>(
          base,
          'accounts.get',
          { accountId: id },
          token,
          true,
        ),
      );
    return accountsById.get(id)!;
  };
  const out: Lane[] = [];
  for (const s of seats) {
    const deals = (
      await call<{ items: Deal[] }>(base, 'deals.list', { accountId: s.holder.id, limit: 100 }, token, true)
    ).items.filter((d) => d.dsps.includes(s.dsp));
    const campaigns = (
      await call<{ items: Campaign[] }>(base, 'campaigns.list', { accountId: s.holder.id }, token, true)
    ).items.filter((c) => c.status === 'active');
    const holder = await accountOf(s.holder.id);
    const holderCurrency = holder.currency;
    const own = { holderKind: holder.kind, clientName: holder.kind === 'client' ? holder.name : null };
    out.push({
      ...own,
      dsp: s.dsp,
      seatId: s.seatId,
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      currency: holderCurrency,
      cpmMicros: 1_500_000,
    });
    for (const d of deals.slice(0, 3))
      out.push({
        ...own,
        dsp: s.dsp,
        seatId: s.seatId,
        dealId: d.dealId,
        auctionType: d.type,
        campaignId: null,
        currency: holderCurrency,
        cpmMicros: Number(d.cpmMicros),
      });
    // the first four campaigns under the seat's holder, and the fed client's (see the backfill) wherever it is covered
    const fed = [];
    for (const c of campaigns) if ((await accountOf(c.client.id)).name === DEMO_FED_CLIENT) fed.push(c);
    for (const c of [...new Set([...campaigns.slice(0, 4), ...fed])]) {
      const d = deals[out.length % Math.max(1, deals.length)];
      const client = await accountOf(c.client.id);
      out.push({
        holderKind: holder.kind,
        clientName: client.name,
        dsp: s.dsp,
        seatId: s.seatId,
        dealId: d?.dealId ?? null,
        auctionType: d?.type ?? 'open_auction',
        campaignId: c.id,
        currency: client.currency,
        cpmMicros: d ? Number(d.cpmMicros) : 1_800_000,
      });
    }
  }
  return out;
}

/** Busier in the day than at night, in the holding's own day (roughly): 0.35 at night to 1 mid-afternoon. */
const hourShape = (at: Date) =>
  0.35 + 0.65 * Math.max(0, Math.sin(((at.getUTCHours() + at.getUTCMinutes() / 60 - 5) / 24) * 2 * Math.PI));
/** Weekends are quieter, and the month grows a little towards today. */
const dayShape = (at: Date, daysAgo: number) =>
  (at.getUTCDay() === 0 || at.getUTCDay() === 6 ? 0.65 : 1) * (1 - daysAgo / 150);

/** The record fields of a lane (what spend.ingest takes). */
const fieldsOf = (l: Lane) => ({
  dsp: l.dsp,
  seatId: l.seatId,
  dealId: l.dealId,
  auctionType: l.auctionType,
  campaignId: l.campaignId,
  currency: l.currency,
});

/** The lanes the backfill covers: spend no client is debited for, and the fed client's. */
export const backfillLanes = (all: Lane[]) =>
  all.filter((l) => (l.campaignId === null && l.holderKind !== 'client') || l.clientName === DEMO_FED_CLIENT);

/**
 * The backfill: `days` days of records before `now`, two an hour on each lane, shaped by the hour and the weekday,
 * through spend.ingest in batches of at most `batch` records. Event ids are fixed by lane, hour and slot, so a
 * backfill interrupted and run again adds nothing twice. Returns what spend.ingest answered, summed.
 */
export async function backfillDemoSpend(opts: {
  base: string;
  key: string;
  holdingId: string;
  lanes: Lane[];
  now: Date;
  days?: number;
  batch?: number;
  log: (line: string) => void;
}) {
  const days = opts.days ?? 30;
  const batch = Math.min(opts.batch ?? 5_000, 10_000);
  let seed = 20261126;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const HOUR = 3_600_000;
  const lastHour = Math.floor(opts.now.getTime() / HOUR) * HOUR;
  const records: Record<string, unknown>[] = [];
  for (let h = lastHour - days * 24 * HOUR; h < lastHour; h += HOUR) {
    const at = new Date(h);
    const shape = hourShape(at) * dayShape(at, (lastHour - h) / (24 * HOUR));
    for (const [i, l] of opts.lanes.entries()) {
      for (const slot of [0, 1]) {
        // about 2.5 units of the lane's currency an hour at the busiest (25 for NOK)
        const spendMicros = Math.max(
          1,
          Math.round(1_250_000 * (l.currency === 'NOK' ? 10 : 1) * shape * (0.7 + rand() * 0.6)),
        );
        const impressions = Math.max(1, Math.round((spendMicros * 1000) / l.cpmMicros));
        const clicks = Math.floor(impressions * rand() * 0.02);
        const occurredAt = new Date(h + slot * 30 * 60_000 + Math.floor(rand() * 30 * 60_000)).toISOString();
        records.push({
          ...fieldsOf(l),
          eventId: `demo-backfill-${i}-${h / HOUR}-${slot}`,
          occurredAt,
          impressions,
          clicks,
          spendMicros,
        });
      }
    }
  }
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  for (let i = 0; i < records.length; i += batch) {
    const res = await call<{ accepted: number; duplicates: number; rejected: { reason: string }[] }>(
      opts.base,
      'spend.ingest',
      { accountId: opts.holdingId, records: records.slice(i, i + batch) },
      opts.key,
    );
    accepted += res.accepted;
    duplicates += res.duplicates;
    rejected += res.rejected.length;
    if (res.rejected.length)
      opts.log(
        `[demo-spend] backfill: ${res.rejected.length} rejected (${[...new Set(res.rejected.map((r) => r.reason))].join(', ')})`,
      );
    opts.log(`[demo-spend] backfill: ${Math.min(i + batch, records.length)}/${records.length} records sent`);
  }
  // the DSP restates a few hours of the previous day (SPEC 13): an invalid-traffic credit of 15% on the fed client's
  // lane, so a newcomer finds a correction in its ledger and its reports within the first minutes
  const fed = new Set(
    [...opts.lanes.entries()].filter(([, l]) => l.clientName === DEMO_FED_CLIENT).map(([i]) => `demo-backfill-${i}-`),
  );
  const dayStart = lastHour - 24 * HOUR - (lastHour % (24 * HOUR));
  const restated = records
    .filter((r) => {
      const t = Date.parse(r.occurredAt as string);
      return (
        t >= dayStart + 9 * HOUR &&
        t < dayStart + 13 * HOUR &&
        [...fed].some((f) => (r.eventId as string).startsWith(f))
      );
    })
    .map((r) => invalidTraffic(r, 1, 0.85));
  let corrected = 0;
  if (restated.length) {
    const res = await call<{ corrected: number }>(
      opts.base,
      'spend.ingest',
      { accountId: opts.holdingId, records: restated },
      opts.key,
    );
    corrected = res.corrected;
    opts.log(
      `[demo-spend] backfill: the DSP restated ${res.corrected} records of yesterday 09-13 UTC (invalid traffic)`,
    );
  }
  return { records: records.length, accepted, duplicates, rejected, corrected };
}

/** A record restated as invalid traffic: revision `revision`, its figures cut to `keep` of the original's. */
function invalidTraffic(r: Record<string, unknown>, revision: number, keep: number): Record<string, unknown> {
  const impressions = Math.floor((r.impressions as number) * keep);
  return {
    ...r,
    revision,
    correctionReason: 'invalid_traffic',
    impressions,
    clicks: Math.min(r.clicks as number, impressions),
    spendMicros: Math.floor((r.spendMicros as number) * keep),
  };
}

/** Starts the trickle; returns a stop function. Never throws: a failure is logged and the feed stops. */
export async function startDemoSpend(opts: {
  base: string;
  dataDir: string;
  log: (line: string) => void;
  everyMs?: number;
}): Promise<() => void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { base, dataDir, log } = opts;
    const { token } = await call<{ token: string }>(base, 'auth.signIn', {
      email: 'admin@northwind.demo',
      password: 'trellis-demo',
    });
    const trees = await call<{ id: string; name: string; kind: string }[] | { id: string }>(
      base,
      'accounts.tree',
      {},
      token,
      true,
    );
    const holding = (Array.isArray(trees) ? trees : [trees]).find((n) => 'name' in n && n.name === 'Northwind Group');
    if (!holding) throw new Error('the demo holding is not there');
    const keyFile = path.join(dataDir, 'demo-ingest-key');
    // the backfill runs on first start, and again on a start after one that was interrupted before it finished
    const pendingFile = path.join(dataDir, 'demo-backfill-pending');
    let key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
    if (!key) {
      key = (
        await call<{ key: string }>(base, 'ingestKeys.create', { accountId: holding.id, name: 'Demo feed' }, token)
      ).key;
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(pendingFile, 'the 30-day backfill of the demo feed has not finished\n');
      writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    }
    let all = await lanes(base, token, holding.id);
    if (existsSync(pendingFile)) {
      const covered = backfillLanes(all);
      log(
        `[demo-spend] backfilling the last 30 days over ${covered.length} lanes ` +
          `(spend no client pays for, and ${DEMO_FED_CLIENT}'s campaign)`,
      );
      const r = await backfillDemoSpend({ base, key, holdingId: holding.id, lanes: covered, now: new Date(), log });
      log(
        `[demo-spend] backfill done: ${r.accepted} accepted, ${r.duplicates} duplicates, ${r.rejected} rejected of ${r.records}`,
      );
      rmSync(pendingFile, { force: true });
    }
    let ticks = 0;
    // what this run sent, for the DSP's restatements now and then (bounded: the last 2,000 records)
    const sent: Record<string, unknown>[] = [];
    const revisions = new Map<string, number>();
    log(
      `[demo-spend] feeding ${all.length} lanes of the demo holding through spend.ingest (TRELLIS_DEMO_SPEND=0 turns it off)`,
    );
    const tick = async () => {
      ticks++;
      if (ticks % 60 === 0) all = await lanes(base, token, holding.id); // seats move, campaigns pause
      const now = new Date();
      // busier in the day than at night, in the holding's own day (roughly)
      const shape = hourShape(now);
      // a record on a quarter of the lanes a tick, ~0.04 units of the lane's currency each (0.4 for NOK): ~7 units a
      // lane an hour at the busiest, about three times the backfill's pace. Enough for reports and balances to move
      // by cents within a minute, while a seeded balance lasts days, not minutes.
      const records = all.flatMap((l) => {
        if (Math.random() > 0.25) return [];
        const spendMicros = Math.max(
          1,
          Math.round(40_000 * (l.currency === 'NOK' ? 10 : 1) * shape * (0.5 + Math.random())),
        );
        const impressions = Math.max(1, Math.round((spendMicros * 1000) / l.cpmMicros));
        const clicks = Math.floor(impressions * Math.random() * 0.02);
        return [
          {
            ...fieldsOf(l),
            eventId: `demo-${randomUUID()}`,
            occurredAt: now.toISOString(),
            impressions,
            clicks,
            spendMicros,
          },
        ];
      });
      // every 10 minutes (the first after half a minute), the DSP restates a tenth of what it reported before: an
      // invalid-traffic credit of 20% (SPEC 13), which the worker applies to reports and credits
      if (ticks % 120 === 6) {
        const older = sent.filter((r) => Date.parse(r.occurredAt as string) < now.getTime() - 20_000);
        const picked = older.filter((_, i) => i % 10 === 0);
        const restated = picked.map((r) => {
          const revision = (revisions.get(r.eventId as string) ?? 0) + 1;
          revisions.set(r.eventId as string, revision);
          return invalidTraffic(r, revision, 0.8 ** revision);
        });
        if (restated.length) {
          const res = await call<{ corrected: number }>(
            base,
            'spend.ingest',
            { accountId: holding.id, records: restated },
            key,
          );
          log(`[demo-spend] the DSP restated ${res.corrected} records (invalid traffic)`);
        }
      }
      sent.push(...records);
      if (sent.length > 2000) sent.splice(0, sent.length - 2000);
      if (records.length === 0) return;
      const res = await call<{ accepted: number; rejected: { reason: string }[] }>(
        base,
        'spend.ingest',
        { accountId: holding.id, records },
        key,
      );
      if (res.rejected.length)
        log(
          `[demo-spend] ${res.rejected.length} rejected (${[...new Set(res.rejected.map((r) => r.reason))].join(', ')})`,
        );
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
