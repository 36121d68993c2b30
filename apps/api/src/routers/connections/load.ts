import { authorize, currentState, DomainError, type Actor, type Side } from '@trellis/domain';
import { accounts, connections, type Connection, type Db, type Trx } from '@trellis/db';
import type { z } from 'zod';
import type { connectionOut } from '../shapes';

/** Whether the actor administers (connections.manage) a side of a connection. */
export async function administers(db: Db | Trx, actor: Actor, accountId: string): Promise<boolean> {
  const a = await accounts.findAccount(db, accountId);
  return a !== undefined && authorize(actor, accounts.toFacts(a), 'connections.manage').ok;
}

async function sees(db: Db | Trx, actor: Actor, accountId: string): Promise<boolean> {
  const a = await accounts.findAccount(db, accountId);
  return a !== undefined && authorize(actor, accounts.toFacts(a), 'connections.view').ok;
}

/**
 * Whether the actor may see a connection (SPEC 2.2): its agency side is in their sight, or they are a member of the
 * client account itself. Reaching the client only through its current agency shows none of its requests to, or
 * connections with, other agencies.
 */
export async function seesConnection(
  db: Db | Trx,
  actor: Actor,
  c: Pick<Connection, 'clientId' | 'agencyId'>,
  /** Answers per account id, shared across the rows of one list. */
  cache = new Map<string, Promise<boolean>>(),
): Promise<boolean> {
  const seen = (id: string) => cache.get(id) ?? cache.set(id, sees(db, actor, id)).get(id)!;
  return (actor.memberships.has(c.clientId) && (await seen(c.clientId))) || (await seen(c.agencyId));
}

/** A connection the actor may see; otherwise NOT_FOUND. */
export async function loadVisibleConnection(ctx: { db: Db | Trx; actor: Actor }, id: string): Promise<Connection> {
  const c = await connections.findConnection(ctx.db, id);
  if (!c || !(await seesConnection(ctx.db, ctx.actor, c))) throw new DomainError('NOT_FOUND', 'Connection not found.');
  return c;
}

/** The side the actor answers for: the one they administer that did not send the request. */
export async function respondingSide(db: Db | Trx, actor: Actor, c: Connection): Promise<Side | null> {
  const other: Side = c.requestedBySide === 'client' ? 'agency' : 'client';
  return (await administers(db, actor, other === 'client' ? c.clientId : c.agencyId)) ? other : null;
}

export async function toConnectionOut(
  db: Db | Trx,
  actor: Actor,
  c: Connection,
  now: Date,
): Promise<z.infer<typeof connectionOut>> {
  const state = currentState(c, now);
  return {
    id: c.id,
    client: { id: c.clientId, name: c.clientName },
    agency: { id: c.agencyId, name: c.agencyName },
    state,
    origin: c.origin,
    requestedBySide: c.requestedBySide,
    requestedAt: c.requestedAt.toISOString(),
    respondedAt: c.respondedAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
    endedBySide: c.endedBySide,
    canRespond: state === 'requested' && (await respondingSide(db, actor, c)) !== null,
    canWithdraw: state === 'requested' && c.requestedBySide === 'client' && (await administers(db, actor, c.clientId)),
  };
}
