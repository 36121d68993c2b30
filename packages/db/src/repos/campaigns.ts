import { randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import type { Db, Trx } from '../connect';

export interface Campaign {
  id: string;
  rootId: string;
  clientId: string;
  clientName: string;
  /** The client's currency: a budget is in it. */
  clientCurrency: string;
  /** The client's time zone: a flight's days are in it. */
  clientTimeZone: string;
  name: string;
  status: 'active' | 'paused';
  pausedReason: string | null;
  budgetMicros: bigint | null;
  /** The flight, days in the client's zone (both inclusive), or null for an open end. */
  startsOn: string | null;
  endsOn: string | null;
  dealIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const select = (db: Db | Trx) =>
  db
    .selectFrom('campaigns as c')
    .innerJoin('accounts as a', 'a.id', 'c.client_id')
    .selectAll('c')
    .select([
      'a.name as client_name',
      'a.currency as client_currency',
      'a.time_zone as client_time_zone',
      sql<string | null>`to_char(c.starts_on, 'YYYY-MM-DD')`.as('starts_day'),
      sql<string | null>`to_char(c.ends_on, 'YYYY-MM-DD')`.as('ends_day'),
      sql<string[]>`array(select cd.deal_id from campaign_deals cd where cd.campaign_id = c.id order by cd.deal_id)`.as(
        'deal_ids',
      ),
    ]);
type Row = Awaited<ReturnType<ReturnType<typeof select>['execute']>>[number];
const toCampaign = (r: Row): Campaign => ({
  id: r.id,
  rootId: r.root_id,
  clientId: r.client_id,
  clientName: r.client_name,
  clientCurrency: r.client_currency,
  clientTimeZone: r.client_time_zone,
  name: r.name,
  status: r.status,
  pausedReason: r.paused_reason,
  budgetMicros: r.budget_micros === null ? null : BigInt(r.budget_micros),
  startsOn: r.starts_day,
  endsOn: r.ends_day,
  dealIds: r.deal_ids,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function insertCampaign(
  trx: Trx,
  c: {
    rootId: string;
    clientId: string;
    name: string;
    budgetMicros: bigint | null;
    startsOn?: string | null;
    endsOn?: string | null;
    dealIds: readonly string[];
    by: string;
    at: Date;
  },
): Promise<Campaign> {
  const id = randomUUID();
  await trx
    .insertInto('campaigns')
    .values({
      id,
      root_id: c.rootId,
      client_id: c.clientId,
      name: c.name,
      status: 'active',
      budget_micros: c.budgetMicros?.toString() ?? null,
      starts_on: c.startsOn ?? null,
      ends_on: c.endsOn ?? null,
      created_by: c.by,
      created_at: c.at,
      updated_at: c.at,
    })
    .execute();
  if (c.dealIds.length)
    await trx
      .insertInto('campaign_deals')
      .values(c.dealIds.map((d) => ({ campaign_id: id, root_id: c.rootId, deal_id: d })))
      .execute();
  return (await findCampaign(trx, id))!;
}

/**
 * Serialises campaign creation and renaming per client for the rest of the transaction, so two requests racing
 * cannot both find a name free (a transaction-scoped advisory lock, keyed by the client).
 */
export async function lockNamesOf(trx: Trx, clientId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${'campaign-names:' + clientId}, 0))`.execute(trx);
}

/** The campaign of this client, other than `exceptId`, whose name matches (trimmed, case-insensitive), if any. */
export async function findByName(
  db: Db | Trx,
  clientId: string,
  name: string,
  exceptId: string | null = null,
): Promise<{ id: string; name: string } | undefined> {
  let q = db
    .selectFrom('campaigns')
    .select(['id', 'name'])
    .where('client_id', '=', clientId)
    .where(sql<string>`lower(btrim(name))`, '=', name.trim().toLowerCase());
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export async function findCampaign(db: Db | Trx, id: string): Promise<Campaign | undefined> {
  const r = await select(db).where('c.id', '=', id).executeTakeFirst();
  return r && toCampaign(r);
}

/** Campaigns of the clients in the account's subtree, newest first. */
export async function campaignsUnder(db: Db, accountId: string): Promise<Campaign[]> {
  const rows = await select(db)
    .where('c.client_id', 'in', (eb) =>
      eb.selectFrom('account_paths').select('descendant_id').where('ancestor_id', '=', accountId),
    )
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(500)
    .execute();
  return rows.map(toCampaign);
}

export async function updateCampaign(
  trx: Trx,
  id: string,
  change: {
    name?: string;
    status?: 'active' | 'paused';
    pausedReason?: string | null;
    budgetMicros?: bigint | null;
    startsOn?: string | null;
    endsOn?: string | null;
    /** Replaces the campaign's deals. */
    dealIds?: readonly string[];
    at: Date;
  },
): Promise<Campaign> {
  await trx
    .updateTable('campaigns')
    .set({
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.pausedReason !== undefined ? { paused_reason: change.pausedReason } : {}),
      ...(change.budgetMicros !== undefined ? { budget_micros: change.budgetMicros?.toString() ?? null } : {}),
      ...(change.startsOn !== undefined ? { starts_on: change.startsOn } : {}),
      ...(change.endsOn !== undefined ? { ends_on: change.endsOn } : {}),
      updated_at: change.at,
    })
    .where('id', '=', id)
    .execute();
  if (change.dealIds !== undefined) {
    const root = await trx.selectFrom('campaigns').select('root_id').where('id', '=', id).executeTakeFirstOrThrow();
    await trx.deleteFrom('campaign_deals').where('campaign_id', '=', id).execute();
    if (change.dealIds.length)
      await trx
        .insertInto('campaign_deals')
        .values(change.dealIds.map((d) => ({ campaign_id: id, root_id: root.root_id, deal_id: d })))
        .execute();
  }
  return (await findCampaign(trx, id))!;
}

/** Active campaigns of a client that use a deal owned by any of the given accounts. */
export async function activeCampaignsUsingDealsOf(
  db: Db | Trx,
  clientId: string,
  ownerIds: readonly string[],
): Promise<Campaign[]> {
  if (ownerIds.length === 0) return [];
  const rows = await select(db)
    .where('c.client_id', '=', clientId)
    .where('c.status', '=', 'active')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('campaign_deals as cd')
          .innerJoin('deals as d', 'd.id', 'cd.deal_id')
          .select('cd.deal_id')
          .whereRef('cd.campaign_id', '=', 'c.id')
          .where('d.owner_account_id', 'in', ownerIds),
      ),
    )
    .execute();
  return rows.map(toCampaign);
}

/**
 * The links of the client's campaigns to deals owned by any of `ownerIds` (its agency's and holding's): the one
 * condition that both the disconnect preview lists and the disconnect deletes by.
 */
const linkToDealsOf = (clientId: string, ownerIds: readonly string[]) => sql<SqlBool>`
  cd.campaign_id in (select c.id from campaigns c where c.client_id = ${clientId}::uuid)
  and cd.deal_id in (select d.id from deals d where d.owner_account_id = any(${[...ownerIds]}::uuid[]))`;

/** What `removeDealsOf` would take off now: each campaign with the deal, by campaign name then deal name. */
export async function dealsOfOnCampaigns(
  db: Db | Trx,
  clientId: string,
  ownerIds: readonly string[],
): Promise<{ campaignId: string; campaignName: string; dealId: string; dealName: string }[]> {
  if (ownerIds.length === 0) return [];
  const rows = await db
    .selectFrom('campaign_deals as cd')
    .innerJoin('campaigns as c', 'c.id', 'cd.campaign_id')
    .innerJoin('deals as d', 'd.id', 'cd.deal_id')
    .select(['c.id as campaign_id', 'c.name as campaign_name', 'd.id as deal_id', 'd.name as deal_name'])
    .where(linkToDealsOf(clientId, ownerIds))
    .orderBy('c.name')
    .orderBy('c.id')
    .orderBy('d.name')
    .orderBy('d.id')
    .execute();
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    campaignName: r.campaign_name,
    dealId: r.deal_id,
    dealName: r.deal_name,
  }));
}

/** Takes every deal owned by any of `ownerIds` off the client's campaigns; returns the campaign ids it changed. */
export async function removeDealsOf(trx: Trx, clientId: string, ownerIds: readonly string[]): Promise<string[]> {
  if (ownerIds.length === 0) return [];
  const rows = await trx
    .deleteFrom('campaign_deals as cd')
    .where(linkToDealsOf(clientId, ownerIds))
    .returning('cd.campaign_id')
    .execute();
  return [...new Set(rows.map((r) => r.campaign_id))];
}
