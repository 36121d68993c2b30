import { createFileRoute } from '@tanstack/react-router';
import { Overview } from '../../../features/accounts/overview';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/')({
  component: () => (
    <SectionPage section="">
      <Overview />
    </SectionPage>
  ),
});
