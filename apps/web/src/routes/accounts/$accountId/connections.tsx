import { createFileRoute } from '@tanstack/react-router';
import { ConnectionsScreen } from '../../../features/connections/connections';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/connections')({
  component: () => (
    <SectionPage section="connections">
      <ConnectionsScreen />
    </SectionPage>
  ),
});
