import { randomUUID } from 'node:crypto';
import { MAX_AMOUNT_MICROS, SPEND_FUTURE_SKEW_MS } from '@trellis/domain';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type CompiledQuery,
  type RawBuilder,
} from 'kysely';
import type { Db, Trx } from '../connect';
import type { Database } from '../schema';
import { applySpendCorrections, debitSpend, type SpendCorrection } from './credits';
import { identOf } from '../migrations/20261207_0018_spend_corrections';
import { lockTreeForRollup, PARTIAL_QUARTERS, rollupDaily } from './daily';

/**
 * Spend ingestion and rollup (SPEC 7). The API (`spend.ingest`) and the CLI (`trellis ingest`) share
 * `ingestStaged`: one set-based statement that validates, attributes, de-duplicates and inserts a whole batch.
 */

/** Why a record was refused (SPEC 7), in the order the checks apply. */
export const REJECT_REASONS = [
  'malformed',
  'negative_number',
  'clicks_above_impressions',
  'occurred_in_future',
  'unknown_seat',
  'seat_not_mapped',
  'deal_not_usable',
  'campaign_not_covered',
  'currency_mismatch',
  // SPEC 13: a record whose event id is already stored
  'conflicting_revision',
  'correction_changes_identity',
  'correction_window_closed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const AUCTION_TYPES = ['open_auction', 'private_auction', 'preferred_deal', 'programmatic_guaranteed'] as const;

/** Field names of a record, as in the API's JSON, the NDJSON and the CSV header (SPEC 7). */
export const RECORD_FIELDS = [
  'eventId',
  'occurredAt',
  'dsp',
  'seatId',
  'dealId',
  'auctionType',
  'campaignId',
  'impressions',
  'clicks',
  'spendMicros',
  'currency',
  // SPEC 13 (optional): a restated record's revision and why it was restated
  'revision',
  'correctionReason',
] as const;

/** Why a DSP restated a record (SPEC 13). */
export const CORRECTION_REASONS = ['restatement', 'invalid_traffic', 'overdelivery'] as const;
export type CorrectionReason = (typeof CORRECTION_REASONS)[number];

/** The default correction window of a root, in days, and its bounds (SPEC 13). */
export const CORRECTION_WINDOW = { default: 60, min: 0, max: 180 } as const;

export interface Reject {
  /** Index in the batch (API) or line number in the file (CLI). */
  index: number;
  eventId: string | null;
  reason: RejectReason;
  /** For a malformed record: which field or what was wrong. */
  detail: string | null;
}

export interface IngestResult {
  /** First versions stored. */
  accepted: number;
  /** Corrections applied: a higher revision of a stored event (SPEC 13). */
  corrected: number;
  duplicates: number;
  /** A lower revision than the stored one: counted, not an error (sources resend). */
  stale: number;
  rejected: Reject[];
}

/** The staging table the CLI copies into: every field as text, so nothing fails before the per-row checks. */
export const STAGING_COLUMNS = [
  'idx',
  'event_id',
  'occurred_at',
  'dsp',
  'seat_id',
  'deal_id',
  'auction_type',
  'campaign_id',
  'impressions',
  'clicks',
  'spend_micros',
  'currency',
  'revision',
  'correction_reason',
  'malformed',
] as const;

/** A compiled statement runner: a Kysely transaction, or the CLI's own pg client (which also runs COPY). */
export type Exec = <R>(q: CompiledQuery) => Promise<R[]>;
export const trxExec =
  (trx: Trx): Exec =>
  async <R>(q: CompiledQuery) =>
    (await trx.executeQuery<R>(q)).rows;

/** Compiles without a connection (the CLI runs the statements on its own pg client). */
export const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

export const STAGING_TABLE = 'spend_staging';

/** The lock key of a root's ingestion: writers hold it shared, the rollup briefly exclusive (see `safeHighSeq`). */
const lockKey = (rootId: string) => sql`7001, hashtext(${rootId}::text)`;

/**
 * The session's staging table: every field as text, so nothing fails before the per-row checks; emptied at each
 * commit. `idx` is the batch index (API) or the file's line number (CLI).
 */
export const createStagingTable = () =>
  sql`
    create temp table if not exists ${sql.id(STAGING_TABLE)} (
      idx bigint not null, event_id text, occurred_at text, dsp text, seat_id text, deal_id text, auction_type text,
      campaign_id text, impressions text, clicks text, spend_micros text, currency text, revision text,
      correction_reason text, malformed text
    ) on commit delete rows`.compile(compiler);

/** A batch of records (a JSON array) into the staging table (the API path). */
export function stageJson(records: readonly unknown[]) {
  const text = (f: string) => sql`case when jsonb_typeof(e -> ${f}) in ('string', 'number') then e ->> ${f} end`;
  return sql`
    insert into ${sql.id(STAGING_TABLE)} (${sql.join(STAGING_COLUMNS.map((c) => sql.id(c)))})
    select (o - 1)::bigint, ${text('eventId')}, ${text('occurredAt')}, ${text('dsp')}, ${text('seatId')}, ${text('dealId')},
      ${text('auctionType')}, ${text('campaignId')}, ${text('impressions')}, ${text('clicks')}, ${text('spendMicros')}, ${text('currency')},
      ${text('revision')}, ${text('correctionReason')},
      case when jsonb_typeof(e) <> 'object' then 'not an object' end
    from jsonb_array_elements(${JSON.stringify(records)}::jsonb) with ordinality as t(e, o)`.compile(compiler);
}

/** The staging table's rows as the statement's source; ANALYZE first, so the plan fits the batch's size. */
const stagingSource = () =>
  sql`select ${sql.join(STAGING_COLUMNS.map((c) => sql.id(c)))} from ${sql.id(STAGING_TABLE)}`;

/** An integer field: a whole number PostgreSQL reads as bigint (cheap soft-error parse, no regex per row). */
const int = (c: string) => sql`(s.${sql.raw(c)} is null or not pg_input_is_valid(s.${sql.raw(c)}, 'bigint'))`;
/**
 * The most one record may carry in each number (spend in micros, impressions, clicks): the largest single amount
 * accepted anywhere (MAX_AMOUNT_MICROS, 10^15), so a batch's sums and a client's day of debits stay far inside a bigint.
 */
const RECORD_MAX = sql.raw(MAX_AMOUNT_MICROS.toString());
const above = (c: string) => sql`s.${sql.raw(c)}::bigint > ${RECORD_MAX}`;
/**
 * An ISO-8601 instant with its zone stated (Z or an offset): date at the start, the zone at the end, checked with
 * string positions (regexes cost more than the whole rest of the row), then parsed by PostgreSQL itself.
 */
const instant = sql`(
  s.occurred_at is null or char_length(s.occurred_at) not between 16 and 40
  or substr(s.occurred_at, 5, 1) <> '-' or substr(s.occurred_at, 8, 1) <> '-' or substr(s.occurred_at, 11, 1) not in ('T', 't', ' ')
  or not (right(s.occurred_at, 1) in ('Z', 'z') or substr(s.occurred_at, char_length(s.occurred_at) - 5, 1) in ('+', '-')
    or substr(s.occurred_at, char_length(s.occurred_at) - 4, 1) in ('+', '-')
    or substr(s.occurred_at, char_length(s.occurred_at) - 2, 1) in ('+', '-'))
  or not pg_input_is_valid(s.occurred_at, 'timestamptz'))`;

/**
 * Validates, attributes and stores one staged batch of a root (call inside a transaction), in three statements:
 * 1. `judgeStatement` judges every row into the session's table `spend_judged`:
 *    - malformed fields (a number above 10^15 too, a revision that is no whole number, an unknown correction reason),
 *      negative numbers, clicks above impressions; occurredAt at most SPEND_FUTURE_SKEW_MS after `now`;
 *    - of the rows of one event id, the highest revision is its candidate (the lowest row number among equals); the
 *      others are stale (a lower revision), duplicates (the same revision, identity and figures) or
 *      `conflicting_revision`;
 *    - a candidate whose event the root has not stored is attributed (SPEC 7): the seat (dsp, seat id) of this root,
 *      the account it was mapped to at occurredAt (seat_mappings history), which must be an account of this root now
 *      and was in this root at occurredAt (a client connected or transferred here is in it from the start of its
 *      current connection, SPEC 2.2); the deal usable by that account on that DSP; the campaign of a client covered
 *      by it at occurredAt; the attributed account's currency;
 *    - a candidate whose event is stored is judged against the stored version (SPEC 13): stale, duplicate,
 *      `conflicting_revision`, `correction_changes_identity`, `correction_window_closed`, or a correction, which
 *      keeps the stored attribution (a client since moved elsewhere never takes its corrections along).
 * 2. `storeStatement` upserts the candidates into spend_event_ids (the current versions): a new event is inserted; a
 *    stored one is replaced only while its revision is lower and its identity the same (ON CONFLICT DO UPDATE ...
 *    WHERE, which sees the latest committed version and locks it: two batches carrying revisions 1 and 2 of an event
 *    at once end with revision 2, whatever their order, and each difference is stored once). First versions go to
 *    spend_records as they are; a correction as its DIFFERENCE (new figures minus the replaced ones), attributed as
 *    its first record; both into the batch's partial aggregates.
 * 3. `settleStatement` names what became of candidates the upsert did not apply (another batch stored the event or a
 *    higher revision meanwhile: their rows are locked, so this reads them as final) and returns the counts.
 * Rejected rows carry `idx` from the source (the batch index, or the file's line number).
 */
export async function ingestStaged(
  exec: Exec,
  rootId: string,
  batchId: string,
  now: Date = new Date(),
): Promise<IngestResult> {
  await exec(sql`select pg_advisory_xact_lock_shared(${lockKey(rootId)})`.compile(compiler));
  // a batch's sorts and hashes (event ids, partial aggregates) in memory, not spilled to disk at the default 4 MB
  await exec(sql`set local work_mem = '64MB'`.compile(compiler));
  await exec(sql`analyze ${sql.id(STAGING_TABLE)}`.compile(compiler));
  await exec(createJudgedTable());
  await exec(judgeStatement(rootId, now).compile(compiler));
  await exec(sql`analyze ${sql.id(JUDGED_TABLE)}`.compile(compiler));
  // A correction found stored by a batch that committed after this statement's snapshot cannot read that batch's
  // first record (whose attribution its difference copies): the statement then stores nothing of it and says so, and
  // runs again from a savepoint (its new snapshot sees that record).
  for (let attempt = 1; ; attempt++) {
    await exec(sql`savepoint trellis_store`.compile(compiler));
    const [stored] = await exec<{ updated: string; differences: string }>(
      storeStatement(rootId, batchId, now).compile(compiler),
    );
    if (stored!.updated === stored!.differences) break;
    await exec(sql`rollback to savepoint trellis_store`.compile(compiler));
    // never a partial store: the batch fails whole (nothing of it is stored) and may be sent again
    if (attempt >= 5)
      throw new Error('spend ingest: concurrent batches kept changing the same events; send the batch again');
  }
  await exec(sql`release savepoint trellis_store`.compile(compiler));
  const [row] = await exec<{
    accepted: string;
    corrected: string;
    duplicates: string;
    stale: string;
    rejected: { index: number; eventId: string | null; reason: string }[] | null;
  }>(settleStatement(rootId, now).compile(compiler));
  return {
    accepted: Number(row!.accepted),
    corrected: Number(row!.corrected),
    duplicates: Number(row!.duplicates),
    stale: Number(row!.stale),
    rejected: (row!.rejected ?? []).map((x) => {
      const [reason, ...detail] = x.reason.split(':');
      return {
        index: Number(x.index),
        eventId: x.eventId,
        reason: reason as RejectReason,
        detail: detail.length ? detail.join(':') : null,
      };
    }),
  };
}

export const JUDGED_TABLE = 'spend_judged';

/**
 * The session's judged rows (emptied at each commit): `outcome` is 'reject:<reason>[:detail]', 'stale', 'duplicate',
 * 'new' or 'correct' (a candidate to store, and once stored: accepted or corrected), or 'unapplied' (a candidate the
 * store statement found changed by another batch, judged again by `settleStatement`).
 */
export const createJudgedTable = () =>
  sql`
    create temp table if not exists ${sql.id(JUDGED_TABLE)} (
      idx bigint not null, event_id text, outcome text not null, ts timestamptz, dsp text, seat_uuid uuid,
      seat_account uuid, account_id uuid, client_id uuid, deal_uuid uuid, auction_type text, campaign_uuid uuid,
      currency text, impressions bigint, clicks bigint, spend_micros bigint, revision integer, correction_reason text,
      ident text
    ) on commit delete rows`.compile(compiler);

/** The root's correction window's earliest occurredAt a correction may reach (SPEC 13). */
const windowStart = (rootId: string, now: Date) => sql`(${now}::timestamptz - make_interval(days => coalesce(
  (select w.correction_window_days from spend_settings w where w.root_id = ${rootId}::uuid), ${sql.lit(CORRECTION_WINDOW.default)})))`;

/**
 * Inserts into spend_partials the records of `records` (a relation with the raw records' columns, all of one root)
 * summed per hour and group, with their quarter sums and the differences' spend among them: what ingestion writes
 * beside each batch.
 */
export const insertPartials = (rootId: string, records: RawBuilder<unknown>) => sql`
  insert into spend_partials (root_id, account_id, client_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
    impressions, clicks, spend_micros, records, ${sql.join(PARTIAL_QUARTERS.map((c) => sql.id(c)))},
    correction_micros, cor_15, cor_30, cor_45)
  select ${rootId}::uuid, account_id, client_id, date_trunc('hour', occurred_at, 'UTC'), dsp, seat_id, deal_id,
    auction_type, campaign_id, currency, sum(impressions), sum(clicks), sum(spend_micros), count(*), ${quarterSums},
    coalesce(sum(spend_micros) filter (where correction_reason is not null), 0), ${correctionQuarters}
  from ${records} r
  group by account_id, client_id, 4, dsp, seat_id, deal_id, auction_type, campaign_id, currency`;

const early = (q: number) =>
  sql`occurred_at < date_trunc('hour', occurred_at, 'UTC') + ${sql.lit(`${q} minutes`)}::interval`;
/** The sums of PARTIAL_QUARTERS over a batch's inserted records (a relation with occurred_at), in the same order. */
const quarterSums = sql.join(
  (['impressions', 'clicks', 'spend_micros', null] as const).flatMap((c) =>
    [15, 30, 45].map((q) =>
      c ? sql`coalesce(sum(${sql.ref(c)}) filter (where ${early(q)}), 0)` : sql`count(*) filter (where ${early(q)})`,
    ),
  ),
);
/** The differences' spend before minute 15, 30 and 45 (cor_15, cor_30, cor_45). */
const correctionQuarters = sql.join(
  [15, 30, 45].map(
    (q) => sql`coalesce(sum(spend_micros) filter (where correction_reason is not null and ${early(q)}), 0)`,
  ),
);

/** Statement 1 of `ingestStaged`: every staged row judged into spend_judged (exported for EXPLAIN in the bench). */
export function judgeStatement(rootId: string, now: Date = new Date()) {
  const latest = new Date(now.getTime() + SPEND_FUTURE_SKEW_MS);
  const types = sql.join(AUCTION_TYPES.map((t) => sql.lit(t)));
  const reasons = sql.join(CORRECTION_REASONS.map((t) => sql.lit(t)));
  const same = (a: string, b: string) =>
    sql.raw(
      `${a}.impressions = ${b}.impressions and ${a}.clicks = ${b}.clicks and ${a}.spend_micros = ${b}.spend_micros`,
    );
  return sql`
    insert into ${sql.id(JUDGED_TABLE)} (idx, event_id, outcome, ts, dsp, seat_uuid, seat_account, account_id, client_id,
      deal_uuid, auction_type, campaign_uuid, currency, impressions, clicks, spend_micros, revision, correction_reason, ident)
    with src as (${stagingSource()}),
    checked as materialized (
      select s.*,
        case
          when s.malformed is not null then 'malformed:' || s.malformed
          when s.event_id is null or char_length(s.event_id) not between 1 and 200 then 'malformed:eventId'
          when ${instant} then 'malformed:occurredAt'
          when s.dsp is null or char_length(s.dsp) not between 1 and 64 then 'malformed:dsp'
          when s.seat_id is null or char_length(s.seat_id) not between 1 and 64 then 'malformed:seatId'
          when s.auction_type is null or s.auction_type not in (${types}) then 'malformed:auctionType'
          when nullif(s.deal_id, '') is not null and char_length(s.deal_id) > 64 then 'malformed:dealId'
          when (nullif(s.deal_id, '') is null) <> (s.auction_type = 'open_auction') then 'malformed:dealId (required unless open_auction)'
          when nullif(s.campaign_id, '') is not null and not pg_input_is_valid(s.campaign_id, 'uuid') then 'malformed:campaignId'
          when ${int('impressions')} then 'malformed:impressions'
          when ${int('clicks')} then 'malformed:clicks'
          when ${int('spend_micros')} then 'malformed:spendMicros'
          when ${above('impressions')} then 'malformed:impressions (at most 10^15)'
          when ${above('clicks')} then 'malformed:clicks (at most 10^15)'
          when ${above('spend_micros')} then 'malformed:spendMicros (at most 10^15)'
          when s.currency is null or octet_length(s.currency) <> 3
            or translate(s.currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') <> '' then 'malformed:currency'
          when nullif(s.revision, '') is not null and (not pg_input_is_valid(s.revision, 'integer') or s.revision::integer < 0)
            then 'malformed:revision (a whole number, 0 or more)'
          when nullif(s.correction_reason, '') is not null and s.correction_reason not in (${reasons})
            then 'malformed:correctionReason (restatement, invalid_traffic or overdelivery)'
          when nullif(s.correction_reason, '') is not null and coalesce(nullif(s.revision, '')::integer, 0) = 0
            then 'malformed:correctionReason (only with a revision above 0)'
          when s.impressions::bigint < 0 or s.clicks::bigint < 0 or s.spend_micros::bigint < 0 then 'negative_number'
          when s.clicks::bigint > s.impressions::bigint then 'clicks_above_impressions'
          when s.occurred_at::timestamptz > ${latest}::timestamptz then 'occurred_in_future'
        end as pre
      from src s
    ),
    typed as materialized (
      select c.idx, c.event_id, c.pre, c.dsp, c.seat_id as seat_ext, c.currency,
        case when c.pre is null then c.occurred_at::timestamptz end as ts,
        case when c.pre is null then nullif(c.deal_id, '') end as deal_ext,
        case when c.pre is null then nullif(c.campaign_id, '')::uuid end as campaign_ref,
        case when c.pre is null then c.auction_type end as auction_type,
        case when c.pre is null then c.impressions::bigint end as impressions,
        case when c.pre is null then c.clicks::bigint end as clicks,
        case when c.pre is null then c.spend_micros::bigint end as spend_micros,
        case when c.pre is null then coalesce(nullif(c.revision, '')::integer, 0) end as revision,
        case when c.pre is null and coalesce(nullif(c.revision, '')::integer, 0) > 0
          then coalesce(nullif(c.correction_reason, ''), 'restatement') end as correction_reason
      from checked c
    ),
    -- the batch's candidate per event: its highest revision (the first row among equals)
    ranked as materialized (
      select t.*, ${identOf(sql`t.ts`, sql`t.dsp`, sql`t.seat_ext`, sql`t.deal_ext`, sql`t.auction_type`, sql`t.campaign_ref`, sql`t.currency`)} as ident,
        row_number() over (partition by t.event_id order by t.revision desc, t.idx) as rn
      from typed t where t.pre is null
    ),
    cand as (
      select r.*, v.revision as v_revision, v.ident as v_ident, v.occurred_at as v_at,
        v.impressions as v_impressions, v.clicks as v_clicks, v.spend_micros as v_spend_micros, v.event_id is not null as known
      from ranked r
      -- one probe of the primary key per candidate, whatever the planner believes of the table's size: planned while
      -- it was empty (a root's first file), a plain join may scan it per row while another connection fills it
      left join lateral (
        select * from spend_event_ids v where v.root_id = ${rootId}::uuid and v.event_id = r.event_id limit 1
      ) v on true
      where r.rn = 1
    ),
    resolved as (
      select t.*, st.id as seat_uuid, sa.id as seat_account, sa.root_id as seat_account_root, d.id as deal_uuid,
        cp.id as campaign_uuid, aa.id as account_id, aa.kind as account_kind, aa.currency as account_currency,
        coalesce(sk.responded_at, sk.requested_at) as seat_account_since
      from cand t
      -- only a new event is attributed: a correction keeps its first record's attribution
      left join seats st on not t.known and st.dsp = t.dsp and st.external_id = t.seat_ext and st.root_id = ${rootId}
      -- the mapping in force at ts: holding periods [effective_from, effective_to) never overlap, so at most one row
      left join seat_mappings m on m.seat_id = st.id and m.effective_from <= t.ts and (m.effective_to is null or m.effective_to > t.ts)
      left join accounts sa on sa.id = m.account_id and sa.root_id = ${rootId}
      -- since when that account is in this root: a client's current connection (not one begun by a promotion, whose
      -- agency ran the client before) began when it was accepted; at most one is accepted at a time
      left join connections sk on sk.client_id = sa.id and sk.state = 'accepted' and sk.origin <> 'promotion'
      -- the deal with that id usable by the seat's account (its own or an ancestor's; one per branch, SPEC 5) on that DSP
      left join (
        select d.id, d.deal_id, p.descendant_id, dd.dsp from deals d
        join account_paths p on p.ancestor_id = d.owner_account_id
        join deal_dsps dd on dd.deal_id = d.id
      ) d on d.deal_id = t.deal_ext and d.descendant_id = sa.id and d.dsp = t.dsp
      -- the campaign, when its client is the seat's account or one of its descendants, and was so at ts: a client
      -- connected or transferred under the seat's account (SPEC 2.2) is covered from its current connection on, so
      -- spend from before never reaches its credits
      left join (
        select c.id, c.client_id, p.ancestor_id, coalesce(k.responded_at, k.requested_at) as since
        from campaigns c join account_paths p on p.descendant_id = c.client_id
        left join connections k on k.client_id = c.client_id and k.state = 'accepted' and k.origin <> 'promotion'
      ) cp on cp.id = t.campaign_ref and cp.ancestor_id = sa.id and (cp.client_id = sa.id or cp.since is null or cp.since <= t.ts)
      left join accounts aa on aa.id = coalesce(cp.client_id, sa.id)
    ),
    judged as (
      select r.*,
        case
          when not r.known then case
            when r.seat_uuid is null then 'reject:unknown_seat'
            when r.seat_account is null or r.seat_account_since > r.ts then 'reject:seat_not_mapped'
            when r.deal_ext is not null and r.deal_uuid is null then 'reject:deal_not_usable'
            when r.campaign_ref is not null and r.campaign_uuid is null then 'reject:campaign_not_covered'
            when r.account_currency <> r.currency then 'reject:currency_mismatch'
            else 'new' end
          when r.revision < r.v_revision then 'stale'
          when r.revision = r.v_revision then case
            when r.ident = r.v_ident and r.impressions = r.v_impressions and r.clicks = r.v_clicks
              and r.spend_micros = r.v_spend_micros then 'duplicate' else 'reject:conflicting_revision' end
          when r.ident is distinct from r.v_ident then 'reject:correction_changes_identity'
          when r.v_at < ${windowStart(rootId, now)} then 'reject:correction_window_closed'
          else 'correct'
        end as outcome
      from resolved r
    )
    select j.idx, j.event_id, j.outcome, j.ts, j.dsp, j.seat_uuid, j.seat_account, j.account_id,
      case when j.account_kind = 'client' then j.account_id end, j.deal_uuid, j.auction_type, j.campaign_uuid,
      j.currency, j.impressions, j.clicks, j.spend_micros, j.revision, j.correction_reason, j.ident
    from judged j
    union all
    -- the other rows of an event: a lower revision is stale; the same one a duplicate, or a conflict
    select r.idx, r.event_id,
      case when r.revision < c.revision then 'stale'
        when r.ident = c.ident and ${same('r', 'c')} then 'duplicate'
        else 'reject:conflicting_revision' end,
      null, null, null, null, null, null, null, null, null, null, null, null, null, r.revision, null, null
    from ranked r join ranked c on c.event_id = r.event_id and c.rn = 1
    where r.rn > 1
    union all
    select t.idx, t.event_id, 'reject:' || t.pre, null, null, null, null, null, null, null, null, null, null, null,
      null, null, null, null, null
    from typed t where t.pre is not null`;
}

/**
 * Statement 2 of `ingestStaged`: the candidates upserted into spend_event_ids, their first records and differences
 * into spend_records and the partials; answers how many stored events it replaced and how many differences it wrote
 * (unequal only when a replaced event's first record is not in this statement's snapshot: see `ingestStaged`).
 */
export function storeStatement(rootId: string, batchId: string, now: Date = new Date()) {
  return sql<{ updated: string; differences: string }>`
    with seqs as materialized (
      select j.*, nextval('spend_seq') as new_seq
      from ${sql.id(JUDGED_TABLE)} j where j.outcome in ('new', 'correct')
      order by j.event_id
    ),
    up as (
      insert into spend_event_ids as v (root_id, event_id, revision, ident, occurred_at, seq, impressions, clicks, spend_micros)
      select ${rootId}::uuid, s.event_id, s.revision, s.ident, s.ts, s.new_seq, s.impressions, s.clicks, s.spend_micros
      from seqs s
      order by s.event_id -- concurrent batches lock alike
      on conflict (root_id, event_id) do update set
        revision = excluded.revision, impressions = excluded.impressions, clicks = excluded.clicks,
        spend_micros = excluded.spend_micros, prev_impressions = v.impressions, prev_clicks = v.clicks,
        prev_spend_micros = v.spend_micros
      where v.revision < excluded.revision and v.ident = excluded.ident and v.occurred_at >= ${windowStart(rootId, now)}
      returning v.event_id, v.seq, v.occurred_at, v.revision, v.impressions, v.clicks, v.spend_micros,
        v.prev_impressions, v.prev_clicks, v.prev_spend_micros, v.prev_spend_micros is null as inserted
    ),
    ins as (
      insert into spend_records (root_id, seq, occurred_at, event_id, batch_id, dsp, seat_id, seat_account_id, account_id,
        client_id, deal_id, auction_type, campaign_id, currency, impressions, clicks, spend_micros, revision, correction_reason)
      select ${rootId}::uuid, s.new_seq, s.ts, s.event_id, ${batchId}::uuid, s.dsp, s.seat_uuid, s.seat_account, s.account_id,
        s.client_id, s.deal_uuid, s.auction_type, s.campaign_uuid, s.currency, s.impressions, s.clicks, s.spend_micros,
        s.revision, null
      from up join seqs s using (event_id) where up.inserted
      union all
      -- a difference, attributed as the event's first record (the partition of its occurred_at, its seq)
      select ${rootId}::uuid, s.new_seq, o.occurred_at, o.event_id, ${batchId}::uuid, o.dsp, o.seat_id, o.seat_account_id,
        o.account_id, o.client_id, o.deal_id, o.auction_type, o.campaign_id, o.currency,
        up.impressions - up.prev_impressions, up.clicks - up.prev_clicks, up.spend_micros - up.prev_spend_micros,
        up.revision, s.correction_reason
      from up join seqs s using (event_id)
      -- one probe of the primary key (and its partition) per difference, never a scan of the root's records
      cross join lateral (
        select * from spend_records o
        where o.root_id = ${rootId}::uuid and o.seq = up.seq and o.occurred_at = up.occurred_at limit 1
      ) o
      where not up.inserted
      returning event_id, correction_reason, account_id, client_id, occurred_at, dsp, seat_id, deal_id, auction_type,
        campaign_id, currency, impressions, clicks, spend_micros
    ),
    parts as (${insertPartials(rootId, sql`ins`)}),
    -- a candidate stays 'new' or 'correct' once stored, unless another batch stored its event first (then a new
    -- event's later revision is stored as a correction); those the upsert did not apply (usually none) are marked
    relabeled as (
      update ${sql.id(JUDGED_TABLE)} j set outcome = case when up.inserted then 'new' else 'correct' end
      from up where j.event_id = up.event_id and j.outcome = case when up.inserted then 'correct' else 'new' end
      returning 1
    ),
    unapplied as (
      update ${sql.id(JUDGED_TABLE)} j set outcome = 'unapplied'
      where j.outcome in ('new', 'correct') and not exists (select 1 from up where up.event_id = j.event_id)
      returning 1
    )
    select (select count(*) from up where not inserted)::text as updated,
      (select count(*) from ins where correction_reason is not null)::text as differences,
      (select count(*) from relabeled)::text as relabeled, (select count(*) from unapplied)::text as unapplied`;
}

/**
 * Statement 3 of `ingestStaged`: a candidate the upsert did not apply, judged against the event's version as it now
 * stands (locked by the upsert, so final); then the batch's counts and rejections.
 */
export function settleStatement(rootId: string, now: Date = new Date()) {
  return sql<{
    accepted: string;
    corrected: string;
    duplicates: string;
    stale: string;
    rejected: { index: number; eventId: string | null; reason: string }[] | null;
  }>`
    with todo as (
      select j.idx, case
          when v.revision > j.revision then 'stale'
          when v.revision = j.revision then case
            when v.ident = j.ident and v.impressions = j.impressions and v.clicks = j.clicks and v.spend_micros = j.spend_micros
            then 'duplicate' else 'reject:conflicting_revision' end
          when v.ident is distinct from j.ident then 'reject:correction_changes_identity'
          when v.occurred_at < ${windowStart(rootId, now)} then 'reject:correction_window_closed'
          else 'reject:conflicting_revision' end as outcome
      from ${sql.id(JUDGED_TABLE)} j
      -- a probe of the primary key per unapplied candidate
      left join lateral (
        select * from spend_event_ids v where v.root_id = ${rootId}::uuid and v.event_id = j.event_id limit 1
      ) v on true
      where j.outcome = 'unapplied'
    ),
    settled as (
      update ${sql.id(JUDGED_TABLE)} j set outcome = t.outcome from todo t where j.idx = t.idx
      returning j.idx, j.event_id, j.outcome
    ),
    final as (
      select idx, event_id, outcome from ${sql.id(JUDGED_TABLE)} where idx not in (select idx from settled)
      union all select idx, event_id, outcome from settled
    )
    select
      count(*) filter (where outcome = 'new')::text as accepted,
      count(*) filter (where outcome = 'correct')::text as corrected,
      count(*) filter (where outcome = 'duplicate')::text as duplicates,
      count(*) filter (where outcome = 'stale')::text as stale,
      json_agg(json_build_object('index', idx, 'eventId', event_id, 'reason', substr(outcome, 8)) order by idx)
        filter (where outcome like 'reject:%') as rejected
    from final`;
}

// ---------------------------------------------------------------------------------------------------------------
// Batches

export function reasonCounts(rejected: readonly Reject[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rejected) out[r.reason] = (out[r.reason] ?? 0) + 1;
  return out;
}

export async function openBatch(
  exec: Exec,
  b: { rootId: string; source: 'api' | 'cli'; keyId?: string | null; userId?: string | null; fileName?: string | null },
): Promise<string> {
  const id = randomUUID();
  await exec(
    sql`insert into spend_batches (id, root_id, source, key_id, user_id, file_name)
        values (${id}, ${b.rootId}, ${b.source}, ${b.keyId ?? null}, ${b.userId ?? null}, ${b.fileName ?? null})`.compile(
      compiler,
    ),
  );
  await exec(sql`insert into spend_watermarks (root_id) values (${b.rootId}) on conflict do nothing`.compile(compiler));
  return id;
}

/** Adds one chunk's counts to its batch (same transaction as the chunk). */
export async function addToBatch(
  exec: Exec,
  rootId: string,
  batchId: string,
  records: number,
  res: IngestResult,
): Promise<void> {
  await exec(
    sql`
    update spend_batches set
      records = records + ${records}, accepted = accepted + ${res.accepted}, duplicates = duplicates + ${res.duplicates},
      corrected = corrected + ${res.corrected}, stale = stale + ${res.stale},
      rejected = rejected + ${res.rejected.length}, updated_at = now(),
      reasons = (select coalesce(jsonb_object_agg(k, v), '{}'::jsonb) from (
        select k, sum(v)::bigint as v from (
          select key as k, value::bigint as v from jsonb_each_text(reasons)
          union all select key, value::bigint from jsonb_each_text(${JSON.stringify(reasonCounts(res.rejected))}::jsonb)
        ) x group by k) y)
    where root_id = ${rootId} and id = ${batchId}`.compile(compiler),
  );
}

/** A string PostgreSQL's jsonb cannot hold (NUL) or that is no valid Unicode (a lone surrogate). */
const UNSTORABLE = /\u0000|\p{Cs}/u;
/** Field names echoed in a rejection's detail: plain and short (anything else is "a field name"). */
const PLAIN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Why one API record cannot even be staged, or null when it can (SPEC 7, 9): a record must be a flat object whose
 * values are scalars (strings without NUL or lone surrogates, finite numbers, booleans, null). Checked one level deep,
 * without recursion, before anything stringifies the batch, so a record nested 100,000 levels deep or carrying a NUL
 * is one 'malformed' rejection, not a failed call; its neighbours are still stored.
 */
export function unstageable(record: unknown): { eventId: string | null; detail: string } | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { eventId: null, detail: 'not an object' };
  const fields = record as Record<string, unknown>;
  const rawId = fields.eventId;
  const eventId = typeof rawId === 'string' && rawId.length <= 200 && !UNSTORABLE.test(rawId) ? rawId : null;
  for (const key of Object.keys(fields)) {
    const name = PLAIN_NAME.test(key) ? key : 'a field name';
    if (name !== key && UNSTORABLE.test(key)) return { eventId, detail: name };
    const v = fields[key];
    const ok =
      v === null || v === undefined || typeof v === 'boolean'
        ? true
        : typeof v === 'string'
          ? !UNSTORABLE.test(v)
          : typeof v === 'number'
            ? Number.isFinite(v)
            : false;
    if (!ok) return { eventId, detail: name };
  }
  return null;
}

