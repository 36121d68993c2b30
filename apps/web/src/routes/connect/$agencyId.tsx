import { createFileRoute } from '@tanstack/react-router';
import { ConnectPage } from '../../features/connections/connect-page';

export const Route = createFileRoute('/connect/$agencyId')({ component: Connect });

function Connect() {
  const { agencyId } = Route.useParams();
  return <ConnectPage agencyId={agencyId} />;
}
