import { router } from '../../trpc';
import { listInvitationsRoute } from './list';
import { previewInvitationRoute } from './preview';
import { revokeInvitationRoute } from './revoke';

export const invitationsRouter = router({
  revoke: revokeInvitationRoute,
  list: listInvitationsRoute,
  preview: previewInvitationRoute,
});
