import { sql, type RawBuilder } from 'kysely';
import type { Db, Trx } from '../connect';

export interface AuditInput {
  rootId: string;
  accountId: string;
  actorUserId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: Date;
}

export interface AuditEntry extends AuditInput {
  id: string;
  actorEmail: string | null;
  accountName: string;
}

/** Writes an audit entry; call it inside the transaction of the change it records. */
export async function writeAudit(trx: Trx, e: AuditInput): Promise<void> {
  await trx
    .insertInto('audit_entries')
    .values({
      root_id: e.rootId,
      account_id: e.accountId,
      actor_user_id: e.actorUserId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
      after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
      at: e.at,
    })
    .execute();
}

/** The worker's spend debits: one entry per run, hidden from the trail unless asked for (then per day). */
export const SPEND_ACTION = 'credits.spend';

/** What `listAudit` may narrow the entries to; every filter only narrows the viewed subtree, never widens it. */
export interface AuditFilters {
  /** One action; without it the worker's spend entries are left out. */
  action?: string;
  /** The user who made the change. */
  actorUserId?: string;
  /** One account of the subtree (its own entries, not its descendants'). */
  accountId?: string;
  /** Days (YYYY-MM-DD, both inclusive) in the time zone. */
  days?: DayRange;
}

/** Days of a time zone, both inclusive; either end may be open. */
export interface DayRange {
  timeZone: string;
  from?: string;
  to?: string;
}

/** The predicates of a day range on `e.at`. */
function dayPredicates(d: DayRange | undefined): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  if (d?.from !== undefined) out.push(sql`e.at >= (${d.from}::date::timestamp at time zone ${d.timeZone}::text)`);
  if (d?.to !== undefined) out.push(sql`e.at < ((${d.to}::date + 1)::timestamp at time zone ${d.timeZone}::text)`);
  return out;
}

/** Where the previous page stopped: the last entry's time (microseconds, as text) and id. */
export interface AuditCursor {
  at: string;
  id: string;
}

export interface AuditPageEntry extends AuditEntry {
  /** The entry's exact time (microseconds) for a cursor. */
  atKey: string;
}

/**
 * Entries of an account and its descendants, newest first by time (then by id), filtered, after `before`.
 * A client's entries from before its current connection (a request or transfer) are left out (SPEC 2.2: the agency
 * sees the client's records from the start of the current connection onward), except for `fullHistoryOf`: the
 * accounts the viewer is a member of themselves.
 *
 * Each account of the subtree is read in index order (`audit_entries_by_time`, `_by_action` or `_by_actor`, migration
 * 0019) up to `limit` entries, and the accounts' runs are merged: a page costs at most `limit` index entries per
 * account, whatever the filters and however many entries the feed wrote.
 */
export async function listAudit(
  db: Db,
  accountId: string,
  page: { limit: number; before?: AuditCursor; fullHistoryOf?: readonly string[]; filters?: AuditFilters },
): Promise<AuditPageEntry[]> {
  const own = page.fullHistoryOf ?? [];
  const f = page.filters ?? {};
  const inner: RawBuilder<unknown>[] = [sql`e.account_id = p.descendant_id`];
  inner.push(f.action !== undefined ? sql`e.action = ${f.action}::text` : sql`e.action <> ${sql.lit(SPEND_ACTION)}`);
  if (f.actorUserId !== undefined) inner.push(sql`e.actor_user_id = ${f.actorUserId}::uuid`);
  inner.push(...dayPredicates(f.days));
  if (page.before !== undefined)
    inner.push(sql`(e.at, e.id) < (${page.before.at}::timestamptz, ${page.before.id}::bigint)`);
  inner.push(sql`(cut.at is null or e.at >= cut.at)`);
  const outer: RawBuilder<unknown>[] = [sql`p.ancestor_id = ${accountId}::uuid`];
  if (f.accountId !== undefined) outer.push(sql`p.descendant_id = ${f.accountId}::uuid`);
  const r = await sql<{
    id: string;
    root_id: string;
    account_id: string;
    actor_user_id: string | null;
    action: string;
    entity_type: string;
    entity_id: string;
    before: unknown;
    after: unknown;
    at: Date;
    at_key: string;
    actor_email: string | null;
    account_name: string;
  }>`
    select e.id::text, e.root_id, e.account_id, e.actor_user_id, e.action, e.entity_type, e.entity_id, e.before,
      e.after, e.at, to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_key,
      u.email as actor_email, a.name as account_name
    from account_paths p
    join accounts a on a.id = p.descendant_id
    left join lateral (
      select coalesce(c.responded_at, c.requested_at) as at from connections c
      where c.client_id = p.descendant_id and c.state = 'accepted' and c.origin <> 'promotion'
        and not (p.descendant_id = any(${[...own]}::uuid[]))
    ) cut on true
    cross join lateral (
      select e.* from audit_entries e
      where ${sql.join(inner, sql` and `)}
      order by e.at desc, e.id desc
      limit ${page.limit}
    ) e
    left join users u on u.id = e.actor_user_id
    where ${sql.join(outer, sql` and `)}
    order by e.at desc, e.id desc
    limit ${page.limit}`.execute(db);
  return r.rows.map((row) => ({
    id: row.id,
    rootId: row.root_id,
    accountId: row.account_id,
    accountName: row.account_name,
    actorUserId: row.actor_user_id,
    actorEmail: row.actor_email,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before ?? null,
    after: row.after ?? null,
    at: row.at,
    atKey: row.at_key,
  }));
}

