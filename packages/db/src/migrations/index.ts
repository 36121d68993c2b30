import type { Migration } from 'kysely';
import * as m0001 from './20261125_0001_foundation';
import * as m0002 from './20261125_0002_seats_deals';
import * as m0003 from './20261125_0003_clients';
import * as m0004 from './20261125_0004_auth_hardening';
import * as m0005 from './20261125_0005_isolation';
import * as m0006 from './20261125_0006_credits';
import * as m0007 from './20261125_0007_spend';
import * as m0008 from './20261125_0008_reports';
import * as m0009 from './20261126_0009_report_aggregates';
import * as m0010 from './20261126_0010_debit_refs';
import * as m0011 from './20261126_0011_spend_partials';
import * as m0013 from './20261126_0013_ledger_kinds';
import * as m0014 from './20261207_0014_holders_in_root';
import * as m0015 from './20261207_0015_requests_and_teams';
import * as m0016 from './20261207_0016_spend_entry_times';
import * as m0017 from './20261207_0017_top_up_key_scope';
import * as m0018 from './20261207_0018_spend_corrections';
import * as m0019 from './20261207_0019_audit_filters';
import * as m0020 from './20261207_0020_campaign_flights';
import * as m0021 from './20261207_0021_connection_withdrawn';

/** Every migration, by its sortable name. Add new ones at the end. */
export const MIGRATIONS: Record<string, Migration> = {
  '20261125_0001_foundation': m0001,
  '20261125_0002_seats_deals': m0002,
  '20261125_0003_clients': m0003,
  '20261125_0004_auth_hardening': m0004,
  '20261125_0005_isolation': m0005,
  '20261125_0006_credits': m0006,
  '20261125_0007_spend': m0007,
  '20261125_0008_reports': m0008,
  '20261126_0009_report_aggregates': m0009,
  '20261126_0010_debit_refs': m0010,
  '20261126_0011_spend_partials': m0011,
  '20261126_0013_ledger_kinds': m0013,
  '20261207_0014_holders_in_root': m0014,
  '20261207_0015_requests_and_teams': m0015,
  '20261207_0016_spend_entry_times': m0016,
  '20261207_0017_top_up_key_scope': m0017,
  '20261207_0018_spend_corrections': m0018,
  '20261207_0019_audit_filters': m0019,
  '20261207_0020_campaign_flights': m0020,
  '20261207_0021_connection_withdrawn': m0021,
};

/** The schema version this code expects: the name of the last migration. */
export const SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1)!;
