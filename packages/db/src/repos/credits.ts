import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import {
  applyCorrection,
  applyDebit,
  lowBalanceCrossing,
  MAX_AMOUNT_MICROS,
  OUT_OF_CREDIT_REASON,
  type EntryKind,
} from '@trellis/domain';
import type { Db, Trx } from '../connect';
import type { CorrectionDetail } from '../schema';
import { writeAudit } from './audit';

// ---------------------------------------------------------------------------------------------------------------
// Credit accounts

export interface CreditAccount {
  clientId: string;
  rootId: string;
  currency: string;
  balanceMicros: bigint;
  overageMicros: bigint;
  lowBalanceMicros: bigint;
  lowAlertArmed: boolean;
  updatedAt: Date;
}

type AccountRow = {
  client_id: string;
  root_id: string;
  currency: string;
  balance_micros: string;
  overage_micros: string;
  low_balance_micros: string;
  low_alert_armed: boolean;
  updated_at: Date;
};
const toCreditAccount = (r: AccountRow): CreditAccount => ({
  clientId: r.client_id,
  rootId: r.root_id,
  currency: r.currency,
  balanceMicros: BigInt(r.balance_micros),
  overageMicros: BigInt(r.overage_micros),
  lowBalanceMicros: BigInt(r.low_balance_micros),
  lowAlertArmed: r.low_alert_armed,
  updatedAt: r.updated_at,
});

export async function findCreditAccount(db: Db | Trx, clientId: string): Promise<CreditAccount | undefined> {
  const r = await db.selectFrom('credit_accounts').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return r && toCreditAccount(r);
}

/** Locks a client's credit account for the rest of the transaction and returns it (the one lock every change takes). */
export async function lockCreditAccount(trx: Trx, clientId: string): Promise<CreditAccount> {
  const [r] = (await lockClients(trx, [clientId])).rows;
  if (!r) throw new Error(`client ${clientId} has no credit account`);
  return toCreditAccount(r);
}

/**
 * Locks clients' credit accounts, client by client in id order, each after its account key (FOR KEY SHARE): a move of
 * a client (connect, disconnect, transfer) locks the account first and its credit account second (the FK cascade), so
 * taking them in the same order means a debit and a move wait for each other instead of deadlocking. Locking clauses
 * act in the order they are written.
 */
function lockClients(trx: Trx, clientIds: readonly string[]) {
  return sql<AccountRow>`
    select ca.client_id, ca.root_id, ca.currency, ca.balance_micros, ca.overage_micros, ca.low_balance_micros,
      ca.low_alert_armed, ca.updated_at
    from accounts a join credit_accounts ca on ca.client_id = a.id
    where a.id = any(${clientIds}::uuid[]) order by a.id for key share of a for update of ca`.execute(trx);
}

