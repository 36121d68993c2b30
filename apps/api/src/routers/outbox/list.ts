import { z } from 'zod';
import { outbox } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { iso, page, pageInput, toPage } from '../shapes';
import { serialCursor } from '../inputs';

/**
 * The mail outbox, where the built-in mailer puts invitation emails. A platform operator sees all of it; an admin
 * sees the mail about the accounts they administer.
 */
export const listOutboxRoute = authedProcedure
  .input(z.object({ ...pageInput, cursor: serialCursor.optional() }))
  .output(page(z.object({ id: z.string(), accountId: z.string(), to: z.string(), subject: z.string(), body: z.string(), link: z.string().nullable(), createdAt: iso })))
  .query(async ({ ctx, input }) => {
    const adminOf = [...ctx.actor.memberships].filter(([, r]) => r === 'admin').map(([a]) => a);
    const rows = await outbox.listMail(ctx.db, ctx.actor.platformOperator ? null : adminOf, {
      limit: input.limit + 1,
      ...(input.cursor ? { before: input.cursor } : {}),
    });
    return toPage(rows, input.limit, (m) => m.id, (m) => ({ id: m.id, accountId: m.accountId, to: m.to, subject: m.subject, body: m.body, link: m.link, createdAt: m.createdAt.toISOString() }));
  });
