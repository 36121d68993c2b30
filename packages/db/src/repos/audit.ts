import type { Db, Trx } from '../connect';

export interface AuditInput {
  rootId: string;
  accountId: string;
  actorUserId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  at: Date;
}

export interface AuditEntry extends AuditInput {
  id: string;
  actorEmail: string | null;
  accountName: string;
}

/** Writes an audit entry; call it inside the transaction of the change it records. */
export async function writeAudit(trx: Trx, e: AuditInput): Promise<void> {
  await trx
    .insertInto('audit_entries')
    .values({
      root_id: e.rootId,
      account_id: e.accountId,
      actor_user_id: e.actorUserId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
      after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
      at: e.at,
    })
    .execute();
}

/**
 * Entries of an account and its descendants, newest first; `before` is the id cursor of the previous page.
 * A client's entries from before its current connection (a request or transfer) are left out (SPEC 2.2: the agency
 * sees the client's records from the start of the current connection onward), except for `fullHistoryOf`: the
 * accounts the viewer is a member of themselves.
 */
export async function listAudit(
  db: Db,
  accountId: string,
  page: { limit: number; before?: string; fullHistoryOf?: readonly string[] },
): Promise<AuditEntry[]> {
  const own = page.fullHistoryOf ?? [];
  let q = db
    .selectFrom('audit_entries as e')
    .innerJoin('account_paths as p', 'p.descendant_id', 'e.account_id')
    .innerJoin('accounts as a', 'a.id', 'e.account_id')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('connections as c', (j) =>
      j.onRef('c.client_id', '=', 'e.account_id').on('c.state', '=', 'accepted').on('c.origin', '<>', 'promotion'),
    )
    .selectAll('e')
    .select(['u.email as actor_email', 'a.name as account_name'])
    .where('p.ancestor_id', '=', accountId)
    .where((eb) =>
      eb.or([
        eb('c.id', 'is', null),
        eb('e.at', '>=', eb.fn.coalesce('c.responded_at', 'c.requested_at')),
        ...(own.length ? [eb('e.account_id', 'in', own)] : []),
      ]),
    )
    .orderBy('e.id', 'desc')
    .limit(page.limit);
  if (page.before !== undefined) q = q.where('e.id', '<', page.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    rootId: r.root_id,
    accountId: r.account_id,
    accountName: r.account_name,
    actorUserId: r.actor_user_id,
    actorEmail: r.actor_email,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before ?? null,
    after: r.after ?? null,
    at: r.at,
  }));
}

/** When the account's latest audit entry was written (null when it has none). */
export async function lastEntryAt(db: Db | Trx, accountId: string): Promise<Date | null> {
  const r = await db
    .selectFrom('audit_entries')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return (r?.at as Date | null | undefined) ?? null;
}
