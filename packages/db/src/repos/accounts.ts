import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AccountFacts, AccountKind, ClientTier, Level, TreeRow } from '@trellis/domain';
import type { Db, Trx } from '../connect';
import type { AccountRow } from '../schema';

export interface Account {
  id: string;
  rootId: string;
  parentId: string | null;
  kind: AccountKind;
  level: Level;
  clientTier: ClientTier | null;
  name: string;
  currency: string;
  timeZone: string;
  archivedAt: Date | null;
  createdAt: Date;
  teamId: string | null;
}

/** An account with its path from the root (ids, this account last): what authorization needs. */
export interface AccountWithPath extends Account {
  path: string[];
}

export const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  rootId: r.root_id,
  parentId: r.parent_id,
  kind: r.kind,
  level: Number(r.level) as Level,
  clientTier: r.client_tier,
  name: r.name,
  currency: r.currency,
  timeZone: r.time_zone,
  archivedAt: r.archived_at,
  createdAt: r.created_at,
  teamId: r.team_id,
});

export const toFacts = (a: AccountWithPath): AccountFacts => ({
  id: a.id,
  kind: a.kind,
  level: a.level,
  clientTier: a.clientTier,
  archived: a.archivedAt !== null,
  path: a.path,
  teamId: a.teamId,
});

export interface NewAccount {
  parent: { id: string; rootId: string; kind: AccountKind } | null;
  kind: AccountKind;
  level: Level;
  clientTier: ClientTier | null;
  name: string;
  nameKey: string;
  currency: string;
  timeZone: string;
}

/** Inserts an account; the database writes its ancestor index rows in the same transaction (trigger). */
export async function insertAccount(db: Db | Trx, a: NewAccount): Promise<Account> {
  const id = randomUUID();
  const row = await db
    .insertInto('accounts')
    .values({
      id,
      root_id: a.parent?.rootId ?? id,
      parent_id: a.parent?.id ?? null,
      parent_kind: (a.parent?.kind as 'holding' | 'agency' | undefined) ?? null,
      kind: a.kind,
      level: a.level,
      client_tier: a.clientTier,
      name: a.name,
      name_key: a.nameKey,
      currency: a.currency,
      time_zone: a.timeZone,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAccount(row);
}

const pathOf = (descendant: string) =>
  sql<
    string[]
  >`array(select p.ancestor_id from account_paths p where p.descendant_id = ${sql.ref(descendant)} order by p.depth desc)`;

export async function findAccount(db: Db | Trx, id: string): Promise<AccountWithPath | undefined> {
  const row = await db
    .selectFrom('accounts')
    .selectAll()
    .select(pathOf('accounts.id').as('path'))
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { ...toAccount(row), path: row.path };
}

/** Locks the account row for the rest of the transaction (serialises changes to its children and members). */
export async function lockAccount(trx: Trx, id: string): Promise<void> {
  await trx.selectFrom('accounts').select('id').where('id', '=', id).forUpdate().execute();
}

/**
 * Holds the accounts where they are until the transaction ends: a move (a connection, disconnect or transfer, which
 * takes `lockAccount` first) waits for it, and it waits for a move under way. Other readers and writers of the rows
 * (and other holders) do not wait: the lock is FOR KEY SHARE, which conflicts only with FOR UPDATE.
 */
export async function lockAgainstMove(trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .selectFrom('accounts')
    .select('id')
    .where('id', 'in', [...new Set(ids)].sort())
    .orderBy('id')
    .forKeyShare()
    .execute();
}

export async function siblingNameTaken(db: Db | Trx, parentId: string | null, nameKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where((eb) => (parentId === null ? eb('parent_id', 'is', null) : eb('parent_id', '=', parentId)))
    .where('name_key', '=', nameKey)
    .executeTakeFirst();
  return row !== undefined;
}

export async function countActiveChildren(db: Db | Trx, id: string): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('parent_id', '=', id)
    .where('archived_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function archiveAccount(trx: Trx, id: string, at: Date): Promise<Account> {
  const row = await trx
    .updateTable('accounts')
    .set({ archived_at: at })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAccount(row);
}

/** Every account in the subtrees of the given accounts, by name (one query on the ancestor index). */
export async function subtreeRows(db: Db, topIds: readonly string[], includeArchived: boolean): Promise<TreeRow[]> {
  if (topIds.length === 0) return [];
  let q = db
    .selectFrom('account_paths as p')
    .innerJoin('accounts as a', 'a.id', 'p.descendant_id')
    .select(['a.id', 'a.parent_id', 'a.name', 'a.kind', 'a.level', 'a.client_tier', 'a.archived_at'])
    .where('p.ancestor_id', 'in', topIds)
    .orderBy('a.name_key')
    .orderBy('a.id');
  if (!includeArchived) q = q.where('a.archived_at', 'is', null);
  const rows = await q.execute();
  const seen = new Set<string>();
  const out: TreeRow[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({
      id: r.id,
      parentId: r.parent_id,
      name: r.name,
      kind: r.kind,
      level: Number(r.level) as Level,
      clientTier: r.client_tier,
      archived: r.archived_at !== null,
    });
  }
  return out;
}

export async function rootAccountIds(db: Db, includeArchived: boolean): Promise<string[]> {
  let q = db.selectFrom('accounts').select('id').where('parent_id', 'is', null);
  if (!includeArchived) q = q.where('archived_at', 'is', null);
  return (await q.execute()).map((r) => r.id);
}

/** Paths (root first) of the given accounts. */
export async function pathsOf(db: Db | Trx, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('account_paths')
    .select(['descendant_id', 'ancestor_id', 'depth'])
    .where('descendant_id', 'in', ids)
    .orderBy('depth', 'desc')
    .execute();
  for (const r of rows) {
    const p = out.get(r.descendant_id) ?? [];
    p.push(r.ancestor_id);
    out.set(r.descendant_id, p);
  }
  return out;
}

/** Names of the given accounts, for labelling. */
export async function accountNames(db: Db | Trx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Moves a client under another agency (root follows), or makes it standalone (its own root): the database rewrites
 * the ancestor index and carries the client's own rows to the new root in the same transaction.
 */
export async function moveClient(
  trx: Trx,
  clientId: string,
  agency: { id: string; rootId: string } | null,
): Promise<void> {
  await trx
    .updateTable('accounts')
    .set(
      agency
        ? { parent_id: agency.id, parent_kind: 'agency', root_id: agency.rootId, team_id: null }
        : { parent_id: null, parent_kind: null, root_id: clientId, team_id: null },
    )
    .where('id', '=', clientId)
    .where('kind', '=', 'client')
    .execute();
}

export async function setClientTier(trx: Trx, clientId: string, tier: 'standard' | 'premium'): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ client_tier: tier })
    .where('id', '=', clientId)
    .where('kind', '=', 'client')
    .execute();
}