/** One API batch: opened, ingested and counted in the caller's transaction. */
export async function ingestBatch(
  trx: Trx,
  b: { rootId: string; keyId?: string | null; userId?: string | null; records: readonly unknown[]; now?: Date },
): Promise<IngestResult & { batchId: string }> {
  const exec = trxExec(trx);
  const batchId = await openBatch(exec, {
    rootId: b.rootId,
    source: 'api',
    keyId: b.keyId ?? null,
    userId: b.userId ?? null,
  });
  await exec(createStagingTable());
  // A record that cannot be staged is staged as null (a 'malformed' rejection at its index), then named precisely.
  const unfit = new Map<number, { eventId: string | null; detail: string }>();
  const staged = b.records.map((r, i) => {
    const why = unstageable(r);
    if (!why) return r;
    unfit.set(i, why);
    return null;
  });
  await exec(stageJson(staged));
  const res = await ingestStaged(exec, b.rootId, batchId, b.now ?? new Date());
  res.rejected = res.rejected.map((r) => {
    const why = unfit.get(r.index);
    return why ? { ...r, reason: 'malformed', eventId: why.eventId, detail: why.detail } : r;
  });
  await addToBatch(exec, b.rootId, batchId, b.records.length, res);
  if (b.keyId) {
    await sql`update ingest_keys set last_used_at = now(), batches = batches + 1 where root_id = ${b.rootId} and id = ${b.keyId}`.execute(
      trx,
    );
  }
  return { ...res, batchId };
}

