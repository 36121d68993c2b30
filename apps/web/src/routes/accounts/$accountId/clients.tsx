import { createFileRoute } from '@tanstack/react-router';
import { ClientsScreen } from '../../../features/clients/clients';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/clients')({
  component: () => (
    <SectionPage section="clients">
      <ClientsScreen />
    </SectionPage>
  ),
});
