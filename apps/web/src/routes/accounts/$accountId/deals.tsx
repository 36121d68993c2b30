import { createFileRoute } from '@tanstack/react-router';
import { DealsScreen } from '../../../features/deals/deals';
import { dealsSearch } from '../../../features/deals/search';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/deals')({ validateSearch: dealsSearch, component: Deals });

function Deals() {
  const search = Route.useSearch();
  return (
    <SectionPage section="deals">
      <DealsScreen search={search} />
    </SectionPage>
  );
}
