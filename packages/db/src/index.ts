export * from './connect';
export * from './schema';
export * from './migrate';
export * as accounts from './repos/accounts';
export * as users from './repos/users';
export * as sessions from './repos/sessions';
export * as memberships from './repos/memberships';
export * as invitations from './repos/invitations';
export * as audit from './repos/audit';
export * as outbox from './repos/outbox';
export * as signIn from './repos/sign-in';
export * as seats from './repos/seats';
export * as deals from './repos/deals';
export * as teams from './repos/teams';
export * as connections from './repos/connections';
export * as campaigns from './repos/campaigns';
export * as spend from './repos/spend';
export * as ingestKeys from './repos/ingest-keys';
export type { Account, AccountWithPath } from './repos/accounts';
export type { User } from './repos/users';
export type { Membership, MemberListing } from './repos/memberships';
export type { Invitation } from './repos/invitations';
export type { AuditEntry, AuditFilters, SpendDay } from './repos/audit';
export type { StoredMail } from './repos/outbox';
export type { Seat, SeatMappingRow } from './repos/seats';
export type { Deal } from './repos/deals';
export type { Team } from './repos/teams';
export type { Connection } from './repos/connections';
export type { Campaign } from './repos/campaigns';
export * as credits from './repos/credits';
export { debitSpend } from './repos/credits';
export type {
  CreditAccount,
  CreditEntry,
  PaymentMethod,
  TopUp,
  SpendDebit,
  DebitSpendResult,
  ClientDebitSummary,
} from './repos/credits';
export type { IngestKey } from './repos/ingest-keys';
export type {
  IngestResult,
  Reject,
  RejectReason,
  BatchSummary,
  RollupResult,
  RollupOptions,
  RollupDone,
  SpendStatus,
} from './repos/spend';
export * as reports from './repos/reports';
export type { ReportPlan, ReportRowOut, ReportResult, SavedReport } from './repos/reports';
export * as spendDaily from './repos/daily';
