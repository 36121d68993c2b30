import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { accounts, audit } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { cursor, day, encodeCursor, id, instant, limit, text } from '../inputs';
import { auditEntryOut, page, toAuditOut } from '../shapes';

/** A day range of the viewed account's time zone, both ends inclusive, either open; `from` after `to` is refused. */
export const auditDays = { from: day.optional(), to: day.optional() };
const ordered = (i: { from?: string | undefined; to?: string | undefined }) =>
  i.from === undefined || i.to === undefined || i.from <= i.to;
const orderedMessage = { message: 'must not be after the end of the range', path: ['from'] };

export const auditListInput = z
  .object({
    accountId: id,
    cursor: cursor(z.object({ at: instant, id: z.string().regex(/^[0-9]{1,18}$/) }).strict()).optional(),
    limit: limit(200, 50),
    /** One action, e.g. `membership.setRole`; `credits.spend` lists the worker's debits one by one. */
    action: text(100)
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, { message: 'must be an action name' })
      .optional(),
    /** The user who made the change (a member's user id). */
    memberId: id.optional(),
    /** One account of the viewed subtree: its own entries. */
    filterAccountId: id.optional(),
    ...auditDays,
  })
  .strict()
  .refine(ordered, orderedMessage);

/** The account a filter names, which must be the viewed account or one below it (else NOT_FOUND, SPEC 12). */
export async function subtreeAccount(db: Parameters<typeof accounts.findAccount>[0], viewedId: string, id: string) {
  const a = await accounts.findAccount(db, id);
  if (!a || !a.path.includes(viewedId)) throw new DomainError('NOT_FOUND', 'Account not found.');
  return a;
}

/**
 * Audit entries of the account and its descendants, newest first by time (admins, SPEC 8), filtered by action,
 * member, account and days of the account's zone, paged under the filter. The worker's spend debits are left out
 * unless asked for by action (`audit.spendDays` gives them per day). Of a client reached through its agency, only the
 * entries since its current connection began (SPEC 2.2). A filter only narrows: a member or an account outside the
 * subtree finds nothing (an account: NOT_FOUND, as anywhere).
 */
export const listAuditRoute = accountProcedure()
  .input(auditListInput)
  .output(page(auditEntryOut))
  .query(async ({ ctx, input }) => {
    ctx.may('audit.view');
    if (input.filterAccountId !== undefined) await subtreeAccount(ctx.db, ctx.account.id, input.filterAccountId);
    const rows = await audit.listAudit(ctx.db, ctx.account.id, {
      limit: input.limit + 1,
      fullHistoryOf: [...ctx.actor.memberships.keys()],
      filters: {
        ...(input.action !== undefined ? { action: input.action } : {}),
        ...(input.memberId !== undefined ? { actorUserId: input.memberId } : {}),
        ...(input.filterAccountId !== undefined ? { accountId: input.filterAccountId } : {}),
        days: { timeZone: ctx.account.timeZone, ...pick(input) },
      },
      ...(input.cursor ? { before: input.cursor } : {}),
    });
    const more = rows.length > input.limit;
    const kept = more ? rows.slice(0, input.limit) : rows;
    const last = kept.at(-1);
    return {
      items: kept.map(toAuditOut),
      nextCursor: more && last ? encodeCursor({ at: last.atKey, id: last.id }) : null,
    };
  });

/** The given ends of a day range (exactOptionalPropertyTypes: no `undefined` values). */
export const pick = (i: { from?: string | undefined; to?: string | undefined }) => ({
  ...(i.from !== undefined ? { from: i.from } : {}),
  ...(i.to !== undefined ? { to: i.to } : {}),
});
