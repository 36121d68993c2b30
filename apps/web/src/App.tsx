import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AccountPage } from './pages/Account';
import { DealPage } from './pages/Deals';
import { InvitePage } from './pages/Invite';
import { OutboxPage } from './pages/Outbox';
import { SignInPage } from './pages/SignIn';
import { TreePage } from './pages/Tree';
import { Link, navigate, useRoute } from './router';
import { useTRPC } from './trpc';
import { ErrorText } from './ui';

export function App() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const route = useRoute();
  const me = useQuery(trpc.auth.me.queryOptions());
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        navigate('/');
      },
    }),
  );

  // The invitation page works signed out: it is how new members arrive.
  if (route.name === 'invite') return <Shell><InvitePage token={route.token} /></Shell>;
  if (me.isPending) return <Shell><p className="muted">Loading…</p></Shell>;
  if (me.error) return <Shell><ErrorText error={me.error} /></Shell>;
  if (!me.data) return <Shell><SignInPage /></Shell>;

  return (
    <Shell
      nav={
        <>
          <Link to="/">Accounts</Link>
          <Link to="/outbox">Outbox</Link>
          <span className="muted" data-testid="signed-in-as">{me.data.user.email}{me.data.user.platformOperator ? ' · platform operator' : ''}</span>
          <button className="link" onClick={() => signOut.mutate()}>Sign out</button>
        </>
      }
    >
      {route.name === 'tree' && <TreePage platformOperator={me.data.user.platformOperator} />}
      {route.name === 'account' && <AccountPage key={route.id} accountId={route.id} tab={route.tab} />}
      {route.name === 'deal' && <DealPage key={route.id} dealId={route.id} />}
      {route.name === 'outbox' && <OutboxPage />}
      {route.name === 'notFound' && <p>This page does not exist. <Link to="/">Back to your accounts</Link></p>}
    </Shell>
  );
}

function Shell({ children, nav }: { children: React.ReactNode; nav?: React.ReactNode }) {
  return (
    <div className="shell">
      <header className="top">
        <Link to="/" className="brand">Trellis</Link>
        <nav>{nav}</nav>
      </header>
      <main>{children}</main>
    </div>
  );
}
