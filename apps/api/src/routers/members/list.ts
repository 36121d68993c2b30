import { DomainError } from '@trellis/domain';
import { memberships } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { memberOut, page, pageInput, toMemberOut, toPage } from '../shapes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A cursor is `<email> <id>` of the last row of the page before; anything else is refused. */
function parseCursor(cursor: string | undefined): { email: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const at = cursor.lastIndexOf(' ');
  if (at < 1 || !UUID.test(cursor.slice(at + 1)) || /[\u0000-\u001f\u007f]/.test(cursor)) {
    throw new DomainError('INVALID_INPUT', 'cursor: must be a cursor from a previous page', {
      cursor: 'must be a cursor from a previous page',
    });
  }
  return { email: cursor.slice(0, at), id: cursor.slice(at + 1) };
}

/**
 * Members holding a role on the account itself (members of ancestors also reach it), and for an agency the members
 * of its teams (with teamId and teamName), by email.
 */
export const listMembersRoute = accountProcedure(pageInput)
  .output(page(memberOut))
  .query(async ({ ctx, input }) => {
    ctx.may('members.view');
    const after = parseCursor(input.cursor);
    const rows = await memberships.listMembers(ctx.db, ctx.account.id, {
      limit: input.limit + 1,
      ...(after ? { after } : {}),
    });
    return toPage(rows, input.limit, (m) => `${m.email} ${m.id}`, toMemberOut);
  });
