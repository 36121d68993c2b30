import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Navigate, useNavigate } from '@tanstack/react-router';
import { Card, CardBody } from '../components/ui/card';
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
  const teams = me.data?.teams ?? [];
  // a member of teams only is told where they work: the team, its agency and their role, above the team's clients
  const teamOnly = teams.length > 0 && (me.data?.memberships.length ?? 0) === 0;
  if (!me.data?.user.platformOperator && forest.length === 1 && !teamOnly)
    return <Navigate to="/accounts/$accountId" params={{ accountId: forest[0]!.id }} replace />;
  return (
    <>
      {teamOnly && (
        <Card data-testid="team-landing">
          <CardBody className="space-y-1 text-sm text-slate-800">
            {teams.map((t) => (
              <p key={t.teamId}>
                You are an <strong>{t.role}</strong> in the team <strong>{t.teamName}</strong> of{' '}
                <strong>{t.agencyName}</strong>: you work on the clients of that team, listed below.
              </p>
            ))}
          </CardBody>
        </Card>
      )}
      <TreeScreen search={search} onSearch={(s) => void navigate({ search: s, replace: true })} />
    </>
  );
}
