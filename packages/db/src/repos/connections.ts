import { randomUUID } from 'node:crypto';
import type { Db, Trx } from '../connect';
import type { ConnectionsTable } from '../schema';

export interface Connection {
  id: string;
  rootId: string;
  clientId: string;
  clientName: string;
  agencyId: string;
  agencyName: string;
  state: ConnectionsTable['state'];
  origin: ConnectionsTable['origin'];
  requestedBySide: 'client' | 'agency';
  requestedAt: Date;
  respondedAt: Date | null;
  endedAt: Date | null;
  endedBySide: ConnectionsTable['ended_by_side'];
}

const select = (db: Db | Trx) =>
  db
    .selectFrom('connections as c')
    .innerJoin('accounts as cl', 'cl.id', 'c.client_id')
    .innerJoin('accounts as ag', 'ag.id', 'c.agency_id')
    .selectAll('c')
    .select(['cl.name as client_name', 'ag.name as agency_name']);
type Row = Awaited<ReturnType<ReturnType<typeof select>['execute']>>[number];
const toConnection = (r: Row): Connection => ({
  id: r.id,
  rootId: r.root_id,
  clientId: r.client_id,
  clientName: r.client_name,
  agencyId: r.agency_id,
  agencyName: r.agency_name,
  state: r.state,
  origin: r.origin,
  requestedBySide: r.requested_by_side,
  requestedAt: r.requested_at,
  respondedAt: r.responded_at,
  endedAt: r.ended_at,
  endedBySide: r.ended_by_side,
});

export async function insertConnection(
  trx: Trx,
  c: {
    rootId: string;
    clientId: string;
    agencyId: string;
    state: 'requested' | 'accepted';
    origin: ConnectionsTable['origin'];
    requestedBySide: 'client' | 'agency';
    by: string;
    at: Date;
  },
): Promise<Connection> {
  const id = randomUUID();
  await trx
    .insertInto('connections')
    .values({
      id,
      root_id: c.rootId,
      client_id: c.clientId,
      agency_id: c.agencyId,
      state: c.state,
      origin: c.origin,
      requested_by_side: c.requestedBySide,
      requested_by: c.by,
      requested_at: c.at,
      ...(c.state === 'accepted' ? { responded_at: c.at, responded_by: c.by } : {}),
    })
    .execute();
  return (await findConnection(trx, id))!;
}

export async function findConnection(db: Db | Trx, id: string): Promise<Connection | undefined> {
  const r = await select(db).where('c.id', '=', id).executeTakeFirst();
  return r && toConnection(r);
}

export async function lockConnection(trx: Trx, id: string): Promise<void> {
  await trx.selectFrom('connections').select('id').where('id', '=', id).forUpdate().execute();
}

export async function pendingBetween(
  db: Db | Trx,
  clientId: string,
  agencyId: string,
): Promise<Connection | undefined> {
  const r = await select(db)
    .where('c.client_id', '=', clientId)
    .where('c.agency_id', '=', agencyId)
    .where('c.state', '=', 'requested')
    .executeTakeFirst();
  return r && toConnection(r);
}

export async function activeForClient(db: Db | Trx, clientId: string): Promise<Connection | undefined> {
  const r = await select(db).where('c.client_id', '=', clientId).where('c.state', '=', 'accepted').executeTakeFirst();
  return r && toConnection(r);
}

export async function setState(
  trx: Trx,
  id: string,
  change: {
    state: ConnectionsTable['state'];
    respondedAt?: Date;
    respondedBy?: string;
    endedAt?: Date;
    endedBy?: string;
    endedBySide?: 'client' | 'agency' | 'operator';
  },
): Promise<void> {
  await trx
    .updateTable('connections')
    .set({
      state: change.state,
      ...(change.respondedAt ? { responded_at: change.respondedAt, responded_by: change.respondedBy ?? null } : {}),
      ...(change.endedAt
        ? { ended_at: change.endedAt, ended_by: change.endedBy ?? null, ended_by_side: change.endedBySide ?? null }
        : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** Every connection where the account is the client or the agency, newest first (both sides see the history). */
export async function connectionsOf(db: Db, accountIds: readonly string[]): Promise<Connection[]> {
  if (accountIds.length === 0) return [];
  const rows = await select(db)
    .where((eb) => eb.or([eb('c.client_id', 'in', accountIds), eb('c.agency_id', 'in', accountIds)]))
    .orderBy('c.requested_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(toConnection);
}

/** The client's stored open requests (state `requested`, whatever their age); lock the client account first. */
export async function openRequestsOfClient(trx: Trx, clientId: string): Promise<Connection[]> {
  const rows = await select(trx).where('c.client_id', '=', clientId).where('c.state', '=', 'requested').execute();
  return rows.map(toConnection);
}

/**
 * When the client's current connection began, for viewers who reach it through its agency (SPEC 2.2: they see its
 * records from the start of the current connection onward). Null when there is no cut: no connection (a standard
 * client created by its agency) or one that began with a promotion (the agency ran the client before).
 */
export async function currentConnectionStart(db: Db | Trx, clientId: string): Promise<Date | null> {
  const r = await db
    .selectFrom('connections')
    .select(['origin', 'requested_at', 'responded_at'])
    .where('client_id', '=', clientId)
    .where('state', '=', 'accepted')
    .executeTakeFirst();
  if (!r || r.origin === 'promotion') return null;
  return r.responded_at ?? r.requested_at;
}
