import { createFileRoute } from '@tanstack/react-router';
import { BillingScreen } from '../../../features/billing/billing';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/billing')({
  component: () => (
    <SectionPage section="billing">
      <BillingScreen />
    </SectionPage>
  ),
});
