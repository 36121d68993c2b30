import { router } from '../../trpc';
import { listInvitationsRoute } from './list';
import { revokeInvitationRoute } from './revoke';

export const invitationsRouter = router({ revoke: revokeInvitationRoute, list: listInvitationsRoute });
