import { router } from '../../trpc';
import { acceptInvitationRoute } from './accept-invitation';
import { inviteRoute } from './invite';
import { listMembersRoute } from './list';
import { removeMemberRoute } from './remove';
import { setRoleRoute } from './set-role';

export const membersRouter = router({
  invite: inviteRoute,
  acceptInvitation: acceptInvitationRoute,
  list: listMembersRoute,
  setRole: setRoleRoute,
  remove: removeMemberRoute,
});
