import { ChevronsUpDown } from 'lucide-react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Button } from '../../components/ui/button';
import type { RouterOutputs } from '../../lib/trpc';

type Node = Extract<RouterOutputs['accounts']['tree'], unknown[]>[number];
export interface FlatAccount {
  id: string;
  name: string;
  kind: Node['kind'];
  level: number;
  clientTier: string | null;
  path: string[];
}

export function flatten(forest: Node[]): FlatAccount[] {
  const out: FlatAccount[] = [];
  const walk = (
    n: {
      id: string;
      name: string;
      kind: Node['kind'];
      level: number;
      clientTier: string | null;
      children: readonly unknown[];
    },
    path: string[],
  ) => {
    out.push({ id: n.id, name: n.name, kind: n.kind, level: n.level, clientTier: n.clientTier, path });
    for (const c of n.children as (typeof n)[]) walk(c, [...path, n.name]);
  };
  for (const n of forest) walk(n, []);
  return out;
}

// cmdk and its dialog load on first use, not with the first page.
const SwitcherDialog = lazy(() => import('./switcher-dialog'));

/** The searchable account switcher (Ctrl/Cmd-K): every account the user may see, by name and path. */
export function AccountSwitcher() {
  const [open, setOpen] = useState(false);
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
      <Button
        variant="secondary"
        size="sm"
        className="min-h-10 min-w-0 justify-between gap-2 sm:w-64"
        onClick={() => setOpen(true)}
        aria-label="Switch account (Ctrl+K)"
        aria-keyshortcuts="Control+K Meta+K"
      >
        <span className="truncate text-slate-600">
          <span className="hidden sm:inline">Switch account…</span>
          <span className="sm:hidden">Switch</span>
        </span>
        <kbd className="hidden rounded border border-slate-300 px-1 text-[11px] text-slate-600 sm:inline">Ctrl K</kbd>
        <ChevronsUpDown className="size-4 sm:hidden" aria-hidden />
      </Button>
      {open && (
        <Suspense fallback={null}>
          <SwitcherDialog open={open} onOpenChange={setOpen} />
        </Suspense>
      )}
    </>
  );
}
