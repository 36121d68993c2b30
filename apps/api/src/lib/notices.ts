import { rolesAllowing, type Action } from '@trellis/domain';
import { memberships, type Trx } from '@trellis/db';
import type { Mailer } from './mailer';

/** A link to a page of this installation, at the public address the invitation mails use too. */
export function pageLink(ctx: { publicUrl: string }, path: string): string {
  return `${ctx.publicUrl.replace(/\/$/, '')}${path}`;
}

/**
 * Tells the members of an account who may act on (or see) what just happened, by mail, inside the transaction of the
 * change (as invitations go): nothing is sent for a change that rolls back, and with a real transport a mail that
 * cannot be sent fails the change. Addressed to the members holding a role that allows `action` on the account
 * itself, each once, never to the person who did it. A notice has no sender (like the low-balance alert): the
 * outbox shows it to its addressee, and never shows the actor the other side's addresses. Returns how many went out.
 */
export async function notifyMembers(
  trx: Trx,
  ctx: { user: { id: string }; mailer: Mailer; publicUrl: string },
  notice: {
    account: { id: string; rootId: string };
    /** Who is told: the members whose role allows this on the account. */
    action: Action;
    subject: string;
    body: string;
    /** The page the mail links to, a path of this installation (`/accounts/<id>/connections`). */
    path: string;
  },
): Promise<number> {
  const to = (await memberships.membersWithRole(trx, notice.account.id, rolesAllowing(notice.action))).filter(
    (m) => m.userId !== ctx.user.id,
  );
  for (const m of to)
    await ctx.mailer.send(trx, {
      rootId: notice.account.rootId,
      accountId: notice.account.id,
      to: m.email,
      subject: notice.subject,
      body: notice.body,
      link: pageLink(ctx, notice.path),
      sentBy: null,
      invitationId: null,
    });
  return to.length;
}
