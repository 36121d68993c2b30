import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Trx } from '../connect';

export interface Seat {
  id: string;
  rootId: string;
  dsp: string;
  externalId: string;
  name: string | null;
  linkedByAccountId: string;
  createdAt: Date;
  /** The current holder (the open mapping row). */
  holderAccountId: string;
  holderName: string;
  holderLevel: 1 | 2 | 3;
  heldSince: Date;
}

export interface SeatMappingRow {
  accountId: string;
  accountName: string;
  effectiveFrom: Date;
  effectiveTo: Date | null;
}

const seatSelect = (db: Db | Trx) =>
  db
    .selectFrom('seats as s')
    .innerJoin('seat_mappings as m', (j) => j.onRef('m.seat_id', '=', 's.id').on('m.effective_to', 'is', null))
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select([
      's.id',
      's.root_id',
      's.dsp',
      's.external_id',
      's.name',
      's.linked_by_account_id',
      's.created_at',
      'm.account_id as holder_id',
      'a.name as holder_name',
      'a.level as holder_level',
      'm.effective_from',
    ]);

type SeatRowOut = Awaited<ReturnType<ReturnType<typeof seatSelect>['execute']>>[number];
const toSeat = (r: SeatRowOut): Seat => ({
  id: r.id,
  rootId: r.root_id,
  dsp: r.dsp,
  externalId: r.external_id,
  name: r.name,
  linkedByAccountId: r.linked_by_account_id,
  createdAt: r.created_at,
  holderAccountId: r.holder_id,
  holderName: r.holder_name,
  holderLevel: Number(r.holder_level) as 1 | 2 | 3,
  heldSince: r.effective_from,
});

export async function seatExists(db: Db | Trx, dsp: string, externalId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('seats')
      .select('id')
      .where('dsp', '=', dsp)
      .where('external_id', '=', externalId)
      .executeTakeFirst()) !== undefined
  );
}

/** Links a seat and opens its first mapping, to the account that linked it. */
export async function insertSeat(
  trx: Trx,
  s: {
    rootId: string;
    dsp: string;
    externalId: string;
    name: string | null;
    account: { id: string; level: number };
    at: Date;
    by: string;
  },
): Promise<Seat> {
  const id = randomUUID();
  await trx
    .insertInto('seats')
    .values({
      id,
      root_id: s.rootId,
      dsp: s.dsp,
      external_id: s.externalId,
      name: s.name,
      linked_by_account_id: s.account.id,
      created_at: s.at,
    })
    .execute();
  await openMapping(trx, { rootId: s.rootId, seatId: id, dsp: s.dsp, account: s.account, at: s.at, by: s.by });
  return (await findSeat(trx, id))!;
}

export async function findSeat(db: Db | Trx, id: string): Promise<Seat | undefined> {
  const r = await seatSelect(db).where('s.id', '=', id).executeTakeFirst();
  return r && toSeat(r);
}

/** Locks the seat for the rest of the transaction: mapping changes of one seat happen one at a time. */
export async function lockSeat(trx: Trx, id: string): Promise<void> {
  await trx.selectFrom('seats').select('id').where('id', '=', id).forUpdate().execute();
}

/** The holder before the current one, or null if the seat never moved. */
export async function previousHolder(db: Db | Trx, seatId: string): Promise<string | null> {
  const rows = await db
    .selectFrom('seat_mappings')
    .select('account_id')
    .where('seat_id', '=', seatId)
    .orderBy('effective_from', 'desc')
    .orderBy('id', 'desc')
    .limit(2)
    .execute();
  return rows[1]?.account_id ?? null;
}

