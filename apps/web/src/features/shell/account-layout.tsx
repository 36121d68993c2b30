import { useQuery } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { ChevronRight, Lock, Menu } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { Button } from '../../components/ui/button';
import { Card, CardBody } from '../../components/ui/card';
import { Dialog, DialogTrigger, SheetContent } from '../../components/ui/dialog';
import { FormError } from '../../components/ui/field';
import { Skeleton, SkeletonRows } from '../../components/ui/skeleton';
import { formatDate } from '../../lib/time';
import { errorCode, errorMessage, useTRPC } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';
import { AccountContext, useAccount } from '../accounts/context';
import { KindBadges } from '../accounts/badges';
import { SECTIONS, sectionByKey, type AccountView } from './sections';

const LEVEL_NAME = { 1: 'holding', 2: 'agency', 3: 'client' } as const;

/** The frame of every account page: breadcrumbs that follow the tree, the account's name, the sections sidebar. */
export function AccountLayout({ accountId }: { accountId: string }) {
  const trpc = useTRPC();
  const account = useQuery(trpc.accounts.get.queryOptions({ accountId }));
  const me = useQuery(trpc.auth.me.queryOptions());
  const [menuOpen, setMenuOpen] = useState(false);
  if (account.isPending) {
    return (
      <div className="space-y-4" role="status" aria-label="Loading account">
        <Skeleton className="h-4 w-48" />
        <Skeleton className="h-8 w-72" />
        <div className="grid gap-6 md:grid-cols-[13rem_1fr]">
          <SkeletonRows rows={8} />
          <Skeleton className="h-64 w-full" />
        </div>
      </div>
    );
  }
  if (account.error) {
    const missing = errorCode(account.error) === 'NOT_FOUND' || errorCode(account.error) === 'BAD_REQUEST';
    return (
      <Card className="mx-auto max-w-lg">
        <CardBody>
          <h1 className="text-lg font-semibold">{missing ? 'Account not found' : 'Could not load this account'}</h1>
          {missing ? (
            <p className="mt-1 text-sm text-slate-700">This account does not exist or is not yours to see.</p>
          ) : (
            <FormError message={errorMessage(account.error)} />
          )}
          <p className="mt-3 text-sm">
            <Link to="/accounts" className="text-blue-700 underline">
              Back to your accounts
            </Link>
          </p>
        </CardBody>
      </Card>
    );
  }
  const a: AccountView = { ...account.data, platformOperator: me.data?.user.platformOperator ?? false };
  return (
    <AccountContext.Provider value={a}>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-600">
        <ol className="flex flex-wrap items-center gap-1">
          <li>
            <Link to="/accounts" className="hover:underline">
              Accounts
            </Link>
          </li>
          {a.ancestors.map((x) => (
            <li key={x.id} className="flex items-center gap-1">
              <ChevronRight className="size-3.5" aria-hidden />
              <Link to="/accounts/$accountId" params={{ accountId: x.id }} className="hover:underline">
                {x.name}
              </Link>
            </li>
          ))}
          <li className="flex items-center gap-1">
            <ChevronRight className="size-3.5" aria-hidden />
            <span aria-current="page" className="font-medium text-slate-900">
              {a.name}
            </span>
          </li>
        </ol>
      </nav>
      <div className="mb-5 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1
            data-testid="account-name"
            className="flex flex-wrap items-center gap-2 text-2xl font-semibold break-words"
          >
            {a.name}{' '}
            <KindBadges kind={a.kind} level={a.level} clientTier={a.clientTier} archived={a.archivedAt !== null} />
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            Level {a.level} {LEVEL_NAME[a.level]} · {a.currency} · {a.timeZone} · created{' '}
            {formatDate(a.createdAt, a.timeZone)}
            {a.archivedAt && (
              <> · archived {formatDate(a.archivedAt, a.timeZone)}: it keeps its data and accepts no new work</>
            )}
          </p>
        </div>
        <Dialog open={menuOpen} onOpenChange={setMenuOpen}>
          <DialogTrigger asChild>
            <Button variant="secondary" className="md:hidden">
              <Menu className="size-4" aria-hidden />
              Sections
            </Button>
          </DialogTrigger>
          <SheetContent title={a.name}>
            <SectionNav account={a} onNavigate={() => setMenuOpen(false)} />
          </SheetContent>
        </Dialog>
      </div>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 md:grid-cols-[13rem_minmax(0,1fr)]">
        <aside className="hidden md:block">
          <SectionNav account={a} />
        </aside>
        <div className="min-w-0 space-y-5">
          <Outlet />
        </div>
      </div>
    </AccountContext.Provider>
  );
}

function SectionNav({ account, onNavigate }: { account: AccountView; onNavigate?: () => void }) {
  const visible = SECTIONS.filter((s) => s.access(account).ok);
  return (
    <nav aria-label="Account sections">
      <ul className="space-y-0.5">
        {visible.map((s) => (
          <li key={s.key}>
            <Link
              to={(s.key ? `/accounts/$accountId/${s.key}` : '/accounts/$accountId') as '/accounts/$accountId'}
              params={{ accountId: account.id }}
              activeOptions={{ exact: true, includeSearch: false }}
              onClick={onNavigate}
              className={
                'flex min-h-10 items-center gap-2.5 rounded-md px-3 text-sm font-medium ' +
                'text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-blue-50 ' +
                'aria-[current=page]:text-blue-800'
              }
            >
              <s.icon className="size-4" aria-hidden />
              {s.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * A section's page: its title, and, when the user may not use the section, a clear page naming the rule instead of
 * the section (so a direct URL never shows a blank page).
 */
export function SectionPage({ section, children }: { section: string; children: ReactNode }) {
  const a = useAccount();
  const def = sectionByKey(section);
  usePageTitle(def.label, a.name);
  const access = def.access(a);
  if (!access.ok) {
    const RULE = {
      level: 'Level rule',
      role: 'Role rule',
      'standard-client': 'Standard-client limit',
      kind: 'Account kind',
    } as const;
    return (
      <Card data-testid="section-refused">
        <CardBody className="flex gap-3">
          <Lock className="mt-0.5 size-5 shrink-0 text-slate-500" aria-hidden />
          <div>
            <h2 className="text-base font-semibold">
              The {def.label} page is not available for {a.name}
            </h2>
            <p className="mt-1 text-sm text-slate-700">
              <strong>{RULE[access.rule]}:</strong> {access.message}
            </p>
            <p className="mt-2 text-sm">
              <Link to="/accounts/$accountId" params={{ accountId: a.id }} className="text-blue-700 underline">
                Go to the overview of {a.name}
              </Link>
            </p>
          </div>
        </CardBody>
      </Card>
    );
  }
  return <>{children}</>;
}