export interface SpendDay {
  /** The day in the viewer's time zone, YYYY-MM-DD. */
  day: string;
  /** Worker runs that debited spend that day. */
  runs: number;
  /** Spend records debited. */
  debits: number;
  /** What the runs debited, per currency (from the ledger's spend buckets, written in the same statement). */
  spend: { currency: string; spentMicros: bigint; overageMicros: bigint }[];
}

/**
 * The worker's spend entries of an account's subtree, one row per day of the time zone, newest first, at most
 * `limit` days, before the day `beforeDay` when given, within `days`. SPEC 2.2's cut applies as
 * in `listAudit`, to the entries and to the spend alike.
 */
export async function spendDays(
  db: Db,
  accountId: string,
  q: { timeZone: string; limit: number; beforeDay?: string; days?: DayRange; fullHistoryOf?: readonly string[] },
): Promise<SpendDay[]> {
  const own = q.fullHistoryOf ?? [];
  const vis = sql`
    select p.descendant_id as account_id, cut.at as cut
    from account_paths p
    left join lateral (
      select coalesce(c.responded_at, c.requested_at) as at from connections c
      where c.client_id = p.descendant_id and c.state = 'accepted' and c.origin <> 'promotion'
        and not (p.descendant_id = any(${[...own]}::uuid[]))
    ) cut on true
    where p.ancestor_id = ${accountId}::uuid`;
  const where: RawBuilder<unknown>[] = [
    sql`e.account_id = v.account_id`,
    sql`e.action = ${sql.lit(SPEND_ACTION)}`,
    sql`(v.cut is null or e.at >= v.cut)`,
  ];
  where.push(...dayPredicates(q.days));
  if (q.beforeDay !== undefined)
    where.push(sql`e.at < (${q.beforeDay}::date::timestamp at time zone ${q.timeZone}::text)`);
  const days = await sql<{ day: string; runs: string; debits: string }>`
    with v as (${vis})
    select to_char((e.at at time zone ${q.timeZone}::text)::date, 'YYYY-MM-DD') as day, count(*)::text as runs,
      coalesce(sum((e.after ->> 'debits')::bigint), 0)::text as debits
    from v join audit_entries e on ${sql.join(where, sql` and `)}
    group by 1 order by 1 desc limit ${q.limit}`.execute(db);
  if (days.rows.length === 0) return [];
  const last = days.rows[0]!.day;
  const first = days.rows.at(-1)!.day;
  // the spend of the clients of the subtree on those days, per currency (never summed across currencies, SPEC 7)
  const money = await sql<{ day: string; currency: string; spent: string; overage: string }>`
    with v as (${vis})
    select to_char((b.bucket at time zone ${q.timeZone}::text)::date, 'YYYY-MM-DD') as day, ca.currency,
      sum(b.spent_micros)::text as spent, sum(b.overage_micros)::text as overage
    from v
    join credit_spend_buckets b on b.client_id = v.account_id and (v.cut is null or b.bucket >= v.cut)
    join credit_accounts ca on ca.client_id = b.client_id
    where b.bucket >= (${first}::date::timestamp at time zone ${q.timeZone}::text)
      and b.bucket < ((${last}::date + 1)::timestamp at time zone ${q.timeZone}::text)
    group by 1, 2 order by 2`.execute(db);
  return days.rows.map((d) => ({
    day: d.day,
    runs: Number(d.runs),
    debits: Number(d.debits),
    spend: money.rows
      .filter((m) => m.day === d.day)
      .map((m) => ({ currency: m.currency.trim(), spentMicros: BigInt(m.spent), overageMicros: BigInt(m.overage) })),
  }));
}

/** When the account's latest audit entry was written (null when it has none). */
export async function lastEntryAt(db: Db | Trx, accountId: string): Promise<Date | null> {
  const r = await db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return (r?.at as Date | null | undefined) ?? null;
}