export async function countCurrentSeatsOnDsp(db: Db | Trx, accountId: string, dsp: string): Promise<number> {
  const r = await db
    .selectFrom('seat_mappings')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('account_id', '=', accountId)
    .where('dsp', '=', dsp)
    .where('effective_to', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The accounts of a tree that currently hold a seat on the DSP (one query, for pickers over many accounts). */
export async function holdersOnDsp(db: Db | Trx, rootId: string, dsp: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('seat_mappings as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select('m.account_id')
    .where('a.root_id', '=', rootId)
    .where('m.dsp', '=', dsp)
    .where('m.effective_to', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.account_id));
}

/** Closes the current mapping at `at` and opens one for the new holder from `at`: the history keeps both. */
export async function moveSeat(
  trx: Trx,
  seat: Seat,
  account: { id: string; level: number },
  at: Date,
  by: string,
): Promise<void> {
  await trx
    .updateTable('seat_mappings')
    .set({ effective_to: at })
    .where('seat_id', '=', seat.id)
    .where('effective_to', 'is', null)
    .execute();
  await openMapping(trx, { rootId: seat.rootId, seatId: seat.id, dsp: seat.dsp, account, at, by });
}

async function openMapping(
  trx: Trx,
  m: { rootId: string; seatId: string; dsp: string; account: { id: string; level: number }; at: Date; by: string },
) {
  await trx
    .insertInto('seat_mappings')
    .values({
      root_id: m.rootId,
      seat_id: m.seatId,
      dsp: m.dsp,
      account_id: m.account.id,
      account_level: m.account.level,
      effective_from: m.at,
      assigned_by: m.by,
    })
    .execute();
}

/** Seats currently held by the account or any of its descendants. */
export async function seatsHeldUnder(db: Db | Trx, accountId: string): Promise<Seat[]> {
  const rows = await seatSelect(db)
    .where('m.account_id', 'in', (eb) =>
      eb.selectFrom('account_paths').select('descendant_id').where('ancestor_id', '=', accountId),
    )
    .orderBy('s.dsp')
    .orderBy('s.external_id')
    .execute();
  return rows.map(toSeat);
}

export async function seatHistory(db: Db, seatId: string): Promise<SeatMappingRow[]> {
  const rows = await db
    .selectFrom('seat_mappings as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select(['m.account_id', 'a.name', 'm.effective_from', 'm.effective_to'])
    .where('m.seat_id', '=', seatId)
    .orderBy('m.effective_from', 'desc')
    .orderBy('m.id', 'desc')
    .execute();
  return rows.map((r) => ({
    accountId: r.account_id,
    accountName: r.name,
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
  }));
}

/** The account a seat was mapped to at an instant: one lookup on (seat_id, effective_from). */
export async function holderAt(db: Db | Trx, seatId: string, at: Date): Promise<string | null> {
  const r = await db
    .selectFrom('seat_mappings')
    .select('account_id')
    .where('seat_id', '=', seatId)
    .where('effective_from', '<=', at)
    .where((eb) => eb.or([eb('effective_to', 'is', null), eb('effective_to', '>', at)]))
    .orderBy('effective_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.account_id ?? null;
}

/**
 * Everything a SeatDealIndex needs, for one root account's tree (or the whole installation): the paths, the full
 * mapping history and the deals with their DSPs.
 */
export async function seatDealIndexInput(db: Db, rootId?: string) {
  const pathRows = await db
    .selectFrom('account_paths')
    .select(['descendant_id', 'ancestor_id', 'depth'])
    .$if(rootId !== undefined, (q) => q.where('root_id', '=', rootId!))
    .orderBy('depth', 'desc')
    .execute();
  const paths = new Map<string, string[]>();
  for (const r of pathRows) {
    const p = paths.get(r.descendant_id) ?? [];
    p.push(r.ancestor_id);
    paths.set(r.descendant_id, p);
  }
  const mappings = (
    await db
      .selectFrom('seat_mappings')
      .select(['seat_id', 'dsp', 'account_id', 'effective_from', 'effective_to'])
      .$if(rootId !== undefined, (q) => q.where('root_id', '=', rootId!))
      .execute()
  ).map((m) => ({
    seatId: m.seat_id,
    dsp: m.dsp,
    accountId: m.account_id,
    from: m.effective_from,
    to: m.effective_to,
  }));
  const dealRows = await db
    .selectFrom('deals as d')
    .select([
      'd.id',
      'd.owner_account_id',
      'd.starts_at',
      'd.ends_at',
      sql<string[]>`array(select dsp from deal_dsps x where x.deal_id = d.id)`.as('dsps'),
    ])
    .$if(rootId !== undefined, (q) => q.where('d.root_id', '=', rootId!))
    .execute();
  const deals = dealRows.map((d) => ({
    id: d.id,
    ownerId: d.owner_account_id,
    dsps: d.dsps,
    startsAt: d.starts_at,
    endsAt: d.ends_at,
  }));
  return { paths, mappings, deals };
}
