import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Command } from 'cmdk';
import { useMemo } from 'react';
import { useTRPC } from '../../lib/trpc';
import { KindBadges } from '../accounts/badges';
import { flatten } from './switcher';

/** The switcher's dialog: a cmdk list of every account the user may see, searched by name and path. */
export default function SwitcherDialog({
  open,
  onOpenChange: setOpen,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const tree = useQuery(trpc.accounts.tree.queryOptions({}));
  const accounts = useMemo(
    () => (tree.data ? flatten(Array.isArray(tree.data) ? tree.data : [tree.data]) : []),
    [tree.data],
  );
  return (
    <Command.Dialog
      open={open}
      onOpenChange={setOpen}
      label="Switch account"
      overlayClassName="fixed inset-0 z-40 bg-slate-900/40"
      contentClassName={
        'fixed left-1/2 top-[12vh] z-50 w-[calc(100vw-2rem)] max-w-lg -translate-x-1/2 ' +
        'overflow-hidden rounded-lg bg-white shadow-xl'
      }
    >
      <Command.Input
        placeholder="Search accounts by name…"
        aria-label="Search accounts"
        className="w-full border-b border-slate-200 px-4 py-3 text-sm outline-none"
      />
      <Command.List className="max-h-[60vh] overflow-y-auto p-1" data-testid="switcher-list">
        {tree.isPending && (
          <Command.Loading>
            <p className="px-3 py-2 text-sm text-slate-600">Loading accounts…</p>
          </Command.Loading>
        )}
        <Command.Empty className="px-3 py-6 text-center text-sm text-slate-600">No account matches.</Command.Empty>
        {accounts.map((a) => (
          <Command.Item
            key={a.id}
            value={`${a.name} ${a.path.join(' ')} ${a.id}`}
            onSelect={() => {
              setOpen(false);
              void navigate({ to: '/accounts/$accountId', params: { accountId: a.id } });
            }}
            className="flex cursor-pointer items-center justify-between gap-2 rounded px-3 py-2 text-sm data-[selected=true]:bg-blue-50"
          >
            <span className="min-w-0">
              <span className="block truncate font-medium text-slate-900">{a.name}</span>
              {a.path.length > 0 && <span className="block truncate text-xs text-slate-600">{a.path.join(' / ')}</span>}
            </span>
            <KindBadges kind={a.kind} level={a.level} clientTier={a.clientTier} />
          </Command.Item>
        ))}
      </Command.List>
    </Command.Dialog>
  );
}
