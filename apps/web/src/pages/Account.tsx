import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, type AccountTab } from '../router';
import { errorCode, useTRPC, type RouterOutputs } from '../trpc';
import { Empty, ErrorText, FieldError, fmtTime, KindBadges, Section, useCursorPages } from '../ui';
import { CampaignsTab, ClientsTab, ConnectionsTab, OperatorClientActions } from './Clients';
import { DealsTab } from './Deals';
import { SeatsTab } from './Seats';

export type Account = RouterOutputs['accounts']['get'];
const ROLES = ['admin', 'operator', 'analyst'] as const;

export function AccountPage({ accountId, tab }: { accountId: string; tab: AccountTab }) {
  const trpc = useTRPC();
  const account = useQuery(trpc.accounts.get.queryOptions({ accountId }));
  const me = useQuery(trpc.auth.me.queryOptions());
  if (account.isPending) return <p className="muted">Loading…</p>;
  if (account.error) {
    return errorCode(account.error) === 'NOT_FOUND' || errorCode(account.error) === 'BAD_REQUEST' ? (
      <p>This account does not exist or is not yours to see. <Link to="/">Back to your accounts</Link></p>
    ) : (
      <ErrorText error={account.error} />
    );
  }
  const a = { ...account.data, platformOperator: me.data?.user.platformOperator ?? false };
  const can = (action: Account['allowedActions'][number]) => a.allowedActions.includes(action);
  const tabs = ([
    ['overview', 'Overview', true],
    ['clients', 'Clients', a.kind !== 'client'],
    ['connections', 'Connections', can('connections.view')],
    ['campaigns', 'Campaigns', can('campaigns.view')],
    ['seats', 'Seats', can('seats.view')],
    ['deals', 'Deals', can('deals.view')],
  ] as const).filter(([, , shown]) => shown);
  return (
    <>
      <nav className="crumbs">
        <Link to="/">Accounts</Link>
        {a.ancestors.map((x) => (
          <span key={x.id}> / <Link to={`/accounts/${x.id}`}>{x.name}</Link></span>
        ))}
      </nav>
      <h1 data-testid="account-name">
        {a.name} <KindBadges kind={a.kind} level={a.level} clientTier={a.clientTier} archived={a.archivedAt !== null} />
      </h1>
      <p className="muted">
        {a.currency} · {a.timeZone} · created {fmtTime(a.createdAt)}
        {a.archivedAt && <> · archived {fmtTime(a.archivedAt)}: it keeps its data and accepts no new work</>}
      </p>
      {tabs.length > 1 && (
        <nav className="tabs" aria-label="Account sections">
          {tabs.map(([key, label]) => (
            <Link key={key} to={`/accounts/${a.id}${key === 'overview' ? '' : `/${key}`}`} className={tab === key ? 'active' : ''}>{label}</Link>
          ))}
        </nav>
      )}
      {tab === 'clients' && <ClientsTab account={a} />}
      {tab === 'connections' && can('connections.view') && <ConnectionsTab account={a} />}
      {tab === 'campaigns' && can('campaigns.view') && <CampaignsTab account={a} />}
      {tab === 'seats' && can('seats.view') && <SeatsTab account={a} />}
      {tab === 'deals' && can('deals.view') && <DealsTab account={a} />}
      {a.platformOperator && a.kind === 'client' && tab === 'overview' && <OperatorClientActions account={a} />}
      {tab === 'overview' && (
        <>
          {a.kind !== 'client' && <SubAccounts account={a} canCreate={can('accounts.createSub')} />}
          {can('members.view') && <Members account={a} canInvite={can('members.invite')} canManage={can('members.manage')} />}
          {can('audit.view') && <Audit accountId={a.id} />}
          {a.canArchive && <Archive account={a} />}
        </>
      )}
    </>
  );
}

function SubAccounts({ account, canCreate }: { account: Account; canCreate: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tree = useQuery(trpc.accounts.tree.queryOptions({ accountId: account.id }));
  const childKind = account.kind === 'holding' ? 'agency' : 'client';
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.accounts.create.mutationOptions({
      onSuccess: () => {
        setName('');
        void queryClient.invalidateQueries(trpc.accounts.pathFilter());
        void queryClient.invalidateQueries(trpc.audit.pathFilter());
      },
    }),
  );
  const children = tree.data && !Array.isArray(tree.data) ? tree.data.children : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ parentId: account.id, name, kind: childKind });
  };
  return (
    <Section title={account.kind === 'holding' ? 'Agencies' : 'Clients'}>
      <ErrorText error={tree.error} />
      {tree.isSuccess && children.length === 0 && (
        <Empty>No {childKind === 'agency' ? 'agencies' : 'clients'} yet.{canCreate ? ` Create the first one below.` : ''}</Empty>
      )}
      <ul className="list" data-testid="sub-accounts">
        {children.map((c) => (
          <li key={c.id}>
            <Link to={`/accounts/${c.id}`}>{c.name}</Link> <KindBadges kind={c.kind} level={c.level} clientTier={c.clientTier} />
            {c.children.length > 0 && <span className="muted"> · {c.children.length} client{c.children.length === 1 ? '' : 's'}</span>}
          </li>
        ))}
      </ul>
      {canCreate && account.archivedAt === null && (
        <form className="row" onSubmit={submit} aria-label={`Create ${childKind}`}>
          <label>
            New {childKind} name
            <input name="subAccountName" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <FieldError error={create.error} field="name" />
          </label>
          <button type="submit" disabled={create.isPending}>Create {childKind}</button>
          <span className="muted">Currency {account.currency}, time zone {account.timeZone}, as this account.</span>
        </form>
      )}
      {!create.error || <ErrorText error={create.error} />}
    </Section>
  );
}

