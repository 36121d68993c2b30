import { z } from 'zod';
import { invitationState } from '@trellis/domain';
import { outbox } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { iso, page, pageInput, toPage } from '../shapes';
import { serialCursor } from '../inputs';

export const outboxItemOut = z.object({
  id: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  /** The account's time zone: a mail's time reads in it, as on the account's own pages. */
  accountTimeZone: z.string(),
  to: z.string(),
  subject: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  createdAt: iso,
  /** The state of the invitation the mail carries (null for other mail). */
  state: z.enum(['pending', 'accepted', 'revoked', 'expired']).nullable(),
});

/**
 * The mail outbox, where the built-in mailer puts invitation and alert emails. Each user sees only the mail they
 * sent and the mail addressed to them, a platform operator included: nobody reads another user's links (SPEC 12).
 */
export const listOutboxRoute = authedProcedure
  .input(z.object({ ...pageInput, cursor: serialCursor.optional() }))
  .output(page(outboxItemOut))
  .query(async ({ ctx, input }) => {
    const rows = await outbox.listMailOf(ctx.db, ctx.user, {
      limit: input.limit + 1,
      ...(input.cursor ? { before: input.cursor } : {}),
    });
    const now = ctx.now();
    return toPage(
      rows,
      input.limit,
      (m) => m.id,
      (m) => ({
        id: m.id,
        accountId: m.accountId,
        accountName: m.accountName,
        accountTimeZone: m.accountTimeZone,
        to: m.to,
        subject: m.subject,
        body: m.body,
        link: m.link,
        createdAt: m.createdAt.toISOString(),
        state: m.invitation ? invitationState(m.invitation, now).kind : null,
      }),
    );
  });
