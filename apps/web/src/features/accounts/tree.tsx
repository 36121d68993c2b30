import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ChevronDown, ChevronRight, Search } from 'lucide-react';
import { useState } from 'react';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { Empty } from '../../components/ui/empty';
import { FormError } from '../../components/ui/field';
import { Input } from '../../components/ui/input';
import { SkeletonRows } from '../../components/ui/skeleton';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { plural } from '../../lib/utils';
import { KindBadges } from './badges';

export type TreeNode = Extract<RouterOutputs['accounts']['tree'], unknown[]>[number];
type AnyNode = {
  id: string;
  name: string;
  kind: TreeNode['kind'];
  level: 1 | 2 | 3;
  clientTier: TreeNode['clientTier'];
  archived: boolean;
  children: readonly AnyNode[];
};

const childNoun = (n: AnyNode): [string, string] =>
  n.kind === 'holding' ? ['agency', 'agencies'] : ['client', 'clients'];
const matches = (n: AnyNode, q: string): boolean =>
  n.name.toLowerCase().includes(q) || n.children.some((c) => matches(c, q));

export interface TreeSearch {
  q?: string | undefined;
  archived?: boolean | undefined;
}

/** Every account the user may see, as a tree with collapse/expand, search, counts per node and level/tier badges. */
export function AccountTree({
  search,
  onSearch,
  platformOperator,
}: {
  search: TreeSearch;
  onSearch: (s: TreeSearch) => void;
  platformOperator: boolean;
}) {
  const trpc = useTRPC();
  const tree = useQuery(trpc.accounts.tree.queryOptions({ includeArchived: search.archived ?? false }));
  const forest: AnyNode[] = Array.isArray(tree.data) ? tree.data : tree.data ? [tree.data] : [];
  const q = (search.q ?? '').trim().toLowerCase();
  const shown = q ? forest.filter((n) => matches(n, q)) : forest;
  return (
    <Card>
      <CardHeader
        title={<span id="tree-title">Accounts</span>}
        description={
          platformOperator
            ? 'Every account on the platform. Open one to work in it.'
            : 'Every account your memberships reach. Open one to work in it.'
        }
        actions={
          <label className="flex min-h-10 items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className="size-4"
              checked={search.archived ?? false}
              onChange={(e) => onSearch({ ...search, archived: e.target.checked || undefined })}
            />{' '}
            Show archived
          </label>
        }
      />
      <CardBody className="space-y-3">
        <div className="relative sm:w-72">
          <Search className="pointer-events-none absolute left-2.5 top-3 size-4 text-slate-500" aria-hidden />
          <Input
            aria-label="Search accounts"
            placeholder="Search accounts"
            value={search.q ?? ''}
            onChange={(e) => onSearch({ ...search, q: e.target.value || undefined })}
            className="pl-8"
          />
        </div>
        {tree.isPending && <SkeletonRows rows={5} />}
        <FormError message={errorMessage(tree.error)} />
        {tree.isSuccess && forest.length === 0 && (
          <Empty>
            {platformOperator
              ? 'No accounts yet. Create the first holding below, then invite its first admin from its Members page.'
              : 'You are not a member of any account yet. Ask an admin to invite you.'}
          </Empty>
        )}
        {tree.isSuccess && forest.length > 0 && shown.length === 0 && <Empty>No account matches “{search.q}”.</Empty>}
        <ul className="space-y-0.5" data-testid="account-tree" aria-labelledby="tree-title">
          {shown.map((n) => (
            <Node key={n.id} node={n} q={q} depth={0} />
          ))}
        </ul>
      </CardBody>
    </Card>
  );
}

function Node({ node, q, depth }: { node: AnyNode; q: string; depth: number }) {
  const [open, setOpen] = useState(depth < 1);
  const kids = q ? node.children.filter((c) => matches(c, q)) : node.children;
  const expanded = q ? true : open;
  return (
    <li>
      <div
        className="flex min-h-10 flex-wrap items-center gap-x-2 gap-y-1 rounded-md py-1 pr-2 hover:bg-slate-50"
        style={{ paddingLeft: `${depth * 1.25}rem` }}
      >
        {node.children.length > 0 ? (
          <button
            type="button"
            aria-expanded={expanded}
            onClick={() => setOpen(!open)}
            className="inline-flex size-8 items-center justify-center rounded hover:bg-slate-200"
            aria-label={`${expanded ? 'Collapse' : 'Expand'} ${node.name}`}
          >
            {expanded ? (
              <ChevronDown className="size-4" aria-hidden />
            ) : (
              <ChevronRight className="size-4" aria-hidden />
            )}
          </button>
        ) : (
          <span className="inline-block size-8" aria-hidden />
        )}
        <Link
          to="/accounts/$accountId"
          params={{ accountId: node.id }}
          className={
            node.archived ? 'font-medium text-slate-500 line-through' : 'font-medium text-blue-800 hover:underline'
          }
        >
          {node.name}
        </Link>
        <KindBadges kind={node.kind} level={node.level} clientTier={node.clientTier} archived={node.archived} />
        {node.kind !== 'client' && (
          <span className="text-xs text-slate-600">{plural(node.children.length, ...childNoun(node))}</span>
        )}
      </div>
      {expanded && kids.length > 0 && (
        <ul>
          {kids.map((c) => (
            <Node key={c.id} node={c} q={q} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}
