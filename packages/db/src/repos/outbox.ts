import type { Db, Trx } from '../connect';

export interface Mail {
  rootId: string;
  accountId: string;
  to: string;
  subject: string;
  body: string;
  link: string | null;
  /** The user who sent it: the outbox shows each user only the mail they sent (SPEC 12). */
  sentBy?: string | null;
  /** The invitation the mail carries, if any. */
  invitationId?: string | null;
}
export interface StoredMail extends Mail {
  id: string;
  accountName: string;
  /** The account's zone: its mail's times read in it, as on its own pages. */
  accountTimeZone: string;
  createdAt: Date;
  /** The carried invitation's facts, to tell its state. */
  invitation: { expiresAt: Date; acceptedAt: Date | null; revokedAt: Date | null } | null;
}

export async function insertMail(db: Db | Trx, m: Mail): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values({
      root_id: m.rootId,
      account_id: m.accountId,
      to_email: m.to,
      subject: m.subject,
      body: m.body,
      link: m.link,
      sent_by: m.sentBy ?? null,
      invitation_id: m.invitationId ?? null,
    })
    .execute();
}

/** A page of one account, optionally at an address and opening one report: `/accounts/<uuid>/<page>[?report=<uuid>]`. */
const ACCOUNT_PAGE = '^(https?://[^/?#]+)?/accounts/[0-9a-f-]{36}/[a-z-]+([?]report=[0-9a-f-]{36})?$';

/**
 * One user's mail, newest first: what they sent, and the alerts the system addressed to their email (mail with no
 * sender, no invitation and no link but an account's page); `before` is the id cursor of the previous page. Mail that a user sent, an
 * invitation above all, is never shown to its addressee: in outbox mode nobody has proven they own an address, so
 * whoever holds a user of that email (created through another tenant's invitation, say) must not read it (SPEC 12).
 */
export async function listMailOf(
  db: Db,
  user: { id: string; email: string },
  page: { limit: number; before?: string },
): Promise<StoredMail[]> {
  let q = db
    .selectFrom('mail_outbox as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .leftJoin('invitations as i', 'i.id', 'm.invitation_id')
    .selectAll('m')
    .select([
      'a.name as account_name',
      'a.time_zone as account_time_zone',
      'i.expires_at',
      'i.accepted_at',
      'i.revoked_at',
    ])
    .where((eb) =>
      eb.or([
        eb('m.sent_by', '=', user.id),
        eb.and([
          eb('m.to_email', '=', user.email),
          eb('m.sent_by', 'is', null),
          eb('m.invitation_id', 'is', null),
          // no link, or a page of an account (the low-balance alert's Billing page, a notice's Connections or Shared
          // reports page), as a path or at the installation's address: never a link carrying a token
          eb.or([eb('m.link', 'is', null), eb('m.link', '~', ACCOUNT_PAGE)]),
        ]),
      ]),
    )
    .orderBy('m.id', 'desc')
    .limit(page.limit);
  if (page.before !== undefined) q = q.where('m.id', '<', page.before);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: String(r.id),
    rootId: r.root_id,
    accountId: r.account_id,
    accountName: r.account_name,
    accountTimeZone: r.account_time_zone,
    to: r.to_email,
    subject: r.subject,
    body: r.body,
    link: r.link,
    sentBy: r.sent_by,
    invitationId: r.invitation_id,
    createdAt: r.created_at,
    invitation: r.expires_at ? { expiresAt: r.expires_at, acceptedAt: r.accepted_at, revokedAt: r.revoked_at } : null,
  }));
}
