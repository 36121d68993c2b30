import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Navigate, useNavigate } from '@tanstack/react-router';
import { SkeletonRows } from '../components/ui/skeleton';
import { TreeScreen } from '../features/accounts/tree-screen';
import { treeSearch } from '../features/accounts/tree-search';
import { useTRPC } from '../lib/trpc';

export const Route = createFileRoute('/')({ validateSearch: treeSearch, component: Landing });

/** Landing: a user with one account (or one team client) lands on it; others get the tree. */
function Landing() {
  const trpc = useTRPC();
  const search = Route.useSearch();
  const navigate = useNavigate({ from: '/' });
  const me = useQuery(trpc.auth.me.queryOptions());
  const tree = useQuery(trpc.accounts.tree.queryOptions({ includeArchived: search.archived ?? false }));
  if (me.isPending || tree.isPending) return <SkeletonRows rows={6} />;
  const forest = Array.isArray(tree.data) ? tree.data : tree.data ? [tree.data] : [];
  if (!me.data?.user.platformOperator && forest.length === 1)
    return <Navigate to="/accounts/$accountId" params={{ accountId: forest[0]!.id }} replace />;
  return <TreeScreen search={search} onSearch={(s) => void navigate({ search: s, replace: true })} />;
}
