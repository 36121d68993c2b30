import { invitations } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { invitationOut, page, toInvitationOut } from '../shapes';

/** Pending invitations of the account (those who may invite see them). */
export const listInvitationsRoute = accountProcedure({})
  .output(page(invitationOut))
  .query(async ({ ctx }) => {
    ctx.may('members.invite');
    const rows = await invitations.listPendingInvitations(ctx.db, ctx.account.id, ctx.now());
    return { items: rows.map(toInvitationOut), nextCursor: null };
  });
