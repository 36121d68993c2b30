import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Command } from 'cmdk';
import { ChevronsUpDown } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { Button } from '../../components/ui/button';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { KindBadges } from '../accounts/badges';

type Node = Extract<RouterOutputs['accounts']['tree'], unknown[]>[number];
export interface FlatAccount { id: string; name: string; kind: Node['kind']; level: number; clientTier: string | null; path: string[] }

export function flatten(forest: Node[]): FlatAccount[] {
  const out: FlatAccount[] = [];
  const walk = (n: { id: string; name: string; kind: Node['kind']; level: number; clientTier: string | null; children: readonly unknown[] }, path: string[]) => {
    out.push({ id: n.id, name: n.name, kind: n.kind, level: n.level, clientTier: n.clientTier, path });
    for (const c of n.children as (typeof n)[]) walk(c, [...path, n.name]);
  };
  for (const n of forest) walk(n, []);
  return out;
}

/** The searchable account switcher (Ctrl/Cmd-K): every account the user may see, by name and path. */
export function AccountSwitcher() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const tree = useQuery({ ...trpc.accounts.tree.queryOptions({}), enabled: open });
  const accounts = useMemo(() => (tree.data ? flatten(Array.isArray(tree.data) ? tree.data : [tree.data]) : []), [tree.data]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() === 'k' && (e.metaKey || e.ctrlKey)) {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <Button variant="secondary" size="sm" className="min-h-10 min-w-0 justify-between gap-2 sm:w-64" onClick={() => setOpen(true)} aria-label="Switch account (Ctrl+K)" aria-keyshortcuts="Control+K Meta+K">
        <span className="truncate text-slate-600"><span className="hidden sm:inline">Switch account…</span><span className="sm:hidden">Switch</span></span>
        <kbd className="hidden rounded border border-slate-300 px-1 text-[11px] text-slate-600 sm:inline">Ctrl K</kbd>
        <ChevronsUpDown className="size-4 sm:hidden" aria-hidden />
      </Button>
      <Command.Dialog
        open={open}
        onOpenChange={setOpen}
        label="Switch account"
        overlayClassName="fixed inset-0 z-40 bg-slate-900/40"
        contentClassName="fixed left-1/2 top-[12vh] z-50 w-[calc(100vw-2rem)] max-w-lg -translate-x-1/2 overflow-hidden rounded-lg bg-white shadow-xl"
      >
        <Command.Input placeholder="Search accounts by name…" aria-label="Search accounts" className="w-full border-b border-slate-200 px-4 py-3 text-sm outline-none" />
        <Command.List className="max-h-[60vh] overflow-y-auto p-1" data-testid="switcher-list">
          {tree.isPending && <Command.Loading><p className="px-3 py-2 text-sm text-slate-600">Loading accounts…</p></Command.Loading>}
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
    </>
  );
}
