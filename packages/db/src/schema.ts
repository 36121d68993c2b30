import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface AccountsTable {
  id: string;
  root_id: string;
  parent_id: string | null;
  parent_kind: 'holding' | 'agency' | null;
  kind: 'holding' | 'agency' | 'client';
  level: 1 | 2 | 3;
  client_tier: 'standard' | 'premium' | null;
  name: string;
  name_key: string;
  currency: string;
  time_zone: string;
  archived_at: Date | null;
  created_at: CreatedAt;
  team_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AccountPathsTable {
  root_id: string;
  ancestor_id: string;
  descendant_id: string;
  depth: number;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  platform_operator: Generated<boolean>;
  created_at: CreatedAt;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Date;
}

export interface MembershipsTable {
  id: string;
  root_id: string;
  account_id: string;
  user_id: string;
  role: 'admin' | 'operator' | 'analyst';
  created_at: CreatedAt;
}

export interface InvitationsTable {
  id: string;
  root_id: string;
  account_id: string;
  email: string;
  role: 'admin' | 'operator' | 'analyst';
  token_hash: string;
  invited_by: string;
  created_at: CreatedAt;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  team_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditEntriesTable {
  /** bigint identity; pg returns it as a string. */
  id: ColumnType<string, never, never>;
  root_id: string;
  account_id: string;
  actor_user_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
  at: Timestamp;
}

export interface MailOutboxTable {
  id: ColumnType<string, never, never>;
  root_id: string;
  account_id: string;
  to_email: string;
  subject: string;
  body: string;
  link: string | null;
  created_at: CreatedAt;
  /** Who sent it (null for system mail): each user sees only their own (SPEC 12). */
  sent_by: string | null;
  /** The invitation it carries, if any. */
  invitation_id: string | null;
}

export interface SignInCountersTable {
  key: string;
  window_start: Timestamp;
  attempts: number;
}

export interface WorkerHeartbeatsTable {
  worker_id: string;
  pid: number;
  started_at: Date;
  beat_at: Date;
  schema_version: string;
}

export interface SeatsTable {
  id: string;
  root_id: string;
  dsp: string;
  external_id: string;
  name: string | null;
  linked_by_account_id: string;
  created_at: CreatedAt;
}

export interface SeatMappingsTable {
  id: ColumnType<string, never, never>;
  root_id: string;
  seat_id: string;
  dsp: string;
  account_id: string;
  account_level: number;
  effective_from: Date;
  effective_to: Date | null;
  assigned_by: string | null;
}

export interface DealsTable {
  id: string;
  root_id: string;
  owner_account_id: string;
  deal_id: string;
  name: string;
  publisher: string;
  type: 'preferred_deal' | 'private_auction' | 'programmatic_guaranteed';
  /** bigint: pg returns a string; written as a string. */
  cpm_micros: ColumnType<string, string, string>;
  currency: string;
  starts_at: Date | null;
  ends_at: Date | null;
  publisher_initiated: Generated<boolean>;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface DealDspsTable {
  deal_id: string;
  root_id: string;
  dsp: string;
}

export interface TeamsTable {
  id: string;
  root_id: string;
  agency_id: string;
  name: string;
  name_key: string;
  created_at: CreatedAt;
}

export interface TeamMembershipsTable {
  id: string;
  root_id: string;
  team_id: string;
  user_id: string;
  role: 'admin' | 'operator' | 'analyst';
  created_at: CreatedAt;
}

export interface ConnectionsTable {
  id: string;
  root_id: string;
  client_id: string;
  agency_id: string;
  state: 'requested' | 'accepted' | 'declined' | 'expired' | 'disconnected' | 'cancelled' | 'withdrawn';
  origin: 'request' | 'promotion' | 'transfer';
  requested_by_side: 'client' | 'agency';
  requested_by: string | null;
  requested_at: Date;
  responded_at: Date | null;
  responded_by: string | null;
  ended_at: Date | null;
  ended_by: string | null;
  ended_by_side: 'client' | 'agency' | 'operator' | null;
}

export interface CampaignsTable {
  id: string;
  root_id: string;
  client_id: string;
  name: string;
  status: 'active' | 'paused';
  paused_reason: string | null;
  budget_micros: ColumnType<string | null, string | null, string | null>;
  /** The flight's first and last day in the client's zone (a `date`: written and read as 'YYYY-MM-DD'). */
  starts_on: ColumnType<string | null, string | null | undefined, string | null>;
  ends_on: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CampaignDealsTable {
  campaign_id: string;
  root_id: string;
  deal_id: string;
}

/** bigint micros: pg returns a string; written as a string. */
type Micros = ColumnType<string, string | undefined, string>;

export interface CreditAccountsTable {
  client_id: string;
  root_id: string;
  currency: string;
  balance_micros: Micros;
  overage_micros: Micros;
  low_balance_micros: Micros;
  low_alert_armed: Generated<boolean>;
  updated_at: Timestamp;
}

export interface PaymentMethodsTable {
  id: string;
  root_id: string;
  client_id: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  last4: string;
  exp_month: number;
  exp_year: number;
  provider: string;
  provider_ref: string;
  created_by: string | null;
  created_at: CreatedAt;
  removed_at: Date | null;
  removed_by: string | null;
}

export interface TopUpsTable {
  id: string;
  root_id: string;
  client_id: string;
  idempotency_key: string;
  /** The connection (id) in force when the key was claimed, '' without one: keys are unique per scope. */
  key_scope: Generated<string>;
  fingerprint: string;
  amount_micros: ColumnType<string, string, never>;
  payment_method_id: string;
  status: 'pending' | 'succeeded' | 'declined';
  decline_reason: string | null;
  provider_charge_id: string | null;
  refunded_micros: Micros;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CreditEntriesTable {
  id: ColumnType<string, never, never>;
  root_id: string;
  client_id: string;
  kind: 'top_up' | 'spend' | 'refund' | 'adjustment' | 'overage_settlement' | 'spend_correction';
  amount_micros: ColumnType<string, string, never>;
  overage_micros: ColumnType<string, string | undefined, never>;
  balance_after_micros: ColumnType<string, string, never>;
  reference: string | null;
  top_up_id: string | null;
  reason: string | null;
  actor_user_id: string | null;
  created_at: CreatedAt;
  /** How many spend debits the entry covers (null: another kind, or one debit from before the refs table). */
  debits: ColumnType<number | null, number | null | undefined, never>;
  /** A spend correction's events, reasons and days (SPEC 13); null for other kinds. */
  detail: ColumnType<CorrectionDetail | null, string | null | undefined, never>;
}

/** What a `spend_correction` entry corrected: per reason, how many events, their days and the net difference. */
export interface CorrectionDetail {
  batches: string[];
  reasons: { reason: string; events: number; firstDay: string; lastDay: string; micros: string }[];
}

/** One row per spend debit reference: its idempotency key and the ledger entry that covers it. */
export interface CreditSpendRefsTable {
  root_id: string;
  client_id: string;
  reference: string;
  entry_id: string;
}

export interface CreditSpendBucketsTable {
  root_id: string;
  client_id: string;
  bucket: Date;
  spent_micros: string;
  overage_micros: string;
  debits: number;
}

/** bigint counters: pg returns a string. */
type Count = ColumnType<string, string | number | undefined, string | number>;

export interface IngestKeysTable {
  id: string;
  root_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_by: string | null;
  created_at: CreatedAt;
  revoked_at: Date | null;
  revoked_by: string | null;
  last_used_at: Date | null;
  batches: Count;
}

export interface SpendBatchesTable {
  id: string;
  root_id: string;
  source: 'api' | 'cli';
  key_id: string | null;
  user_id: string | null;
  file_name: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  records: Count;
  accepted: Count;
  duplicates: Count;
  rejected: Count;
  corrected: Count;
  stale: Count;
  reasons: ColumnType<Record<string, number>, string | undefined, string>;
}

/** Per root: how far back a correction may reach (SPEC 13). */
export interface SpendSettingsTable {
  root_id: string;
  correction_window_days: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface SpendWatermarksTable {
  root_id: string;
  rolled_seq: Count;
  rolled_at: Date | null;
  complete_until: Date | null;
  records_rolled: Count;
}

export interface Database {
  accounts: AccountsTable;
  account_paths: AccountPathsTable;
  users: UsersTable;
  sessions: SessionsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  audit_entries: AuditEntriesTable;
  mail_outbox: MailOutboxTable;
  sign_in_counters: SignInCountersTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  seats: SeatsTable;
  seat_mappings: SeatMappingsTable;
  deals: DealsTable;
  deal_dsps: DealDspsTable;
  teams: TeamsTable;
  team_memberships: TeamMembershipsTable;
  connections: ConnectionsTable;
  campaigns: CampaignsTable;
  campaign_deals: CampaignDealsTable;
  credit_accounts: CreditAccountsTable;
  payment_methods: PaymentMethodsTable;
  top_ups: TopUpsTable;
  credit_entries: CreditEntriesTable;
  credit_spend_buckets: CreditSpendBucketsTable;
  credit_spend_refs: CreditSpendRefsTable;
  ingest_keys: IngestKeysTable;
  spend_batches: SpendBatchesTable;
  spend_watermarks: SpendWatermarksTable;
  spend_settings: SpendSettingsTable;
  saved_reports: SavedReportsTable;
  report_shares: ReportSharesTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type UserRow = Selectable<UsersTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type InvitationRow = Selectable<InvitationsTable>;

export interface SavedReportsTable {
  root_id: string;
  id: string;
  account_id: string;
  name: string;
  /** The saved query (groupBy, filters, range), validated by the api before it is stored. */
  query: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ReportSharesTable {
  root_id: string;
  report_id: string;
  client_id: string;
  shared_by: string | null;
  shared_at: CreatedAt;
}
