import { createFileRoute } from '@tanstack/react-router';
import { sharedReportsSearch } from '../../../features/reports/search';
import { SharedReportsScreen } from '../../../features/reports/shared';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/shared-reports')({
  validateSearch: sharedReportsSearch,
  component: SharedReports,
});

function SharedReports() {
  const search = Route.useSearch();
  return (
    <SectionPage section="shared-reports">
      <SharedReportsScreen search={search} />
    </SectionPage>
  );
}
