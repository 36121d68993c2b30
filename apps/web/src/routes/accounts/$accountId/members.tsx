import { createFileRoute } from '@tanstack/react-router';
import { MembersScreen } from '../../../features/members/members';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/members')({
  component: () => (
    <SectionPage section="members">
      <MembersScreen />
    </SectionPage>
  ),
});
