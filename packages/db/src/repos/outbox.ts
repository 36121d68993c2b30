import type { Db, Trx } from '../connect';

export interface Mail {
  rootId: string;
  accountId: string;
  to: string;
  subject: string;
  body: string;
  link: string | null;
}
export interface StoredMail extends Mail {
  id: string;
  createdAt: Date;
}

export async function insertMail(db: Db | Trx, m: Mail): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values({ root_id: m.rootId, account_id: m.accountId, to_email: m.to, subject: m.subject, body: m.body, link: m.link })
    .execute();
}

/** Mail about accounts in the subtrees of `underAccountIds` (all mail when null), newest first. */
export async function listMail(db: Db, underAccountIds: readonly string[] | null, page: { limit: number; before?: string }): Promise<StoredMail[]> {
  if (underAccountIds !== null && underAccountIds.length === 0) return [];
  let q = db.selectFrom('mail_outbox as m').selectAll('m').orderBy('m.id', 'desc').limit(page.limit);
  if (underAccountIds !== null) {
    q = q.where('m.account_id', 'in', (eb) =>
      eb.selectFrom('account_paths').select('descendant_id').where('ancestor_id', 'in', underAccountIds),
    );
  }
  if (page.before !== undefined) q = q.where('m.id', '<', page.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    rootId: r.root_id,
    accountId: r.account_id,
    to: r.to_email,
    subject: r.subject,
    body: r.body,
    link: r.link,
    createdAt: r.created_at,
  }));
}