export async function setCreditState(
  trx: Trx,
  clientId: string,
  s: { balanceMicros: bigint; overageMicros: bigint; lowAlertArmed: boolean; lowBalanceMicros?: bigint; at: Date },
): Promise<void> {
  await trx
    .updateTable('credit_accounts')
    .set({
      balance_micros: s.balanceMicros.toString(),
      overage_micros: s.overageMicros.toString(),
      low_alert_armed: s.lowAlertArmed,
      ...(s.lowBalanceMicros !== undefined ? { low_balance_micros: s.lowBalanceMicros.toString() } : {}),
      updated_at: s.at,
    })
    .where('client_id', '=', clientId)
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------
// Ledger entries

export interface NewEntry {
  rootId: string;
  clientId: string;
  kind: EntryKind;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  overageMicros?: bigint;
  reference?: string | null;
  topUpId?: string | null;
  reason?: string | null;
  actorUserId?: string | null;
  /** A spend correction's events, reasons and days. */
  detail?: CorrectionDetail | null;
  at: Date;
}

export interface CreditEntry {
  id: string;
  kind: EntryKind;
  amountMicros: bigint;
  overageMicros: bigint;
  balanceAfterMicros: bigint;
  /** A spend entry's first reference (the references it covers are in `credit_spend_refs`, by entry id). */
  reference: string | null;
  /** How many spend debits the entry covers (null for other kinds). */
  debits: number | null;
  topUpId: string | null;
  reason: string | null;
  actorEmail: string | null;
  /** A spend correction's events, reasons and days (null for other kinds). */
  detail: CorrectionDetail | null;
  createdAt: Date;
}

/** Appends entries (the caller holds the credit account's lock and updates its balance in the same transaction). */
export async function insertEntries(trx: Trx, entries: readonly NewEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto('credit_entries')
    .values(
      entries.map((e) => ({
        root_id: e.rootId,
        client_id: e.clientId,
        kind: e.kind,
        amount_micros: e.amountMicros.toString(),
        overage_micros: (e.overageMicros ?? 0n).toString(),
        balance_after_micros: e.balanceAfterMicros.toString(),
        reference: e.reference ?? null,
        top_up_id: e.topUpId ?? null,
        reason: e.reason ?? null,
        actor_user_id: e.actorUserId ?? null,
        detail: e.detail ? JSON.stringify(e.detail) : null,
        created_at: e.at,
      })),
    )
    .execute();
}

/** A client's ledger, newest first; `before` is the id cursor of the previous page. */
export async function listEntries(
  db: Db,
  account: { rootId: string; clientId: string },
  page: { limit: number; before?: string; since?: Date | null; kinds?: readonly EntryKind[] },
): Promise<CreditEntry[]> {
  let q = db
    .selectFrom('credit_entries as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .selectAll('e')
    .select('u.email as actor_email')
    .where('e.root_id', '=', account.rootId)
    .where('e.client_id', '=', account.clientId)
    .orderBy('e.id', 'desc')
    .limit(page.limit);
  if (page.before !== undefined) q = q.where('e.id', '<', page.before);
  if (page.since) q = q.where('e.created_at', '>=', page.since);
  if (page.kinds) {
    if (page.kinds.length === 0) return [];
    q = q.where('e.kind', 'in', [...page.kinds]);
    // without spend, the partial index of the other kinds (migration 0013) serves the page
    if (!page.kinds.includes('spend')) q = q.where('e.kind', '<>', 'spend');
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind,
    amountMicros: BigInt(r.amount_micros),
    overageMicros: BigInt(r.overage_micros),
    balanceAfterMicros: BigInt(r.balance_after_micros),
    reference: r.reference,
    debits: r.kind === 'spend' ? (r.debits ?? 1) : null,
    topUpId: r.top_up_id,
    reason: r.reason,
    actorEmail: r.actor_email,
    detail: r.detail,
    createdAt: r.created_at,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Spend: the only way spend reaches the ledger

export interface SpendDebit {
  clientId: string;
  /** A positive whole number of micros. */
  amountMicros: bigint;
  /** The caller's idempotency key for this debit, unique per client (1-200 characters). */
  reference: string;
  /** When this debit happened (its ledger entry and its 15-minute spend bucket); default: the call's `at`. */
  at?: Date;
}

export interface ClientDebitSummary {
  clientId: string;
  rootId: string;
  /** Debits applied now (repeated references excluded). */
  debits: number;
  /** Spend attributed by those debits: taken from the balance + recorded as overage. */
  spentMicros: bigint;
  takenMicros: bigint;
  overageMicros: bigint;
  balanceMicros: bigint;
  campaignsPaused: number;
  lowBalanceAlert: boolean;
}

export interface DebitSpendResult {
  applied: number;
  /** Items whose reference the client's ledger already holds (or repeated within the call): not applied again. */
  skipped: number;
  clients: ClientDebitSummary[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An array literal of values that need no quoting (uuids, numbers, booleans, ISO instants): cheaper than per-element escaping. */
const pgArray = (values: readonly (string | number | boolean)[]) => `{${values.join(',')}}`;
/** An array literal of arbitrary text (no NUL: references are checked for it). */
const pgTextArray = (values: readonly string[]) =>
  `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/**
 * Applies many spend debits in one call, inside the caller's transaction (SPEC 6, 7):
 * - locks each client's credit account once, in client-id order (after its account key, the order a client move
 *   takes them in), so two workers never deadlock, nor a worker and a disconnect;
 * - claims each item's reference in `credit_spend_refs` (insert ... on conflict do nothing, after the client's lock):
 *   an item whose reference the client already holds, or that repeats one earlier in the call, is skipped
 *   (idempotent per reference);
 * - writes one spend entry per client and item time (`at`) for the call, the sum of those debits: the debit rule
 *   takes what the balance allows and records the rest as overage (SPEC 6 holds for a sum as for its parts: what is
 *   taken is min(balance, total) either way); each reference names the entry that covers it, and the entry keeps the
 *   first one and how many it covers (`debits`);
 * - pauses every active campaign of a client that ran into overage ("paused: out of credit"), and raises the
 *   low-balance mail once per crossing (to the client's admins and its agency's admins and operators);
 * - writes the clients' new balances, their 15-minute spend buckets and one audit entry per root for the call
 *   (the clients, debits, amounts and the entries written: the ledger entries are the per-client record).
 * Two statements in all, whatever the number of items: lock + claim, then entries + balances + buckets + audit.
 * Unknown client ids throw (nothing is applied). `opts.at` is the time the entries carry (default: now); an item's own
 * `at` overrides it for that item's entry and spend bucket (the rollup debits late spend into its own day), while the
 * balance, the audit entry and any pause carry `opts.at`.
 */
export async function debitSpend(
  trx: Trx,
  items: readonly SpendDebit[],
  opts: { at?: Date } = {},
): Promise<DebitSpendResult> {
  const at = opts.at ?? new Date();
  for (const it of items) {
    if (typeof it.amountMicros !== 'bigint' || it.amountMicros <= 0n || it.amountMicros > MAX_AMOUNT_MICROS) {
      throw new RangeError(
        `debitSpend: amountMicros must be a bigint in 1..${MAX_AMOUNT_MICROS} (reference ${String(it.reference).slice(0, 200)})`,
      );
    }
    if (
      typeof it.reference !== 'string' ||
      it.reference.length < 1 ||
      it.reference.length > 200 ||
      it.reference.includes('\u0000')
    )
      throw new RangeError('debitSpend: reference must be 1-200 characters, without NUL');
    if (!UUID.test(it.clientId))
      throw new RangeError(`debitSpend: clientId must be a uuid (reference ${it.reference})`);
    if (it.at !== undefined && (!(it.at instanceof Date) || Number.isNaN(it.at.getTime())))
      throw new RangeError(`debitSpend: at must be a valid Date (reference ${it.reference})`);
  }
  if (items.length === 0) return { applied: 0, skipped: 0, clients: [] };

  // The first item of each (client, reference), in the caller's order, grouped into one entry per (client, time).
  // Clients are sent once, sorted; items name them by their 1-based position (so is an entry's time).
  const clientIds = [...new Set(items.map((i) => i.clientId.toLowerCase()))].sort();
  const clientNo = new Map(clientIds.map((c, i) => [c, i + 1]));
  type Group = {
    no: number;
    clientNo: number;
    atNo: number;
    id: string;
    sumMicros: bigint;
    debits: number;
    firstReference: string;
  };
  const groups = new Map<string, Group>();
  const times = new Map<number, number>();
  const claim = { client: [] as number[], ref: [] as string[], group: [] as number[], amount: [] as bigint[] };
  const firstOfReference = new Set<string>();
  let skipped = 0;
  for (const it of items) {
    const cn = clientNo.get(it.clientId.toLowerCase())!;
    const key = `${cn}\u0000${it.reference}`;
    if (firstOfReference.has(key)) {
      skipped++;
      continue;
    }
    firstOfReference.add(key);
    const t = (it.at ?? at).getTime();
    let atNo = times.get(t);
    if (atNo === undefined) times.set(t, (atNo = times.size + 1));
    const gk = `${cn}\u0000${atNo}`;
    let g = groups.get(gk);
    if (!g)
      groups.set(
        gk,
        (g = { no: groups.size + 1, clientNo: cn, atNo, id: '', sumMicros: 0n, debits: 0, firstReference: '' }),
      );
    claim.client.push(cn);
    claim.ref.push(it.reference);
    claim.group.push(g.no);
    claim.amount.push(it.amountMicros);
  }
  const groupList = [...groups.values()];

  // 1. One statement: lock every client once, in a fixed order; take one ledger id per group; claim the references,
  // answering the items whose reference the client already held. A reference is claimed only after its client's lock
  // (the join reads the locked rows), so it never waits on another call's claim, and on conflict sees the references
  // committed by a call this one waited for.
  const first = await sql<{
    locked: [string, string, string, string, string, boolean][] | null;
    ids: string[];
    held: number[] | null;
  }>`
    with locked as materialized (
      select ca.client_id, ca.root_id, ca.balance_micros, ca.overage_micros, ca.low_balance_micros, ca.low_alert_armed
      from unnest(${pgArray(clientIds)}::uuid[]) as u(id)
      join accounts a on a.id = u.id
      join credit_accounts ca on ca.client_id = a.id
      order by a.id for key share of a for update of ca
    ), ids as materialized (
      select g, nextval('credit_entries_id_seq'::regclass) as id from generate_series(1, ${groupList.length}::int) g
    ), items as (
      select (${pgArray(clientIds)}::uuid[])[t.c] as client_id, t.reference, t.g, t.n
      from unnest(${pgArray(claim.client)}::int[], ${pgTextArray(claim.ref)}::text[], ${pgArray(claim.group)}::int[])
        with ordinality as t(c, reference, g, n)
    ), claimed as (
      insert into credit_spend_refs (root_id, client_id, reference, entry_id)
      select l.root_id, i.client_id, i.reference, ids.id
      from items i join locked l on l.client_id = i.client_id join ids on ids.g = i.g
      -- an unknown client claims nothing for anyone (the call throws; a caller going on in its transaction finds no
      -- reference taken by a debit that was never applied)
      where (select count(*) from locked) = ${clientIds.length}
      on conflict do nothing
      returning client_id, reference
    )
    select
      (select json_agg(json_build_array(
          client_id, root_id, balance_micros::text, overage_micros::text, low_balance_micros::text, low_alert_armed
        ) order by client_id) from locked) as locked,
      (select json_agg(id::text order by g) from ids) as ids,
      (select json_agg(i.n) from items i
        where not exists (
          select 1 from claimed c where c.client_id = i.client_id and c.reference = i.reference
        )) as held`.execute(trx);
  const row = first.rows[0]!;
  const locked = row.locked ?? [];
  if (locked.length !== clientIds.length) {
    const found = new Set(locked.map((l) => l[0]));
    throw new RangeError(
      `debitSpend: no credit account for client(s) ${clientIds.filter((c) => !found.has(c)).join(', ')}`,
    );
  }
  for (const g of groupList) g.id = row.ids[g.no - 1]!;
  const held = new Set(row.held ?? []);

  // 2. The debit rule, per entry (the sum of its new debits) in the caller's order, per client.
  for (let i = 0; i < claim.client.length; i++) {
    if (held.has(i + 1)) {
      skipped++;
      continue;
    }
    const g = groupList[claim.group[i]! - 1]!;
    if (g.debits === 0) g.firstReference = claim.ref[i]!;
    g.sumMicros += claim.amount[i]!;
    g.debits++;
  }
  const state = new Map<number, { balance: bigint; summary: ClientDebitSummary }>();
  const e = {
    id: [] as string[],
    client: [] as number[],
    amount: [] as string[],
    overage: [] as string[],
    after: [] as string[],
    ref: [] as string[],
    debits: [] as number[],
    at: [] as number[],
  };
  let applied = 0;
  for (const g of groupList) {
    if (g.debits === 0) continue;
    let s = state.get(g.clientNo);
    if (!s) {
      const [clientId, rootId, balance] = locked[g.clientNo - 1]!;
      s = {
        balance: BigInt(balance),
        summary: {
          clientId,
          rootId,
          debits: 0,
          spentMicros: 0n,
          takenMicros: 0n,
          overageMicros: 0n,
          balanceMicros: 0n,
          campaignsPaused: 0,
          lowBalanceAlert: false,
        },
      };
      state.set(g.clientNo, s);
    }
    const d = applyDebit(s.balance, g.sumMicros);
    s.balance = d.balanceAfterMicros;
    s.summary.debits += g.debits;
    s.summary.spentMicros += g.sumMicros;
    s.summary.takenMicros += d.takenMicros;
    s.summary.overageMicros += d.overageMicros;
    applied += g.debits;
    e.id.push(g.id);
    e.client.push(g.clientNo);
    e.amount.push((-d.takenMicros).toString());
    e.overage.push(d.overageMicros.toString());
    e.after.push(d.balanceAfterMicros.toString());
    e.ref.push(g.firstReference);
    e.debits.push(g.debits);
    e.at.push(g.atNo);
  }
  if (state.size === 0) return { applied: 0, skipped, clients: [] };
  const touched = [...state.entries()].sort((x, y) => x[0] - y[0]);

  const c = { client: [] as string[], balance: [] as string[], overage: [] as string[], armed: [] as boolean[] };
  const roots = new Map<
    string,
    {
      clients: number;
      debits: number;
      entries: number;
      spent: bigint;
      taken: bigint;
      over: bigint;
      firstEntryId: bigint;
      lastEntryId: bigint;
    }
  >();
  for (const [cn, s] of touched) {
    const [, , , overage, low, armed] = locked[cn - 1]!;
    const crossing = lowBalanceCrossing({ armed, thresholdMicros: BigInt(low), balanceAfterMicros: s.balance });
    s.summary.balanceMicros = s.balance;
    s.summary.lowBalanceAlert = crossing.alert;
    c.client.push(s.summary.clientId);
    c.balance.push(s.balance.toString());
    c.overage.push((BigInt(overage) + s.summary.overageMicros).toString());
    c.armed.push(crossing.armed);
    const r = roots.get(s.summary.rootId) ?? {
      clients: 0,
      debits: 0,
      entries: 0,
      spent: 0n,
      taken: 0n,
      over: 0n,
      firstEntryId: -1n,
      lastEntryId: -1n,
    };
    r.clients++;
    r.debits += s.summary.debits;
    r.spent += s.summary.spentMicros;
    r.taken += s.summary.takenMicros;
    r.over += s.summary.overageMicros;
    roots.set(s.summary.rootId, r);
  }
  for (let i = 0; i < e.id.length; i++) {
    const r = roots.get(locked[e.client[i]! - 1]![1])!;
    const id = BigInt(e.id[i]!);
    r.entries++;
    if (r.firstEntryId < 0n || id < r.firstEntryId) r.firstEntryId = id;
    if (id > r.lastEntryId) r.lastEntryId = id;
  }
  const audit = [...roots].map(([rootId, r]) => ({
    rootId,
    entityId: `${r.firstEntryId}-${r.lastEntryId}`,
    after: JSON.stringify({
      clients: r.clients,
      debits: r.debits,
      entries: r.entries,
      firstEntryId: r.firstEntryId.toString(),
      lastEntryId: r.lastEntryId.toString(),
      spentMicros: r.spent.toString(),
      takenMicros: r.taken.toString(),
      overageMicros: r.over.toString(),
    }),
  }));
  const ats = [...times.keys()].map((t) => new Date(t).toISOString());
  // each client's root, by position in the (usually one-element) list of roots
  const rootNos = new Map<string, number>();
  for (const l of locked) if (!rootNos.has(l[1])) rootNos.set(l[1], rootNos.size + 1);
  const rootIds = [...rootNos.keys()];
  const rootNo = locked.map((l) => rootNos.get(l[1])!);

  // 3. Entries (with the ids their references name), balances, the 15-minute spend buckets of the entries (every
  // time-zone offset is a multiple of 15 minutes) and the audit: one statement.
  await sql`
    with entries as (
      insert into credit_entries (
        id, root_id, client_id, kind, amount_micros, overage_micros, balance_after_micros, reference, debits, created_at
      )
      overriding system value
      select t.id, (${pgArray(rootIds)}::uuid[])[(${pgArray(rootNo)}::int[])[t.c]],
        (${pgArray(clientIds)}::uuid[])[t.c],
        'spend', t.amount, t.overage, t.after, t.reference, t.debits, (${pgArray(ats)}::timestamptz[])[t.at]
      from unnest(${pgArray(e.id)}::bigint[], ${pgArray(e.client)}::int[], ${pgArray(e.amount)}::bigint[],
        ${pgArray(e.overage)}::bigint[], ${pgArray(e.after)}::bigint[],
        ${pgTextArray(e.ref)}::text[], ${pgArray(e.debits)}::int[], ${pgArray(e.at)}::int[])
        as t(id, c, amount, overage, after, reference, debits, at)
      returning root_id, client_id, amount_micros, overage_micros, debits, created_at
    ), balances as (
      update credit_accounts ca
      set balance_micros = t.balance, overage_micros = t.overage, low_alert_armed = t.armed,
        updated_at = ${at}::timestamptz
      from unnest(${pgArray(c.client)}::uuid[], ${pgArray(c.balance)}::bigint[], ${pgArray(c.overage)}::bigint[],
        ${pgArray(c.armed)}::boolean[]) as t(client_id, balance, overage, armed)
      where ca.client_id = t.client_id
      returning 1
    ), buckets as (
      insert into credit_spend_buckets (root_id, client_id, bucket, spent_micros, overage_micros, debits)
      select root_id, client_id, date_bin('15 minutes', created_at, timestamptz '1970-01-01Z'),
        sum(overage_micros - amount_micros), sum(overage_micros), sum(debits)
      from entries group by 1, 2, 3
      on conflict (root_id, client_id, bucket) do update set
        spent_micros = credit_spend_buckets.spent_micros + excluded.spent_micros,
        overage_micros = credit_spend_buckets.overage_micros + excluded.overage_micros,
        debits = credit_spend_buckets.debits + excluded.debits
      returning 1
    ), audit as (
      insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, before, after, at)
      select t.root_id, t.root_id, null, 'credits.spend', 'credit_entries', t.entity_id, null, t.after, ${at}::timestamptz
      from unnest(${audit.map((x) => x.rootId)}::uuid[], ${audit.map((x) => x.entityId)}::text[],
        ${audit.map((x) => x.after)}::jsonb[]) as t(root_id, entity_id, after)
      returning 1
    )
    select (select count(*) from balances) as balances, (select count(*) from buckets) as buckets,
      (select count(*) from audit) as audit`.execute(trx);

  // 4. Overage pauses every active campaign of the client, at once, with the reason shown.
  const summaries = touched.map(([, s]) => s.summary);
  const overdrawn = summaries.filter((s) => s.overageMicros > 0n).map((s) => s.clientId);
  if (overdrawn.length) {
    const paused = await pauseForLackOfCredit(trx, overdrawn, at);
    for (const s of summaries) s.campaignsPaused = paused.get(s.clientId) ?? 0;
  }
  // 5. One low-balance mail per crossing.
  const alerts = summaries.filter((s) => s.lowBalanceAlert).map((s) => s.clientId);
  if (alerts.length) await sendLowBalanceMails(trx, alerts);

  return { applied, skipped, clients: summaries };
}

export interface SpendCorrection {
  clientId: string;
  /** The net difference of the client's corrected records (higher figures minus credits), non-zero. */
  deltaMicros: bigint;
  /** Idempotency key of this correction, unique per client (the rollup's range). */
  reference: string;
  detail: CorrectionDetail;
}

export interface CorrectionSummary {
  clientId: string;
  rootId: string;
  deltaMicros: bigint;
  amountMicros: bigint;
  overageMicros: bigint;
  balanceMicros: bigint;
  campaignsPaused: number;
}

/**
 * Applies spend corrections (SPEC 13) inside the caller's transaction (the rollup's): per client, one
 * `spend_correction` entry dated `at`, whose amount and overage follow `applyCorrection` (a higher figure is debited
 * like spend, overage and pause included; a credit pays off overage first, then raises the balance); the client's
 * balance, overage, low-balance state and 15-minute spend bucket follow; one audit entry per root names the batches.
 * Locks the clients in the same order as `debitSpend`; a reference the client already holds is skipped, so applying
 * the same correction twice changes nothing.
 */
export async function applySpendCorrections(
  trx: Trx,
  items: readonly SpendCorrection[],
  at: Date,
): Promise<CorrectionSummary[]> {
  const todo = items.filter((i) => i.deltaMicros !== 0n);
  if (todo.length === 0) return [];
  for (const i of todo) {
    if (i.deltaMicros > MAX_AMOUNT_MICROS || i.deltaMicros < -MAX_AMOUNT_MICROS)
      throw new RangeError(`applySpendCorrections: a difference beyond ${MAX_AMOUNT_MICROS} micros (${i.reference})`);
  }
  const ids = [...new Set(todo.map((i) => i.clientId))].sort();
  const locked = new Map((await lockClients(trx, ids)).rows.map((r) => [r.client_id, toCreditAccount(r)]));
  const missing = ids.filter((c) => !locked.has(c));
  if (missing.length) throw new RangeError(`applySpendCorrections: no credit account for ${missing.join(', ')}`);
  const held = await sql<{ client_id: string; reference: string }>`
    select client_id, reference from credit_spend_refs
    where client_id = any(${ids}::uuid[]) and reference = any(${todo.map((i) => i.reference)}::text[])`.execute(trx);
  const seen = new Set(held.rows.map((r) => `${r.client_id} ${r.reference}`));
  const out: CorrectionSummary[] = [];
  const alerts: string[] = [];
  const audits = new Map<string, { clients: number; events: number; deltaMicros: bigint; batches: Set<string> }>();
  for (const i of todo) {
    const key = `${i.clientId} ${i.reference}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const a = locked.get(i.clientId)!;
    const c = applyCorrection(a, i.deltaMicros);
    const crossing = lowBalanceCrossing({
      armed: a.lowAlertArmed,
      thresholdMicros: a.lowBalanceMicros,
      balanceAfterMicros: c.balanceAfterMicros,
    });
    const [entry] = (
      await sql<{ id: string }>`
        insert into credit_entries (root_id, client_id, kind, amount_micros, overage_micros, balance_after_micros,
          reference, detail, created_at)
        values (${a.rootId}, ${a.clientId}, 'spend_correction', ${c.amountMicros.toString()}::bigint,
          ${c.overageMicros.toString()}::bigint, ${c.balanceAfterMicros.toString()}::bigint, ${i.reference},
          ${JSON.stringify(i.detail)}::jsonb, ${at}::timestamptz)
        returning id::text`.execute(trx)
    ).rows;
    await sql`
      with ref as (
        insert into credit_spend_refs (root_id, client_id, reference, entry_id)
        values (${a.rootId}, ${a.clientId}, ${i.reference}, ${entry!.id}::bigint)
      ), bucket as (
        insert into credit_spend_buckets (root_id, client_id, bucket, spent_micros, overage_micros, debits)
        values (${a.rootId}, ${a.clientId}, date_bin('15 minutes', ${at}::timestamptz, timestamptz '1970-01-01Z'),
          ${i.deltaMicros.toString()}::bigint, ${c.overageMicros.toString()}::bigint, 0)
        on conflict (root_id, client_id, bucket) do update set
          spent_micros = credit_spend_buckets.spent_micros + excluded.spent_micros,
          overage_micros = credit_spend_buckets.overage_micros + excluded.overage_micros
      )
      update credit_accounts set balance_micros = ${c.balanceAfterMicros.toString()}::bigint,
        overage_micros = ${c.overageAfterMicros.toString()}::bigint, low_alert_armed = ${crossing.armed},
        updated_at = ${at}::timestamptz
      where client_id = ${a.clientId}`.execute(trx);
    locked.set(i.clientId, {
      ...a,
      balanceMicros: c.balanceAfterMicros,
      overageMicros: c.overageAfterMicros,
      lowAlertArmed: crossing.armed,
    });
    if (crossing.alert) alerts.push(a.clientId);
    const events = i.detail.reasons.reduce((n, r) => n + r.events, 0);
    const r = audits.get(a.rootId) ?? { clients: 0, events: 0, deltaMicros: 0n, batches: new Set<string>() };
    r.clients++;
    r.events += events;
    r.deltaMicros += i.deltaMicros;
    for (const b of i.detail.batches) r.batches.add(b);
    audits.set(a.rootId, r);
    out.push({
      clientId: a.clientId,
      rootId: a.rootId,
      deltaMicros: i.deltaMicros,
      amountMicros: c.amountMicros,
      overageMicros: c.overageMicros,
      balanceMicros: c.balanceAfterMicros,
      campaignsPaused: 0,
    });
  }
  const overdrawn = out.filter((o) => o.overageMicros > 0n).map((o) => o.clientId);
  if (overdrawn.length) {
    const paused = await pauseForLackOfCredit(trx, overdrawn, at);
    for (const o of out) o.campaignsPaused = paused.get(o.clientId) ?? 0;
  }
  if (alerts.length) await sendLowBalanceMails(trx, alerts);
  for (const [rootId, r] of audits)
    await writeAudit(trx, {
      rootId,
      accountId: rootId,
      actorUserId: null,
      action: 'credits.spend_correction',
      entityType: 'spend_batch',
      entityId: [...r.batches].sort().join(',').slice(0, 200),
      before: null,
      after: {
        clients: r.clients,
        events: r.events,
        deltaMicros: r.deltaMicros.toString(),
        batches: [...r.batches].sort(),
      },
      at,
    });
  return out;
}

/** Pauses every active campaign of the given clients ("paused: out of credit"), with an audit entry each. */
export async function pauseForLackOfCredit(
  trx: Trx,
  clientIds: readonly string[],
  at: Date,
): Promise<Map<string, number>> {
  const rows = await sql<{ client_id: string }>`
    with paused as (
      update campaigns set status = 'paused', paused_reason = ${OUT_OF_CREDIT_REASON}, updated_at = ${at}::timestamptz
      where client_id = any(${clientIds}::uuid[]) and status = 'active'
      returning id, root_id, client_id, name
    )
    insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, before, after, at)
    select root_id, client_id, null, 'campaign.pause', 'campaign', id::text, jsonb_build_object('name', name, 'status', 'active'),
           jsonb_build_object('name', name, 'status', 'paused', 'pausedReason', ${OUT_OF_CREDIT_REASON}::text), ${at}::timestamptz
    from paused
    returning account_id as client_id`.execute(trx);
  const out = new Map<string, number>();
  for (const r of rows.rows) out.set(r.client_id, (out.get(r.client_id) ?? 0) + 1);
  return out;
}

/**
 * The low-balance mail (SPEC 6 and 2.2), written to the outbox in the caller's transaction: to the admins and
 * operators of the client's agency (the people who may top it up there) and, for a premium client only, to its own
 * admins; a standard client's own members never see its credits, so they get no mail. Once per address. The link
 * is the client's Billing page, as a path of this installation (the worker does not know its public address).
 */
export async function sendLowBalanceMails(trx: Trx, clientIds: readonly string[]): Promise<number> {
  const r = await sql`
    insert into mail_outbox (root_id, account_id, to_email, subject, body, link)
    select distinct on (a.id, u.email) a.root_id, a.id, u.email,
      'Low credit balance: ' || a.name,
      'The credit balance of ' || a.name
        || ' is ' || to_char(ca.balance_micros::numeric / 1000000, 'FM999999999999990.00') || ' ' || ca.currency
        || ', below its low-balance threshold of '
        || to_char(ca.low_balance_micros::numeric / 1000000, 'FM999999999999990.00') || ' ' || ca.currency
        || '. Top up to keep its campaigns running: spend beyond the balance pauses them.',
      '/accounts/' || a.id || '/billing'
    from accounts a
    join credit_accounts ca on ca.client_id = a.id
    join memberships m
      on (m.account_id = a.id and m.role = 'admin' and a.client_tier = 'premium')
        or (m.account_id = a.parent_id and m.role in ('admin', 'operator'))
    join users u on u.id = m.user_id
    where a.id = any(${clientIds}::uuid[])
    order by a.id, u.email`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Spend history (usage chart, runway)

/**
 * A client's spend from the instant `from` on, each part with its time (taken + overage): the 15-minute buckets
 * that begin after `from`, and the entries themselves inside the bucket `from` falls in, so the cut is exact to the
 * entry (the bucket a connection began in holds spend from before it, which a viewer from above never sees).
 */
function spendFrom(clientId: string, from: Date | RawBuilder<unknown>) {
  return sql`
    select b.bucket as at, b.spent_micros as spent from credit_spend_buckets b
    where b.client_id = ${clientId}::uuid
      and b.bucket >= date_bin('15 minutes', ${from}::timestamptz, timestamptz '1970-01-01Z') + interval '15 minutes'
    union all
    select e.created_at, e.overage_micros - e.amount_micros from credit_entries e
    where e.client_id = ${clientId}::uuid and e.kind in ('spend', 'spend_correction') and e.created_at >= ${from}::timestamptz
      and e.created_at < date_bin('15 minutes', ${from}::timestamptz, timestamptz '1970-01-01Z') + interval '15 minutes'`;
}

/**
 * What the runway is estimated from (SPEC 6): the spend from `from` on (exact to the entry), the number of days of the
 * client's zone that had some, and the first spend of the history the viewer sees (from `historySince` on).
 */
export async function spendWindow(
  db: Db | Trx,
  clientId: string,
  timeZone: string,
  from: Date,
  historySince: Date | null,
): Promise<{ spentMicros: bigint; daysWithSpend: number; firstSpendAt: Date | null }> {
  const r = await sql<{ spent: string | null; days: number; first: Date | null }>`
    select sum(p.spent)::text as spent, count(distinct (p.at at time zone ${timeZone})::date)::int as days,
      (select min(e.created_at) from credit_entries e
        where e.client_id = ${clientId}::uuid and e.kind = 'spend'
          and (${historySince}::timestamptz is null or e.created_at >= ${historySince}::timestamptz)) as first
    from (${spendFrom(clientId, from)}) p`.execute(db);
  const row = r.rows[0];
  return { spentMicros: BigInt(row?.spent ?? '0'), daysWithSpend: row?.days ?? 0, firstSpendAt: row?.first ?? null };
}

/**
 * Spend per day from `from` to `to` (inclusive, 'YYYY-MM-DD' in the zone), days without spend as zero; with `since`,
 * only the spend from that instant on (exact to the entry).
 */
export async function usagePerDay(
  db: Db,
  clientId: string,
  timeZone: string,
  from: string,
  to: string,
  since: Date | null = null,
): Promise<{ day: string; spentMicros: bigint }[]> {
  const start = sql`(${from}::date)::timestamp at time zone ${timeZone}`;
  const r = await sql<{ day: string; spent: string }>`
    with days as (select d::date as day from generate_series(${from}::date, ${to}::date, interval '1 day') d),
    spend as (
      select (p.at at time zone ${timeZone})::date as day, sum(p.spent) as spent
      from (${spendFrom(clientId, sql`greatest(${start}, coalesce(${since}::timestamptz, ${start}))`)}) p
      where p.at < ((${to}::date) + 1)::timestamp at time zone ${timeZone}
      group by 1
    )
    select to_char(days.day, 'YYYY-MM-DD') as day, coalesce(spend.spent, 0)::text as spent
    from days left join spend using (day) order by days.day`.execute(db);
  return r.rows.map((x) => ({ day: x.day, spentMicros: BigInt(x.spent) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Payment methods

export interface PaymentMethod {
  id: string;
  rootId: string;
  clientId: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  last4: string;
  expMonth: number;
  expYear: number;
  provider: string;
  providerRef: string;
  createdAt: Date;
  removedAt: Date | null;
}

type PmRow = {
  id: string;
  root_id: string;
  client_id: string;
  brand: PaymentMethod['brand'];
  last4: string;
  exp_month: number;
  exp_year: number;
  provider: string;
  provider_ref: string;
  created_at: Date;
  removed_at: Date | null;
};
const toPm = (r: PmRow): PaymentMethod => ({
  id: r.id,
  rootId: r.root_id,
  clientId: r.client_id,
  brand: r.brand,
  last4: r.last4,
  expMonth: Number(r.exp_month),
  expYear: Number(r.exp_year),
  provider: r.provider,
  providerRef: r.provider_ref,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

export async function insertPaymentMethod(
  trx: Trx,
  p: {
    rootId: string;
    clientId: string;
    brand: PaymentMethod['brand'];
    last4: string;
    expMonth: number;
    expYear: number;
    provider: string;
    providerRef: string;
    by: string;
    at: Date;
  },
): Promise<PaymentMethod> {
  const r = await trx
    .insertInto('payment_methods')
    .values({
      id: randomUUID(),
      root_id: p.rootId,
      client_id: p.clientId,
      brand: p.brand,
      last4: p.last4,
      exp_month: p.expMonth,
      exp_year: p.expYear,
      provider: p.provider,
      provider_ref: p.providerRef,
      created_by: p.by,
      created_at: p.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPm(r);
}

export async function findPaymentMethod(db: Db | Trx, id: string): Promise<PaymentMethod | undefined> {
  const r = await db.selectFrom('payment_methods').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toPm(r);
}

export async function listPaymentMethods(db: Db, clientId: string): Promise<PaymentMethod[]> {
  const rows = await db
    .selectFrom('payment_methods')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('removed_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toPm);
}

export async function removePaymentMethod(trx: Trx, id: string, by: string, at: Date): Promise<void> {
  await trx
    .updateTable('payment_methods')
    .set({ removed_at: at, removed_by: by })
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .execute();
}

/**
 * A client's cards in use that were added by anyone who is not a member of the client itself (its agency's or
 * holding's members): the one condition that both the disconnect preview lists and the disconnect removes by.
 */
const cardPlacedFromAbove = (clientId: string) => sql<SqlBool>`
  pm.client_id = ${clientId}::uuid and pm.removed_at is null
  and not exists (select 1 from memberships m where m.user_id = pm.created_by and m.account_id = ${clientId}::uuid)`;

/** The cards `removePlacedFromAbove` would remove now, oldest first. */
export async function cardsPlacedFromAbove(db: Db | Trx, clientId: string): Promise<PaymentMethod[]> {
  const rows = await db
    .selectFrom('payment_methods as pm')
    .selectAll('pm')
    .where(cardPlacedFromAbove(clientId))
    .orderBy('pm.created_at')
    .orderBy('pm.id')
    .execute();
  return rows.map(toPm);
}

/**
 * Removes a client's cards added by anyone who is not a member of the client itself (its agency's or holding's
 * members): what an agency placed on a client does not survive a disconnect or transfer (SPEC 2.2), so neither the
 * client nor its next agency can charge the former agency's card. Past top-ups keep referring to them. Returns their ids.
 */
export async function removePlacedFromAbove(trx: Trx, clientId: string, by: string, at: Date): Promise<string[]> {
  const rows = await trx
    .updateTable('payment_methods as pm')
    .set({ removed_at: at, removed_by: by })
    .where(cardPlacedFromAbove(clientId))
    .returning('pm.id')
    .execute();
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Top-ups

export interface TopUp {
  id: string;
  rootId: string;
  clientId: string;
  idempotencyKey: string;
  /** The connection in force when the key was claimed ('' without one): a key is unique per client and scope. */
  keyScope: string;
  fingerprint: string;
  amountMicros: bigint;
  paymentMethodId: string;
  status: 'pending' | 'succeeded' | 'declined';
  declineReason: string | null;
  providerChargeId: string | null;
  refundedMicros: bigint;
  createdAt: Date;
  updatedAt: Date;
}

type TopUpRow = {
  id: string;
  root_id: string;
  client_id: string;
  idempotency_key: string;
  key_scope: string;
  fingerprint: string;
  amount_micros: string;
  payment_method_id: string;
  status: TopUp['status'];
  decline_reason: string | null;
  provider_charge_id: string | null;
  refunded_micros: string;
  created_at: Date;
  updated_at: Date;
};
const toTopUp = (r: TopUpRow): TopUp => ({
  id: r.id,
  rootId: r.root_id,
  clientId: r.client_id,
  idempotencyKey: r.idempotency_key,
  keyScope: r.key_scope,
  fingerprint: r.fingerprint,
  amountMicros: BigInt(r.amount_micros),
  paymentMethodId: r.payment_method_id,
  status: r.status,
  declineReason: r.decline_reason,
  providerChargeId: r.provider_charge_id,
  refundedMicros: BigInt(r.refunded_micros),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Claims an idempotency key: inserts a pending top-up, or returns undefined when the key is already taken. A
 * concurrent claimer of the same key waits here (unique index) until the first one's transaction ends.
 */
export async function claimTopUp(
  trx: Trx,
  t: {
    rootId: string;
    clientId: string;
    keyScope: string;
    idempotencyKey: string;
    fingerprint: string;
    amountMicros: bigint;
    paymentMethodId: string;
    by: string;
    at: Date;
  },
): Promise<TopUp | undefined> {
  const r = await trx
    .insertInto('top_ups')
    .values({
      id: randomUUID(),
      root_id: t.rootId,
      client_id: t.clientId,
      idempotency_key: t.idempotencyKey,
      key_scope: t.keyScope,
      fingerprint: t.fingerprint,
      amount_micros: t.amountMicros.toString(),
      payment_method_id: t.paymentMethodId,
      status: 'pending',
      created_by: t.by,
      created_at: t.at,
      updated_at: t.at,
    })
    .onConflict((oc) => oc.columns(['root_id', 'client_id', 'key_scope', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return r && toTopUp(r);
}

/**
 * The scope of a client's top-up keys now: its current connection's id, or '' without one (or with one begun by a
 * promotion, whose agency ran the client before). So a viewer from above never meets a key used before it connected.
 */
export async function topUpKeyScope(db: Db | Trx, clientId: string): Promise<string> {
  const r = await db
    .selectFrom('connections')
    .select(['id', 'origin'])
    .where('client_id', '=', clientId)
    .where('state', '=', 'accepted')
    .executeTakeFirst();
  return r && r.origin !== 'promotion' ? r.id : '';
}

/** The top-up of a client claimed with this key in this scope (see `topUpKeyScope`). */
export async function findTopUpByKey(
  db: Db | Trx,
  clientId: string,
  keyScope: string,
  idempotencyKey: string,
): Promise<TopUp | undefined> {
  const r = await db
    .selectFrom('top_ups')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('key_scope', '=', keyScope)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return r && toTopUp(r);
}

export async function findTopUp(
  db: Db | Trx,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<TopUp | undefined> {
  let q = db.selectFrom('top_ups').selectAll().where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r && toTopUp(r);
}

export async function settleTopUp(
  trx: Trx,
  id: string,
  s:
    | { status: 'succeeded'; chargeId: string; at: Date }
    | { status: 'declined'; reason: string; chargeId: string | null; at: Date },
): Promise<TopUp> {
  const r = await trx
    .updateTable('top_ups')
    .set({
      status: s.status,
      provider_charge_id: s.chargeId,
      decline_reason: s.status === 'declined' ? s.reason : null,
      updated_at: s.at,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTopUp(r);
}

export async function addRefunded(trx: Trx, id: string, amountMicros: bigint, at: Date): Promise<TopUp> {
  const r = await trx
    .updateTable('top_ups')
    .set((eb) => ({
      refunded_micros: sql`${eb.ref('refunded_micros')} + ${amountMicros.toString()}::bigint`,
      updated_at: at,
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTopUp(r);
}

/** A client's top-ups, newest first. */
/**
 * SPEC 2.2's cut for credits: when the client is reached from above (not by one of `ownMembers`' accounts, i.e. the
 * viewer is no member of the client itself) and it is connected to an agency by a request or transfer, the instant
 * its current connection began; else null (the whole history).
 */
export async function historySince(db: Db | Trx, clientId: string, viewerIsOwnMember: boolean): Promise<Date | null> {
  if (viewerIsOwnMember) return null;
  const c = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.coalesce('responded_at', 'requested_at').as('since'))
    .where('client_id', '=', clientId)
    .where('state', '=', 'accepted')
    .where('origin', '<>', 'promotion')
    .orderBy('requested_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (c?.since as Date | null | undefined) ?? null;
}

export async function listTopUps(db: Db, clientId: string, limit: number, since: Date | null = null): Promise<TopUp[]> {
  let q = db.selectFrom('top_ups').selectAll().where('client_id', '=', clientId);
  if (since) q = q.where('created_at', '>=', since);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map(toTopUp);
}