export async function setTeam(trx: Trx, clientId: string, teamId: string | null): Promise<void> {
  await trx.updateTable('accounts').set({ team_id: teamId }).where('id', '=', clientId).execute();
}

/** Active clients directly under an agency. */
export async function countActiveClients(db: Db | Trx, agencyId: string): Promise<number> {
  const r = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('parent_id', '=', agencyId)
    .where('kind', '=', 'client')
    .where('archived_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The clients in an account's subtree with their team, by name (one query). */
export async function clientsUnder(db: Db, accountId: string, includeArchived: boolean) {
  let q = db
    .selectFrom('account_paths as p')
    .innerJoin('accounts as a', 'a.id', 'p.descendant_id')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .select([
      'a.id',
      'a.name',
      'a.client_tier',
      'a.parent_id',
      'a.archived_at',
      'a.currency',
      't.id as team_id',
      't.name as team_name',
    ])
    .where('p.ancestor_id', '=', accountId)
    .where('a.kind', '=', 'client')
    .orderBy('a.name_key');
  if (!includeArchived) q = q.where('a.archived_at', 'is', null);
  return (await q.execute()).map((r) => ({
    id: r.id,
    name: r.name,
    tier: r.client_tier!,
    agencyId: r.parent_id,
    currency: r.currency,
    team: r.team_id ? { id: r.team_id, name: r.team_name! } : null,
    archived: r.archived_at !== null,
  }));
}

/** Active agencies of a holding whose name contains `q` (case-insensitive, taken literally), by name. */
export async function searchAgenciesOfHolding(db: Db | Trx, holdingId: string, q: string, limit: number) {
  const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('accounts')
    .select(['id', 'name', 'kind'])
    .where('parent_id', '=', holdingId)
    .where('kind', '=', 'agency')
    .where('archived_at', 'is', null)
    .where(sql<boolean>`lower(name) like ${pattern}`)
    .orderBy('name_key')
    .limit(limit)
    .execute();
}