function Members({ account, canInvite, canManage }: { account: Account; canInvite: boolean; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.members.list.queryOptions({ accountId: account.id, limit: 200 }));
  const invitations = useQuery({ ...trpc.invitations.list.queryOptions({ accountId: account.id }), enabled: canInvite });
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.members.pathFilter());
    void queryClient.invalidateQueries(trpc.invitations.pathFilter());
    void queryClient.invalidateQueries(trpc.audit.pathFilter());
    void queryClient.invalidateQueries(trpc.outbox.pathFilter());
  };
  const setRole = useMutation(trpc.members.setRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.invitations.revoke.mutationOptions({ onSuccess: refresh }));
  const [email, setEmail] = useState('');
  const [role, setRoleInput] = useState<(typeof ROLES)[number]>('analyst');
  const invite = useMutation(trpc.members.invite.mutationOptions({ onSuccess: () => { setEmail(''); refresh(); } }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ accountId: account.id, email, role });
  };
  return (
    <Section title="Members">
      <ErrorText error={members.error} />
      {members.isSuccess && members.data.items.length === 0 && (
        <Empty>Nobody holds a role on this account itself; members of the accounts above it still reach it.{canInvite ? ' Invite someone below.' : ''}</Empty>
      )}
      <table className="table" data-testid="members">
        <tbody>
          {members.data?.items.map((m) => (
            <tr key={m.id}>
              <td>{m.name}</td>
              <td>{m.email}</td>
              <td>
                {canManage ? (
                  <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => setRole.mutate({ membershipId: m.id, role: e.target.value as (typeof ROLES)[number] })}>
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                ) : (
                  m.role
                )}
                {setRole.variables?.membershipId === m.id && <ErrorText error={setRole.error} />}
              </td>
              <td>
                {canManage && (
                  <button className="link danger" onClick={() => window.confirm(`Remove ${m.email} from ${account.name}?`) && remove.mutate({ membershipId: m.id })}>
                    Remove
                  </button>
                )}
                {remove.variables?.membershipId === m.id && <ErrorText error={remove.error} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canInvite && account.archivedAt === null && (
        <>
          <h3>Invite a member</h3>
          <form className="row" onSubmit={submit} aria-label="Invite a member">
            <label>Email<input name="inviteEmail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} /><FieldError error={invite.error} field="email" /></label>
            <label>
              Role
              <select name="inviteRole" value={role} onChange={(e) => setRoleInput(e.target.value as (typeof ROLES)[number])}>
                {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </label>
            <button type="submit" disabled={invite.isPending}>Send invitation</button>
          </form>
          {invite.error && <ErrorText error={invite.error} />}
          {invite.data && (
            <p className="notice" data-testid="invite-sent">
              Invitation sent to {invite.data.email} (see the outbox). You can also hand over this link, valid once for 7 days:{' '}
              {invite.data.link && <a href={new URL(invite.data.link).pathname} data-testid="invite-link">{invite.data.link}</a>}
            </p>
          )}
          {invitations.data && invitations.data.items.length > 0 && (
            <>
              <h3>Pending invitations</h3>
              <ul className="list" data-testid="pending-invitations">
                {invitations.data.items.map((i) => (
                  <li key={i.id}>
                    {i.email} as {i.role}, expires {fmtTime(i.expiresAt)}{' '}
                    <button className="link danger" onClick={() => revoke.mutate({ invitationId: i.id })}>Revoke</button>
                  </li>
                ))}
              </ul>
              <ErrorText error={revoke.error} />
            </>
          )}
        </>
      )}
    </Section>
  );
}

function Audit({ accountId }: { accountId: string }) {
  const trpc = useTRPC();
  const { cursorInput, Pager } = useCursorPages();
  const audit = useQuery(trpc.audit.list.queryOptions({ accountId, limit: 20, ...cursorInput }));
  return (
    <Section title="Audit trail">
      <ErrorText error={audit.error} />
      {audit.isSuccess && audit.data.items.length === 0 && <Empty>No changes recorded yet.</Empty>}
      <table className="table" data-testid="audit">
        <tbody>
          {audit.data?.items.map((e) => (
            <tr key={e.id}>
              <td className="nowrap">{fmtTime(e.at)}</td>
              <td>{e.actorEmail ?? 'system'}</td>
              <td>{e.action}</td>
              <td>{e.accountName}</td>
              <td className="muted small">{summary(e.before, e.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager nextCursor={audit.data?.nextCursor} />
    </Section>
  );
}

function summary(before: unknown, after: unknown): string {
  const show = (v: unknown) => (v && typeof v === 'object' ? Object.entries(v).filter(([k]) => !/Id$|^id$|At$/.test(k)).map(([k, x]) => `${k}: ${String(x)}`).join(', ') : '');
  if (before && after) return `${show(before)} → ${show(after)}`;
  return show(after ?? before);
}

function Archive({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const archive = useMutation(trpc.accounts.archive.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries(trpc.accounts.pathFilter()) }));
  return (
    <Section title="Archive">
      <p className="muted">Archiving keeps every record and its history; the account accepts no new work and is hidden from default lists. Sub-accounts must be archived first.</p>
      <button className="danger" disabled={archive.isPending} onClick={() => window.confirm(`Archive ${account.name}?`) && archive.mutate({ accountId: account.id })}>
        Archive {account.name}
      </button>
      <ErrorText error={archive.error} />
    </Section>
  );
}
