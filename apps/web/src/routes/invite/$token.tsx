import { createFileRoute } from '@tanstack/react-router';
import { InvitePage } from '../../features/auth/invite';

export const Route = createFileRoute('/invite/$token')({ component: Invite });

function Invite() {
  const { token } = Route.useParams();
  return <InvitePage token={token} />;
}
