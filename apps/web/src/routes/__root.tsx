import { useQuery } from '@tanstack/react-query';
import { createRootRoute, Link, Outlet, useRouterState } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { Card, CardBody } from '../components/ui/card';
import { FormError } from '../components/ui/field';
import { Skeleton } from '../components/ui/skeleton';
import { AppShell } from '../features/shell/app-shell';
import { errorMessage, useTRPC } from '../lib/trpc';
import { usePageTitle } from '../lib/title';

// Kept out of the entry chunk: a signed-in user never needs the sign-in form, and toasts can wait a moment.
const SignInPage = lazy(() => import('../features/auth/sign-in').then((m) => ({ default: m.SignInPage })));
const Toaster = lazy(() => import('sonner').then((m) => ({ default: m.Toaster })));

export const Route = createRootRoute({ component: Root, notFoundComponent: NotFound });

/** Pages that work signed out: the invitation page is how new members arrive. */
const PUBLIC = /^\/invite\//;

function Root() {
  const trpc = useTRPC();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const me = useQuery(trpc.auth.me.queryOptions());
  let body;
  if (PUBLIC.test(pathname))
    body = me.data ? (
      <AppShell me={me.data}>
        <Outlet />
      </AppShell>
    ) : (
      <main id="main" className="min-h-screen bg-slate-50 px-4 py-10">
        <Outlet />
      </main>
    );
  else if (me.isPending) body = <ShellSkeleton />;
  else if (me.error)
    body = (
      <main id="main" className="p-6">
        <FormError message={errorMessage(me.error)} />
      </main>
    );
  else if (!me.data)
    body = (
      <Suspense fallback={<ShellSkeleton />}>
        <SignInPage />
      </Suspense>
    );
  else
    body = (
      <AppShell me={me.data}>
        <Outlet />
      </AppShell>
    );
  return (
    <>
      {body}
      <Suspense fallback={null}>
        <Toaster position="bottom-right" richColors closeButton />
      </Suspense>
    </>
  );
}

function ShellSkeleton() {
  return (
    <div className="min-h-screen bg-slate-50" role="status" aria-label="Loading">
      <div className="h-14 border-b border-slate-200 bg-white" />
      <div className="mx-auto max-w-7xl space-y-4 px-6 py-6">
        <Skeleton className="h-8 w-64" />
        <Skeleton className="h-40 w-full" />
      </div>
    </div>
  );
}

function NotFound() {
  usePageTitle('Not found');
  return (
    <Card className="mx-auto max-w-lg">
      <CardBody>
        <h1 className="text-lg font-semibold">This page does not exist</h1>
        <p className="mt-1 text-sm text-slate-700">
          <Link to="/accounts" className="text-blue-700 underline">
            Back to your accounts
          </Link>
        </p>
      </CardBody>
    </Card>
  );
}
