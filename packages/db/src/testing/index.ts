import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { createDb, type Db } from '../connect';
import { maintenanceDb, withDatabase } from './global-setup';

export { tsNode } from './process';

export interface TestDatabase {
  db: Db;
  url: string;
  /** Empties every table (between tests). */
  reset(): Promise<void>;
  /** Closes the pool and drops the database (after all tests of the file). */
  drop(): Promise<void>;
}

const TABLES = [
  'report_shares',
  'saved_reports',
  'spend_watermarks',
  'spend_hourly',
  'spend_records',
  'spend_event_ids',
  'spend_batches',
  'ingest_keys',
  'credit_spend_buckets',
  'credit_entries',
  'top_ups',
  'payment_methods',
  'credit_accounts',
  'campaign_deals',
  'campaigns',
  'connections',
  'team_memberships',
  'teams',
  'deal_dsps',
  'deals',
  'seat_mappings',
  'seats',
  'worker_heartbeats',
  'sign_in_counters',
  'mail_outbox',
  'audit_entries',
  'invitations',
  'memberships',
  'sessions',
  'users',
  'account_paths',
  'accounts',
  'spend_daily',
  'spend_partials',
  'credit_spend_refs',
];

/** A fresh, migrated database of this test file's own, copied from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `trellis_test_${randomBytes(6).toString('hex')}`;
  const admin = maintenanceDb(adminUrl);
  try {
    await sql`create database ${sql.id(name)} template ${sql.id(template)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 5 });
  return {
    db,
    url,
    reset: async () => {
      await sql`truncate ${sql.join(TABLES.map((t) => sql.id(t)))} restart identity cascade`.execute(db);
    },
    drop: async () => {
      await db.destroy();
      const a = maintenanceDb(adminUrl);
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(a);
      await a.destroy();
    },
  };
}

/**
 * Registers this file's database with vitest: created before the tests, emptied before each one (unless
 * `resetEach: false`), dropped after. Read `db`/`url` inside tests.
 */
export function useTestDatabase(opts: { resetEach?: boolean } = {}): { readonly db: Db; readonly url: string } {
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());
  if (opts.resetEach !== false) beforeEach(() => t!.reset());
  return {
    get db() {
      return t!.db;
    },
    get url() {
      return t!.url;
    },
  };
}
export * from './spend-fixture';
