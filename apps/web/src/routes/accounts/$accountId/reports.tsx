import { createFileRoute } from '@tanstack/react-router';
import { ReportsScreen } from '../../../features/reports/reports';
import { reportsSearch } from '../../../features/reports/search';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/reports')({
  validateSearch: reportsSearch,
  component: Reports,
});

function Reports() {
  const search = Route.useSearch();
  return (
    <SectionPage section="reports">
      <ReportsScreen search={search} />
    </SectionPage>
  );
}
