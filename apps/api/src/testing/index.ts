import { sql } from 'kysely';
import type { Role } from '@trellis/domain';
import { memberships, sessions, users, type Db } from '@trellis/db';
import { createContextInner, type ContextInnerOptions } from '../context';
import { hashPassword, hashToken, newToken } from '../lib/secrets';
import { createCaller } from '../root';

export const TEST_PASSWORD = 'correct horse battery';
let hash: Promise<string> | undefined;
const testHash = () => (hash ??= hashPassword(TEST_PASSWORD));

export type Caller = ReturnType<typeof createCaller>;

/** A user with a live session, and a caller acting as them (through the same context the HTTP adapter builds). */
export async function userWithCaller(
  db: Db,
  email: string,
  opts: { platformOperator?: boolean; now?: () => Date } = {},
) {
  const user = await users.insertUser(db, {
    email,
    name: email.split('@')[0]!,
    passwordHash: await testHash(),
    platformOperator: opts.platformOperator ?? false,
  });
  const token = newToken();
  await sessions.insertSession(db, {
    tokenHash: hashToken(token),
    userId: user.id,
    expiresAt: new Date(Date.now() + 60 * 86_400_000),
  });
  const ctx: ContextInnerOptions = { db, sessionToken: token, ...(opts.now ? { now: opts.now } : {}) };
  return { user, token, caller: createCaller(await createContextInner(ctx)) };
}

export const anonymous = async (db: Db, opts: Omit<ContextInnerOptions, 'db'> = {}) =>
  createCaller(await createContextInner({ db, ...opts }));

export async function grant(db: Db, userId: string, account: { id: string; rootId: string }, role: Role) {
  return memberships.insertMembership(db, { rootId: account.rootId, accountId: account.id, userId, role });
}

/** The tRPC code a promise rejects with, or 'ok'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** Row counts of every table, to show a refused request changed nothing. */
export async function snapshot(db: Db): Promise<Record<string, number>> {
  const tables = [
    'accounts',
    'account_paths',
    'users',
    'memberships',
    'invitations',
    'audit_entries',
    'mail_outbox',
    'seats',
    'seat_mappings',
    'deals',
    'deal_dsps',
    'connections',
    'teams',
    'team_memberships',
    'campaigns',
    'campaign_deals',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(t)}`.execute(db);
    out[t] = Number(r.rows[0]!.n);
  }
  const inv = await sql<{
    s: string;
  }>`
    select coalesce(string_agg(id::text || coalesce(accepted_at::text, '') || coalesce(revoked_at::text, ''), ','
      order by id), '') as s
    from invitations`.execute(db);
  const mem = await sql<{
    s: string;
  }>`select coalesce(string_agg(id::text || role, ',' order by id), '') as s from memberships`.execute(db);
  const acc = await sql<{
    s: string;
  }>`select coalesce(string_agg(id::text || name || coalesce(archived_at::text, ''), ',' order by id), '') as s from accounts`.execute(
    db,
  );
  out[`invitations:${inv.rows[0]!.s}`] = 1;
  out[`memberships:${mem.rows[0]!.s}`] = 1;
  out[`accounts:${acc.rows[0]!.s}`] = 1;
  const map = await sql<{
    s: string;
  }>`
    select coalesce(string_agg(seat_id::text || account_id::text || coalesce(effective_to::text, ''), ','
      order by id), '') as s
    from seat_mappings`.execute(db);
  out[`seat_mappings:${map.rows[0]!.s}`] = 1;
  return out;
}

/** A holding created by a platform operator, with an admin. */
export async function holdingWithAdmin(db: Db, name = 'Holding', adminEmail = 'admin@holding.test') {
  const op = await userWithCaller(db, `op-${name.toLowerCase().replace(/\W/g, '')}@trellis.test`, {
    platformOperator: true,
  });
  const holding = await op.caller.accounts.createHolding({ name, currency: 'EUR', timeZone: 'Europe/Copenhagen' });
  const admin = await userWithCaller(db, adminEmail);
  await grant(db, admin.user.id, holding, 'admin');
  return { op, holding, admin };
}

/** A caller for an existing session whose clock reads `at` (for time-dependent rules). */
export async function callerAt(db: Db, token: string, at: Date): Promise<Caller> {
  return createCaller(await createContextInner({ db, sessionToken: token, now: () => at }));
}

/** A user with a session and one role on an account: the usual cast of a test. */
export async function memberOf(db: Db, email: string, account: { id: string; rootId: string }, role: Role) {
  const m = await userWithCaller(db, email);
  await grant(db, m.user.id, account, role);
  return m;
}

/** Holding H > agency A, and a premium client P (with an admin of its own) connected to A: a race's cast. */
export async function premiumConnectedToAgency(db: Db) {
  const { op, holding, admin } = await holdingWithAdmin(db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const P = await op.caller.clients.createPremium({ name: 'Premium Co', currency: 'EUR', timeZone: 'UTC' });
  const aAdmin = await memberOf(db, 'aadmin@x.test', A, 'admin');
  const pAdmin = await memberOf(db, 'padmin@x.test', P, 'admin');
  const req = await pAdmin.caller.connections.request({ clientId: P.id, agencyId: A.id });
  await aAdmin.caller.connections.accept({ connectionId: req.id });
  return { op, holding, admin, A, P, aAdmin, pAdmin };
}
