import { sql } from 'kysely';
import { connections, spend, type Db } from '@trellis/db';
import { callerAt, userWithCaller, type Caller } from './index';

/** Test helpers for reports: a clock-driven cast, records through the real ingestion path, and a naive model. */

export const T0 = Date.parse('2026-11-02T00:00:00Z');
export const at = (hours: number) => new Date(T0 + hours * 3_600_000);

export interface Person {
  token: string;
  userId: string;
  /** A caller whose clock reads T0 + hours. */
  at(hours: number): Promise<Caller>;
}

export async function person(db: Db, email: string, opts: { platformOperator?: boolean } = {}): Promise<Person> {
  const u = await userWithCaller(db, email, opts);
  return { token: u.token, userId: u.user.id, at: (h) => callerAt(db, u.token, at(h)) };
}

let seq = 0;
export interface Rec {
  occurredAt: Date;
  dsp: string;
  seatId: string;
  dealId: string | null;
  auctionType: string;
  campaignId: string | null;
  impressions: number;
  clicks: number;
  spendMicros: number | string;
  currency: string;
}
export const rec = (
  r: Omit<Rec, 'impressions' | 'clicks' | 'spendMicros'> & Partial<Pick<Rec, 'impressions' | 'clicks' | 'spendMicros'>>,
) => {
  const n = ++seq;
  return {
    eventId: `ev-${n}`,
    ...r,
    occurredAt: r.occurredAt.toISOString(),
    impressions: r.impressions ?? 100 + (n % 7) * 13,
    clicks: r.clicks ?? n % 5,
    spendMicros: r.spendMicros ?? 123_457 * ((n % 11) + 1),
  };
};

/** Ingests through spend.ingest (as the root's admin) and asserts every record was accepted. */
export async function ingest(caller: Caller, rootId: string, records: ReturnType<typeof rec>[]) {
  const res = await caller.spend.ingest({ accountId: rootId, records });
  if (res.rejected.length) throw new Error(`rejected: ${JSON.stringify(res.rejected.slice(0, 3))}`);
  return res;
}

/** Runs the rollup unit the worker runs (`spend.rollupUnit` of @trellis/db), in-process, until nothing is left. */
export async function rollAll(db: Db) {
  while (await spend.rollupUnit(db, () => new Date())) {
    /* next unit */
  }
}

export interface RawRecord {
  account_id: string;
  occurred_at: Date;
  dsp: string;
  seat_id: string;
  deal_id: string | null;
  auction_type: string;
  campaign_id: string | null;
  currency: string;
  impressions: string;
  clicks: string;
  spend_micros: string;
}

/** What the naive filter needs: every raw record and the facts of the current tree, read plainly. */
export async function facts(db: Db) {
  const records = (
    await sql<RawRecord>`
      select account_id, occurred_at, dsp, seat_id, deal_id, auction_type, campaign_id, currency::text as currency,
        impressions::text, clicks::text, spend_micros::text
      from spend_records`.execute(db)
  ).rows;
  const paths = (
    await sql<{
      ancestor_id: string;
      descendant_id: string;
    }>`select ancestor_id, descendant_id from account_paths`.execute(db)
  ).rows;
  const ancestors = new Map<string, Set<string>>();
  for (const p of paths)
    (ancestors.get(p.descendant_id) ?? ancestors.set(p.descendant_id, new Set()).get(p.descendant_id)!).add(
      p.ancestor_id,
    );
  const seatLinker = new Map(
    (await sql<{ id: string; l: string }>`select id, linked_by_account_id as l from seats`.execute(db)).rows.map(
      (r) => [r.id, r.l],
    ),
  );
  const dealOwner = new Map(
    (await sql<{ id: string; o: string }>`select id, owner_account_id as o from deals`.execute(db)).rows.map((r) => [
      r.id,
      r.o,
    ]),
  );
  const accountsRows = (
    await sql<{
      id: string;
      level: number;
      kind: string;
      parent_id: string | null;
    }>`select id, level, kind, parent_id from accounts`.execute(db)
  ).rows;
  const cut = new Map<string, Date | null>();
  for (const a of accountsRows)
    if (a.kind === 'client') cut.set(a.id, await connections.currentConnectionStart(db, a.id));
  const level = new Map(accountsRows.map((a) => [a.id, Number(a.level)]));
  const parent = new Map(accountsRows.map((a) => [a.id, a.parent_id]));
  return { records, ancestors, seatLinker, dealOwner, cut, level, parent };
}
export type Facts = Awaited<ReturnType<typeof facts>>;

/**
 * SPEC 7's table read naively over the raw records: L1/L2 see everything attributed to A or below; an L3 sees its
 * own rows on its own deals or on seats it linked; a premium client's rows before its current connection are hidden
 * from whoever reaches it from above (SPEC 2.2). `fromAbove`: the caller is not a member of A itself.
 */
export function naiveVisible(
  f: Facts,
  viewerId: string,
  fromAbove: boolean,
  onlyClient: string | null = null,
): RawRecord[] {
  const lvl = f.level.get(viewerId)!;
  return f.records.filter((r) => {
    if (onlyClient !== null && r.account_id !== onlyClient) return false;
    const reachedFromAbove = r.account_id !== viewerId || fromAbove;
    const cut = f.cut.get(r.account_id) ?? null;
    if (reachedFromAbove && cut !== null && r.occurred_at < cut) return false;
    if (lvl < 3) return f.ancestors.get(r.account_id)?.has(viewerId) ?? false;
    if (r.account_id !== viewerId) return false;
    return (r.deal_id !== null && f.dealOwner.get(r.deal_id) === viewerId) || f.seatLinker.get(r.seat_id) === viewerId;
  });
}

/**
 * The account a report on `viewerId` shows for a record grouped by account ("rolled up per level"): the viewer's
 * child on the path down to the attributed account, or the viewer itself for its own rows.
 */
export function childOf(f: Facts, viewerId: string, accountId: string): string {
  let x = accountId;
  while (x !== viewerId) {
    const up = f.parent.get(x) ?? null;
    if (up === viewerId) return x;
    if (up === null) throw new Error(`${accountId} is not below ${viewerId}`);
    x = up;
  }
  return viewerId;
}

export type Key = (r: RawRecord) => string;
/** Sums by key: key -> [impressions, clicks, spend] as strings (bigint sums). */
export function sumBy(rows: RawRecord[], key: Key): Record<string, [string, string, string]> {
  const m = new Map<string, [bigint, bigint, bigint]>();
  for (const r of rows) {
    const k = key(r);
    const s = m.get(k) ?? [0n, 0n, 0n];
    s[0] += BigInt(r.impressions);
    s[1] += BigInt(r.clicks);
    s[2] += BigInt(r.spend_micros);
    m.set(k, s);
  }
  return Object.fromEntries([...m].map(([k, v]) => [k, v.map(String) as [string, string, string]]));
}
