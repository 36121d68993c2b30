import { audit } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { auditEntryOut, page, pageInput, toAuditOut, toPage } from '../shapes';
import { serialCursor } from '../inputs';

/**
 * Audit entries of the account and its descendants, newest first (admins, SPEC 8). Of a client reached through its
 * agency, only the entries since its current connection began (SPEC 2.2).
 */
export const listAuditRoute = accountProcedure({ ...pageInput, cursor: serialCursor.optional() })
  .output(page(auditEntryOut))
  .query(async ({ ctx, input }) => {
    ctx.may('audit.view');
    const rows = await audit.listAudit(ctx.db, ctx.account.id, {
      limit: input.limit + 1,
      fullHistoryOf: [...ctx.actor.memberships.keys()],
      ...(input.cursor ? { before: input.cursor } : {}),
    });
    return toPage(rows, input.limit, (e) => e.id, toAuditOut);
  });
