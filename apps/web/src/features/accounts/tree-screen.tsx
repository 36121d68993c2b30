import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';
import { CreateRootAccount } from './create-root';
import { AccountTree, type TreeSearch } from './tree';

export function TreeScreen({ search, onSearch }: { search: TreeSearch; onSearch: (s: TreeSearch) => void }) {
  usePageTitle('Accounts');
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const operator = me.data?.user.platformOperator ?? false;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-semibold">Your accounts</h1>
      <AccountTree search={search} onSearch={onSearch} platformOperator={operator} />
      {operator && <CreateRootAccount kind="holding" />}
      {operator && <CreateRootAccount kind="premium" />}
    </div>
  );
}