export interface BatchSummary {
  id: string;
  source: 'api' | 'cli';
  keyId: string | null;
  userId: string | null;
  fileName: string | null;
  createdAt: Date;
  updatedAt: Date;
  records: number;
  accepted: number;
  corrected: number;
  duplicates: number;
  stale: number;
  rejected: number;
  reasons: Record<string, number>;
}

export async function recentBatches(db: Db, rootId: string, limit = 20): Promise<BatchSummary[]> {
  const rows = await db
    .selectFrom('spend_batches')
    .selectAll()
    .where('root_id', '=', rootId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    source: r.source,
    keyId: r.key_id,
    userId: r.user_id,
    fileName: r.file_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    records: Number(r.records),
    accepted: Number(r.accepted),
    corrected: Number(r.corrected),
    duplicates: Number(r.duplicates),
    stale: Number(r.stale),
    rejected: Number(r.rejected),
    reasons: Object.fromEntries(Object.entries(r.reasons).map(([k, v]) => [k, Number(v)])),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Rollup (the worker)

/**
 * The highest sequence number of the root that no open transaction can still fill: in a short transaction of its own,
 * takes the root's ingestion lock exclusively (every writer holds it shared from before it draws a sequence number),
 * so once granted, every writer that drew a number up to the sequence's current value has committed or rolled back;
 * the lock ends with that transaction at once, so ingestion waits only for this instant. A later READ COMMITTED
 * statement (the rollup's) then sees every committed row up to the returned value.
 */
export async function safeHighSeq(db: Db, rootId: string): Promise<bigint> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${lockKey(rootId)})`.execute(trx);
    const r = await sql<{
      hi: string;
    }>`select (case when is_called then last_value else 0 end)::text as hi from spend_seq`.execute(trx);
    return BigInt(r.rows[0]!.hi);
  });
}

/** Locks a root's watermark for this rollup, skipping roots another worker holds; null when none is due. */
export async function claimRoot(trx: Trx, rootId?: string): Promise<{ rootId: string; rolledSeq: bigint } | null> {
  const r = await sql<{ root_id: string; rolled_seq: string }>`
    select w.root_id, w.rolled_seq::text from spend_watermarks w
    where (${rootId ?? null}::uuid is null or w.root_id = ${rootId ?? null}::uuid)
      and exists (select 1 from spend_partials p where p.root_id = w.root_id and p.seq > w.rolled_seq)
    order by w.rolled_at nulls first
    limit 1
    for update of w skip locked`.execute(trx);
  const row = r.rows[0];
  return row ? { rootId: row.root_id, rolledSeq: BigInt(row.rolled_seq) } : null;
}

export interface RollupResult {
  rootId: string;
  from: bigint;
  to: bigint;
  records: number;
  groups: number;
  /**
   * One per (client, day of occurred_at in the client's zone), reference `spend:<root>:<from>-<to>:<YYYY-MM-DD>`, dated in its day (a
   * day above 10^15 micros in parts of at most that, the later ones with `:2`, `:3`... appended).
   */
  debits: { clientId: string; amountMicros: bigint; reference: string; at: Date }[];
  /** Per client, the net difference of the corrections in the range (SPEC 13), reference `correction:<root>:<from>-<to>`. */
  corrections: SpendCorrection[];
  /** How long each statement of the range took (the worker logs them with the unit). */
  stepMs: { hourly: number; daily: number; corrections: number };
}

/**
 * Rolls the root's records with seq in (from, to] into spend_hourly with one INSERT ... SELECT ... GROUP BY ... ON
 * CONFLICT DO UPDATE over their partial aggregates (spend_partials, written by ingestion in the records' transaction),
 * and into each viewing level's daily aggregates (spend_daily, repos/daily.ts); returns the
 * per-client spend of that range (for the debits) and advances the watermark; all in the caller's transaction, which
 * holds the watermark row.
 */
export async function rollupRange(
  trx: Trx,
  rootId: string,
  from: bigint,
  to: bigint,
  completeUntil: Date | null,
  now: Date = new Date(),
): Promise<RollupResult> {
  // the tree (shared): no client moves while this range is added to its ancestors' daily aggregates
  await lockTreeForRollup(trx);
  // the range's groups fit in memory (the default 4 MB spills a few hundred thousand groups to disk)
  await sql`set local work_mem = '128MB'`.execute(trx);
  // with each client's spend per day of the range in the client's own zone, so a late (or backfilled) record is
  // debited into its own day of the client's usage
  const t0 = performance.now();
  const { groups, perClientDay } = await rollupStatement(trx, rootId, from, to, now);
  const t1 = performance.now();
  await rollupDaily(trx, rootId, from, to);
  const t2 = performance.now();
  const corrections = await correctionsOf(trx, rootId, from, to);
  const t3 = performance.now();
  const records = perClientDay.reduce((n, r) => n + Number(r.n), 0);
  await sql`
    update spend_watermarks set rolled_seq = ${to.toString()}::bigint, rolled_at = now(),
      complete_until = coalesce(${completeUntil}::timestamptz, complete_until),
      records_rolled = records_rolled + ${records}
    where root_id = ${rootId}`.execute(trx);
  return {
    rootId,
    from,
    to,
    records,
    groups,
    // a client's past day is debited at its local noon; today's (or a future day's) at `now`, so no ledger entry is
    // dated ahead of the rollup that wrote it
    // (a day above the largest single debit, 10^15 micros, is debited in parts: `...:<day>`, `...:<day>:2`, ...)
    debits: perClientDay
      .filter((r): r is typeof r & { client_id: string } => r.client_id !== null && BigInt(r.spend) > 0n)
      .flatMap((r) =>
        debitParts(BigInt(r.spend)).map((amountMicros, k) => ({
          clientId: r.client_id,
          amountMicros,
          reference: `spend:${rootId}:${from}-${to}:${r.day}${k === 0 ? '' : `:${k + 1}`}`,
          at: r.at ? new Date(r.at) : now,
        })),
      ),
    corrections,
    stepMs: { hourly: Math.round(t1 - t0), daily: Math.round(t2 - t1), corrections: Math.round(t3 - t2) },
  };
}

/**
 * The range's differences (SPEC 13) per client: their net spend and, per reason, how many and the days they occurred
 * on in the client's zone, with the batches that carried them (read through the partial index of corrections).
 */
async function correctionsOf(trx: Trx, rootId: string, from: bigint, to: bigint): Promise<SpendCorrection[]> {
  const r = await sql<{
    client_id: string;
    reason: string;
    events: string;
    micros: string;
    first_day: string;
    last_day: string;
    batches: string[];
  }>`
    select r.client_id, r.correction_reason as reason, count(*)::text as events, sum(r.spend_micros)::text as micros,
      to_char(min(r.occurred_at at time zone a.time_zone), 'YYYY-MM-DD') as first_day,
      to_char(max(r.occurred_at at time zone a.time_zone), 'YYYY-MM-DD') as last_day,
      array_agg(distinct r.batch_id::text) as batches
    from spend_records r join accounts a on a.id = r.client_id
    where r.root_id = ${rootId}::uuid and r.correction_reason is not null
      and r.seq > ${from.toString()}::bigint and r.seq <= ${to.toString()}::bigint
    group by r.client_id, r.correction_reason
    order by r.client_id, r.correction_reason`.execute(trx);
  const byClient = new Map<string, SpendCorrection>();
  for (const x of r.rows) {
    let c = byClient.get(x.client_id);
    if (!c) {
      c = {
        clientId: x.client_id,
        deltaMicros: 0n,
        reference: `correction:${rootId}:${from}-${to}`,
        detail: { batches: [], reasons: [] },
      };
      byClient.set(x.client_id, c);
    }
    c.deltaMicros += BigInt(x.micros);
    c.detail.reasons.push({
      reason: x.reason,
      events: Number(x.events),
      firstDay: x.first_day,
      lastDay: x.last_day,
      micros: x.micros,
    });
    c.detail.batches = [...new Set([...c.detail.batches, ...x.batches])].sort();
  }
  return [...byClient.values()];
}

/** An amount as debits of at most MAX_AMOUNT_MICROS each (debitSpend's bound for one debit). */
function debitParts(total: bigint): bigint[] {
  const parts: bigint[] = [];
  for (let left = total; left > 0n; left -= MAX_AMOUNT_MICROS)
    parts.push(left < MAX_AMOUNT_MICROS ? left : MAX_AMOUNT_MICROS);
  return parts;
}

interface PerClientDay {
  client_id: string | null;
  /** The day in the client's zone (UTC for spend no client pays for). */
  day: string;
  spend: string;
  n: string;
  /** The debit's time: the local noon of a past day, null for today or later. */
  at: string | null;
}

/**
 * The range's hourly groups (one pass over its partials), upserted into spend_hourly; answers their count and, from the
 * same groups, each client's spend per day of the range in its zone (client_id follows the account: a group has one).
 */
async function rollupStatement(
  trx: Trx,
  rootId: string,
  from: bigint,
  to: bigint,
  now: Date,
): Promise<{ groups: number; perClientDay: PerClientDay[] }> {
  const r = await sql<{ groups: string; per_day: PerClientDay[] | null }>`
    with g as materialized (
      select root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency,
        min(client_id::text)::uuid as client_id, sum(impressions) as impressions, sum(clicks) as clicks, sum(spend_micros) as spend_micros,
        sum(records) as records, sum(spd_15) as spd_15, sum(spd_30) as spd_30, sum(spd_45) as spd_45,
        sum(rec_15) as rec_15, sum(rec_30) as rec_30, sum(rec_45) as rec_45, sum(correction_micros) as correction_micros,
        sum(cor_15) as cor_15, sum(cor_30) as cor_30, sum(cor_45) as cor_45
      from spend_partials
      where root_id = ${rootId} and seq > ${from.toString()}::bigint and seq <= ${to.toString()}::bigint
      group by root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency
    ),
    up as (
      insert into spend_hourly as h (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency, client_id,
        impressions, clicks, spend_micros, records, correction_micros)
      select root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency, client_id,
        impressions, clicks, spend_micros, records, correction_micros
      from g
      -- in the unique key's order: both indexes of spend_hourly then grow page by page rather than at random
      order by account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency
      on conflict (root_id, account_id, hour, dsp, seat_id, deal_id, auction_type, campaign_id, currency) do update set
        impressions = h.impressions + excluded.impressions, clicks = h.clicks + excluded.clicks,
        spend_micros = h.spend_micros + excluded.spend_micros, records = h.records + excluded.records,
        correction_micros = h.correction_micros + excluded.correction_micros
      returning 1
    ),
    -- each group's fresh spend (a correction's difference is applied apart, SPEC 13) in the hour of its client's zone
    -- (UTC for spend no client pays for); an hour that starts at 23:15, 23:30 or
    -- 23:45 there is split at the local midnight by its quarter sums (every offset in use is a multiple of 15 minutes)
    zoned as (
      select g.client_id, coalesce(a.time_zone, 'UTC') as tz, g.hour at time zone coalesce(a.time_zone, 'UTC') as ls,
        g.spend_micros - g.correction_micros as spend_micros, g.records, g.spd_15 - g.cor_15 as spd_15,
        g.spd_30 - g.cor_30 as spd_30, g.spd_45 - g.cor_45 as spd_45, g.rec_15, g.rec_30, g.rec_45
      from g left join accounts a on a.id = g.client_id
    ),
    cut as (
      select z.*,
        case when extract(hour from z.ls) = 23 and extract(minute from z.ls) > 0
          then 60 - extract(minute from z.ls)::int else 0 end as k
      from zoned z
    ),
    parts as (
      select client_id, tz, ls::date as day,
        case k when 0 then spend_micros when 15 then spd_15 when 30 then spd_30 else spd_45 end as spend,
        case k when 0 then records when 15 then rec_15 when 30 then rec_30 else rec_45 end as n
      from cut
      union all
      select client_id, tz, ls::date + 1,
        spend_micros - case k when 15 then spd_15 when 30 then spd_30 else spd_45 end,
        records - case k when 15 then rec_15 when 30 then rec_30 else rec_45 end
      from cut where k > 0
    )
    select (select count(*) from up)::text as groups,
      (select json_agg(json_build_object(
         'client_id', client_id, 'day', to_char(day, 'YYYY-MM-DD'), 'spend', spend::text, 'n', n::text,
         -- a past day of the client is dated at its local noon; today (or a later day) at the rollup's own time
         'at', case when day < (${now}::timestamptz at time zone tz)::date
           then to_char(((day + time '12:00') at time zone tz) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end
       ) order by client_id, day)
       from (select client_id, tz, day, sum(spend) as spend, sum(n) as n from parts group by 1, 2, 3) d) as per_day`.execute(
    trx,
  );
  const row = r.rows[0]!;
  return { groups: Number(row.groups), perClientDay: row.per_day ?? [] };
}

export interface RollupOptions {
  /** At most this many sequence numbers per unit (a bounded transaction). */
  maxRange?: bigint;
  /** Only this root (tests); default: any root with records past its watermark. */
  rootId?: string;
}

export interface RollupDone {
  rootId: string;
  from: string;
  to: string;
  records: number;
  groups: number;
  clientsDebited: number;
  /** Clients whose corrections were applied (a spend_correction entry each), and how many differences. */
  clientsCorrected: number;
  corrections: number;
  /** Wall time of the unit, from the claim to the commit (logged; the bench sums it). */
  ms: number;
  /** Its statements' times: hourly and daily aggregates, reading the corrections, the debits, applying corrections. */
  stepMs: { hourly: number; daily: number; corrections: number; debits: number; applied: number };
}

/**
 * One unit of the incremental rollup (pg_incremental's sequence pipeline), in ONE transaction:
 * 1. claim a root whose records run past its watermark (row lock, SKIP LOCKED: two workers never take the same root);
 * 2. find the highest sequence number no open transaction can still fill (a brief exclusive lock, in a transaction of
 *    its own, that waits out the root's in-flight writers, who hold it shared);
 * 3. aggregate (watermark, hi] into spend_hourly with one INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE;
 * 4. debit each client's credits for its spend in that range, per day of the spend in the client's zone (reference
 *    `spend:<root>:<from>-<to>:<YYYY-MM-DD>`, each dated in its day), in ONE debitSpend call (one lock order);
 * 5. advance the watermark.
 * Killed anywhere before the commit, nothing of it happened; the next unit starts from the same watermark. A unit that
 * fails still marks its root as just tried, so the next units take the other roots first.
 */
export async function rollupUnit(db: Db, clock: () => Date, opts: RollupOptions = {}): Promise<RollupDone | null> {
  const maxRange = opts.maxRange ?? 2_000_000n;
  const started = performance.now();
  let claimed: string | null = null;
  const done = await db
    .transaction()
    .execute(async (trx) => {
      const claim = await claimRoot(trx, opts.rootId);
      if (!claim) return null;
      claimed = claim.rootId;
      const cutAt = clock();
      const safe = await safeHighSeq(db, claim.rootId); // its own short transaction, on another connection
      if (safe <= claim.rolledSeq) return null;
      const to = safe - claim.rolledSeq > maxRange ? claim.rolledSeq + maxRange : safe;
      // complete until the cut only when this unit reaches the safe end; otherwise until the last complete cut
      const r = await rollupRange(trx, claim.rootId, claim.rolledSeq, to, to === safe ? cutAt : null, cutAt);
      const d0 = performance.now();
      if (r.debits.length) await debitSpend(trx, r.debits, { at: cutAt });
      const d1 = performance.now();
      // after the range's fresh spend, in the same transaction: each correction's difference once (SPEC 13)
      const corrected = await applySpendCorrections(trx, r.corrections, cutAt);
      return {
        stepMs: { ...r.stepMs, debits: Math.round(d1 - d0), applied: Math.round(performance.now() - d1) },
        clientsCorrected: corrected.length,
        corrections: r.corrections.reduce((n, c) => n + c.detail.reasons.reduce((m, x) => m + x.events, 0), 0),
        rootId: r.rootId,
        from: r.from.toString(),
        to: r.to.toString(),
        records: r.records,
        groups: r.groups,
        clientsDebited: r.debits.length,
      };
    })
    .catch(async (e: unknown) => {
      // a root whose unit fails goes to the back of the queue (claimRoot takes the longest-waiting root first), so one
      // tenant's bad data never holds up every other root's rollup, billing and completeUntil; then the error is thrown
      if (claimed)
        await sql`update spend_watermarks set rolled_at = now() where root_id = ${claimed}`
          .execute(db)
          .catch(() => undefined);
      throw e;
    });
  return done && { ...done, ms: Math.round(performance.now() - started) };
}

/** A root's correction window in days (SPEC 13; the default when never set). */
export async function correctionWindowDays(db: Db | Trx, rootId: string): Promise<number> {
  const r = await db
    .selectFrom('spend_settings')
    .select('correction_window_days')
    .where('root_id', '=', rootId)
    .executeTakeFirst();
  return r?.correction_window_days ?? CORRECTION_WINDOW.default;
}

/** Sets a root's correction window; answers the one it replaces. */
export async function setCorrectionWindow(
  trx: Trx,
  rootId: string,
  days: number,
  by: string | null,
  at: Date,
): Promise<number> {
  const before = await correctionWindowDays(trx, rootId);
  await trx
    .insertInto('spend_settings')
    .values({ root_id: rootId, correction_window_days: days, updated_at: at, updated_by: by })
    .onConflict((oc) =>
      oc.column('root_id').doUpdateSet({ correction_window_days: days, updated_at: at, updated_by: by }),
    )
    .execute();
  return before;
}

export interface SpendStatus {
  completeUntil: Date | null;
  pendingRecords: number;
  lagSeconds: number;
  rolledSeq: string;
}

export async function status(db: Db, rootId: string, now: Date): Promise<SpendStatus> {
  const r = await sql<{ rolled_seq: string | null; complete_until: Date | null; pending: string; oldest: Date | null }>`
    select w.rolled_seq::text, w.complete_until,
      (select coalesce(sum(p.records), 0) from spend_partials p
        where p.root_id = ${rootId} and p.seq > coalesce(w.rolled_seq, 0))::text as pending,
      (select min(p.created_at) from spend_partials p
        where p.root_id = ${rootId} and p.seq > coalesce(w.rolled_seq, 0)) as oldest
    from (select 1) one left join spend_watermarks w on w.root_id = ${rootId}`.execute(db);
  const row = r.rows[0]!;
  const pending = Number(row.pending);
  // Nothing pending: complete up to now. Otherwise up to the last rollup's cut.
  const completeUntil = pending === 0 ? now : row.complete_until;
  const lagSeconds =
    pending === 0 || !row.oldest ? 0 : Math.max(0, Math.round((now.getTime() - row.oldest.getTime()) / 1000));
  return { completeUntil, pendingRecords: pending, lagSeconds, rolledSeq: row.rolled_seq ?? '0' };
}

/** Creates the monthly partitions of spend_records from `monthsBack` before `now` to `monthsAhead` after it. */
export async function ensurePartitions(db: Db, now: Date, monthsBack = 1, monthsAhead = 3): Promise<string[]> {
  const created: string[] = [];
  for (let i = -monthsBack; i <= monthsAhead; i++) {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i + 1, 1));
    const name = `spend_records_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
    const exists = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db);
    if (exists.rows[0]?.t) continue;
    // A default partition holding rows of that month blocks the new partition: those months stay in the default.
    const inDefault = await sql<{ n: string }>`
      select count(*)::text as n
      from (
        select 1 from spend_records_default where occurred_at >= ${start} and occurred_at < ${end} limit 1
      ) x`.execute(db);
    if (inDefault.rows[0]!.n !== '0') continue;
    await sql`create table if not exists ${sql.id(name)} partition of spend_records
      for values from (${sql.lit(start.toISOString())}) to (${sql.lit(end.toISOString())})`.execute(db);
    created.push(name);
  }
  return created;
}
