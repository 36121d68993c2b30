import { createFileRoute } from '@tanstack/react-router';
import { AuditScreen } from '../../../features/audit/audit';
import { auditSearch } from '../../../features/audit/search';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/audit')({ validateSearch: auditSearch, component: Audit });

function Audit() {
  const search = Route.useSearch();
  return (
    <SectionPage section="audit">
      <AuditScreen search={search} />
    </SectionPage>
  );
}
