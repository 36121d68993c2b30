import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { Inbox, ListTree, LogOut, UserRound } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '../../components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../components/ui/dropdown-menu';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';
import { AccountSwitcher } from './switcher';

type Me = NonNullable<RouterOutputs['auth']['me']>;

const navLink =
  'inline-flex min-h-10 items-center gap-1.5 rounded-md px-2.5 text-sm font-medium text-slate-700 ' +
  'hover:bg-slate-100 aria-[current=page]:bg-slate-100 aria-[current=page]:text-slate-900';

/** The signed-in frame: a top bar (home, accounts, switcher, outbox, user menu) above the page. */
export function AppShell({ me, children }: { me: Me; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        void navigate({ to: '/' });
      },
    }),
  );
  return (
    <div className="min-h-screen bg-slate-50">
      <a
        href="#main"
        className={
          'sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded ' +
          'focus:bg-white focus:px-3 focus:py-2'
        }
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-1 px-3 sm:gap-3 sm:px-6">
          <Link to="/" className="mr-1 text-lg font-bold tracking-tight text-slate-900">
            Trellis
          </Link>
          <nav aria-label="Main" className="flex items-center gap-0.5">
            <Link to="/accounts" className={navLink} activeOptions={{ exact: true }}>
              <ListTree className="size-4" aria-hidden />
              <span className="sr-only sm:not-sr-only">Accounts</span>
            </Link>
            <Link to="/outbox" className={navLink}>
              <Inbox className="size-4" aria-hidden />
              <span className="sr-only sm:not-sr-only">Outbox</span>
            </Link>
          </nav>
          <div className="ml-auto flex min-w-0 items-center gap-2">
            <AccountSwitcher />
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" className="min-w-0 px-2" aria-label={`User menu for ${me.user.email}`}>
                  <UserRound className="size-5 shrink-0" aria-hidden />
                  <span className="hidden max-w-48 truncate md:inline" data-testid="signed-in-as">
                    {me.user.email}
                  </span>
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent>
                <DropdownMenuLabel>
                  <span className="block font-medium text-slate-900">{me.user.name}</span>
                  <span className="block">{me.user.email}</span>
                  {me.user.platformOperator && <span className="block">Platform operator</span>}
                </DropdownMenuLabel>
                <DropdownMenuSeparator />
                <DropdownMenuItem onSelect={() => signOut.mutate()}>
                  <LogOut className="size-4" aria-hidden />
                  Sign out
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-3 py-5 sm:px-6">
        {children}
      </main>
    </div>
  );
}
