import { createFileRoute } from '@tanstack/react-router';
import { DealsScreen, dealsSearch } from '../../../features/deals/deals';
import { SectionPage } from '../../../features/shell/account-layout';

export const Route = createFileRoute('/accounts/$accountId/deals')({ validateSearch: dealsSearch, component: Deals });

function Deals() {
  const search = Route.useSearch();
  return <SectionPage section="deals"><DealsScreen search={search} /></SectionPage>;
}
