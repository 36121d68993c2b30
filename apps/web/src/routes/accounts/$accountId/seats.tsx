import { createFileRoute } from '@tanstack/react-router';
import { SeatsScreen } from '../../../features/seats/seats';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/seats')({
  component: () => (
    <SectionPage section="seats">
      <SeatsScreen />
    </SectionPage>
  ),
});
