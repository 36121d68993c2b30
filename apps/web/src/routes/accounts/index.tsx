import { createFileRoute, useNavigate } from '@tanstack/react-router';
import { TreeScreen, treeSearch } from '../../features/accounts/tree-screen';

export const Route = createFileRoute('/accounts/')({ validateSearch: treeSearch, component: Accounts });

/** The whole tree, whatever the user lands on. */
function Accounts() {
  const search = Route.useSearch();
  const navigate = useNavigate({ from: '/accounts/' });
  return <TreeScreen search={search} onSearch={(s) => void navigate({ search: s, replace: true })} />;
}
