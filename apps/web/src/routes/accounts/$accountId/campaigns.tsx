import { createFileRoute } from '@tanstack/react-router';
import { CampaignsScreen } from '../../../features/campaigns/campaigns';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/campaigns')({
  component: () => (
    <SectionPage section="campaigns">
      <CampaignsScreen />
    </SectionPage>
  ),
});
