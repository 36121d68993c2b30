import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Trx } from '../connect';

export interface Deal {
  id: string;
  rootId: string;
  ownerAccountId: string;
  ownerName: string;
  dealId: string;
  name: string;
  publisher: string;
  type: 'preferred_deal' | 'private_auction' | 'programmatic_guaranteed';
  cpmMicros: bigint;
  currency: string;
  startsAt: Date | null;
  endsAt: Date | null;
  dsps: string[];
  publisherInitiated: boolean;
  createdAt: Date;
}

const dealSelect = (db: Db | Trx) =>
  db
    .selectFrom('deals as d')
    .innerJoin('accounts as o', 'o.id', 'd.owner_account_id')
    .selectAll('d')
    .select([
      'o.name as owner_name',
      sql<string[]>`array(select dd.dsp from deal_dsps dd where dd.deal_id = d.id order by dd.dsp)`.as('dsps'),
    ]);

type DealRowOut = Awaited<ReturnType<ReturnType<typeof dealSelect>['execute']>>[number];
const toDeal = (r: DealRowOut): Deal => ({
  id: r.id,
  rootId: r.root_id,
  ownerAccountId: r.owner_account_id,
  ownerName: r.owner_name,
  dealId: r.deal_id,
  name: r.name,
  publisher: r.publisher,
  type: r.type,
  cpmMicros: BigInt(r.cpm_micros),
  currency: r.currency,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  dsps: r.dsps,
  publisherInitiated: r.publisher_initiated,
  createdAt: r.created_at,
});

/**
 * Whether a deal id is taken in the branch of an account (SPEC 5): by a deal of the account, of an ancestor or of a
 * descendant (any deal an account that could use the new one may already use). Sibling branches may reuse it.
 * The database re-checks on insert under a per-organisation lock (trigger deals_unique_in_branch).
 */
export async function dealIdTakenInBranch(db: Db | Trx, ownerAccountId: string, dealId: string): Promise<boolean> {
  const r = await db
    .selectFrom('deals as d')
    .select('d.id')
    .where('d.deal_id', '=', dealId)
    .where((eb) =>
      eb.or([
        eb(
          'd.owner_account_id',
          'in',
          eb.selectFrom('account_paths').select('ancestor_id').where('descendant_id', '=', ownerAccountId),
        ),
        eb(
          'd.owner_account_id',
          'in',
          eb.selectFrom('account_paths').select('descendant_id').where('ancestor_id', '=', ownerAccountId),
        ),
      ]),
    )
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertDeal(
  trx: Trx,
  d: Omit<Deal, 'id' | 'ownerName' | 'createdAt'> & { createdBy: string; createdAt: Date },
): Promise<Deal> {
  const id = randomUUID();
  await trx
    .insertInto('deals')
    .values({
      id,
      root_id: d.rootId,
      owner_account_id: d.ownerAccountId,
      deal_id: d.dealId,
      name: d.name,
      publisher: d.publisher,
      type: d.type,
      cpm_micros: d.cpmMicros.toString(),
      currency: d.currency,
      starts_at: d.startsAt,
      ends_at: d.endsAt,
      publisher_initiated: d.publisherInitiated,
      created_by: d.createdBy,
      created_at: d.createdAt,
    })
    .execute();
  await trx
    .insertInto('deal_dsps')
    .values(d.dsps.map((dsp) => ({ deal_id: id, root_id: d.rootId, dsp })))
    .execute();
  return (await findDeal(trx, id))!;
}

export async function findDeal(db: Db | Trx, id: string): Promise<Deal | undefined> {
  const r = await dealSelect(db).where('d.id', '=', id).executeTakeFirst();
  return r && toDeal(r);
}

/** Deals owned by any of the given accounts (an account's path: its own and its ancestors'), newest first, paged. */
export async function dealsOwnedBy(
  db: Db,
  ownerIds: readonly string[],
  page: { limit: number; after?: { createdAt: Date; id: string } },
): Promise<Deal[]> {
  let q = dealSelect(db)
    .where('d.owner_account_id', 'in', ownerIds)
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(page.limit);
  if (page.after) {
    const { createdAt, id } = page.after;
    q = q.where((eb) =>
      eb.or([eb('d.created_at', '<', createdAt), eb.and([eb('d.created_at', '=', createdAt), eb('d.id', '<', id)])]),
    );
  }
  return (await q.execute()).map(toDeal);
}

/** Deals owned by any of `ownerIds`, on `dsp`, whose flight covers `at`. */
export async function dealsForSeat(db: Db | Trx, ownerIds: readonly string[], dsp: string, at: Date): Promise<Deal[]> {
  const rows = await dealSelect(db)
    .where('d.owner_account_id', 'in', ownerIds)
    .where((eb) =>
      eb.exists(
        eb.selectFrom('deal_dsps as x').select('x.dsp').whereRef('x.deal_id', '=', 'd.id').where('x.dsp', '=', dsp),
      ),
    )
    .where((eb) => eb.or([eb('d.starts_at', 'is', null), eb('d.starts_at', '<=', at)]))
    .where((eb) => eb.or([eb('d.ends_at', 'is', null), eb('d.ends_at', '>=', at)]))
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .execute();
  return rows.map(toDeal);
}
