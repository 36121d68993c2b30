import { memberships } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { memberOut, page, pageInput, toMemberOut, toPage } from '../shapes';

/** Members holding a role on the account itself (members of ancestors also reach it), by email. */
export const listMembersRoute = accountProcedure(pageInput)
  .output(page(memberOut))
  .query(async ({ ctx, input }) => {
    ctx.may('members.view');
    const rows = await memberships.listMembers(ctx.db, ctx.account.id, { limit: input.limit + 1, ...(input.cursor ? { after: input.cursor } : {}) });
    return toPage(rows, input.limit, (m) => m.email, toMemberOut);
  });
