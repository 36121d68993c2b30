import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { microsToUnits, unitsToMicros } from '../money';
import { Link, navigate } from '../router';
import { useTRPC } from '../trpc';
import { Empty, ErrorText, FieldError, fmtTime, Section } from '../ui';
import type { Account } from './Account';

const ROLES = ['admin', 'operator', 'analyst'] as const;

/** The clients below an account, with tier and team; an agency's teams and their members. */
export function ClientsTab({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const clients = useQuery(trpc.clients.list.queryOptions({ accountId: account.id }));
  const isAgency = account.kind === 'agency';
  const canTeams = isAgency && account.allowedActions.includes('teams.manage');
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ agencyId: account.id }), enabled: isAgency });
  const assign = useMutation(trpc.teams.assignClient.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries() }));
  return (
    <>
      <Section title="Clients">
        <ErrorText error={clients.error} />
        {clients.isSuccess && clients.data.items.length === 0 && (
          <Empty>No clients yet. {account.allowedActions.includes('accounts.createSub') && isAgency ? <Link to={`/accounts/${account.id}`}>Create one on the overview</Link> : 'Clients appear here once an agency creates or connects them.'}</Empty>
        )}
        <table className="table" data-testid="clients">
          <tbody>
            {clients.data?.items.map((c) => (
              <tr key={c.id}>
                <td><Link to={`/accounts/${c.id}`}>{c.name}</Link></td>
                <td><span className={`badge tier-${c.tier}`}>{c.tier}</span></td>
                <td className="small muted">{c.connectedSince ? `connected since ${fmtTime(c.connectedSince)}` : ''}</td>
                <td>
                  {canTeams && c.agencyId === account.id ? (
                    <select aria-label={`Team of ${c.name}`} value={c.team?.id ?? ''} onChange={(e) => assign.mutate({ clientId: c.id, teamId: e.target.value || null })}>
                      <option value="">No team</option>
                      {teams.data?.items.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                    </select>
                  ) : (
                    c.team && <span className="badge">{c.team.name}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ErrorText error={assign.error} />
      </Section>
      {isAgency && <Teams account={account} canManage={canTeams} />}
    </>
  );
}

function Teams({ account, canManage }: { account: Account; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions({ agencyId: account.id }));
  const [name, setName] = useState('');
  const create = useMutation(trpc.teams.create.mutationOptions({ onSuccess: () => { setName(''); void queryClient.invalidateQueries(trpc.teams.pathFilter()); } }));
  const [invite, setInvite] = useState({ teamId: '', email: '', role: 'operator' as (typeof ROLES)[number] });
  const send = useMutation(trpc.members.invite.mutationOptions({ onSuccess: () => { setInvite({ ...invite, email: '' }); void queryClient.invalidateQueries(); } }));
  return (
    <Section title="Teams">
      <p className="muted small">A team membership covers every client of the team, with the team membership's role.</p>
      <ErrorText error={teams.error} />
      {teams.isSuccess && teams.data.items.length === 0 && <Empty>No teams yet.{canManage ? ' Create one below, then put clients in it.' : ''}</Empty>}
      <ul className="list" data-testid="teams">
        {teams.data?.items.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>: {t.clients.length ? t.clients.map((c) => c.name).join(', ') : <span className="muted">no clients</span>}
            {t.members.length > 0 && <div className="small muted">members: {t.members.map((m) => `${m.email} (${m.role})`).join(', ')}</div>}
          </li>
        ))}
      </ul>
      {canManage && (
        <>
          <form className="row" aria-label="Create a team" onSubmit={(e) => { e.preventDefault(); create.mutate({ agencyId: account.id, name }); }}>
            <label>New team name<input name="teamName" value={name} onChange={(e) => setName(e.target.value)} /><FieldError error={create.error} field="name" /></label>
            <button type="submit" disabled={create.isPending}>Create team</button>
          </form>
          <ErrorText error={create.error} />
          {teams.data && teams.data.items.length > 0 && (
            <form className="row" aria-label="Invite to a team" onSubmit={(e) => { e.preventDefault(); send.mutate({ teamId: invite.teamId || teams.data.items[0]!.id, email: invite.email, role: invite.role }); }}>
              <label>Team<select value={invite.teamId} onChange={(e) => setInvite({ ...invite, teamId: e.target.value })}>{teams.data.items.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}</select></label>
              <label>Email<input type="email" value={invite.email} onChange={(e) => setInvite({ ...invite, email: e.target.value })} /><FieldError error={send.error} field="email" /></label>
              <label>Role<select value={invite.role} onChange={(e) => setInvite({ ...invite, role: e.target.value as (typeof ROLES)[number] })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></label>
              <button type="submit" disabled={send.isPending}>Invite to team</button>
            </form>
          )}
          <ErrorText error={send.error} />
          {send.data && <p className="notice">Invitation sent to {send.data.email}{send.data.link && <>: <a href={new URL(send.data.link).pathname}>{send.data.link}</a></>}</p>}
        </>
      )}
    </Section>
  );
}

/** The connections inbox: incoming, sent, connected and history; requests; disconnect behind a confirmation. */
export function ConnectionsTab({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.connections.list.queryOptions({ accountId: account.id }));
  const refresh = () => void queryClient.invalidateQueries();
  const accept = useMutation(trpc.connections.accept.mutationOptions({ onSuccess: refresh }));
  const decline = useMutation(trpc.connections.decline.mutationOptions({ onSuccess: refresh }));
  const items = list.data?.items ?? [];
  const groups = [
    ['Incoming requests', items.filter((c) => c.state === 'requested' && c.canRespond)],
    ['Sent requests', items.filter((c) => c.state === 'requested' && !c.canRespond)],
    ['Connected', items.filter((c) => c.state === 'accepted')],
    ['History', items.filter((c) => c.state !== 'requested' && c.state !== 'accepted')],
  ] as const;
  const canManage = account.allowedActions.includes('connections.manage');
  return (
    <>
      {canManage && (account.kind === 'agency' || (account.kind === 'client' && account.clientTier === 'premium' && account.parentId === null)) && <RequestConnection account={account} />}
      {canManage && account.kind === 'client' && account.clientTier === 'premium' && account.parentId !== null && <Disconnect account={account} />}
      <Section title="Connections">
        <ErrorText error={list.error} />
        {list.isSuccess && items.length === 0 && <Empty>No connections yet.</Empty>}
        {groups.map(([title, rows]) =>
          rows.length === 0 ? null : (
            <div key={title} data-testid={`connections-${title.split(' ')[0]!.toLowerCase()}`}>
              <h3>{title}</h3>
              <ul className="list">
                {rows.map((c) => (
                  <li key={c.id}>
                    <strong>{c.client.name}</strong> ↔ <strong>{c.agency.name}</strong>{' '}
                    <span className="badge">{c.state}</span>{' '}
                    <span className="small muted">
                      {c.origin === 'request' ? `asked by the ${c.requestedBySide}` : c.origin} on {fmtTime(c.requestedAt)}
                      {c.endedAt && `, ended by the ${c.endedBySide} on ${fmtTime(c.endedAt)}`}
                    </span>
                    {c.canRespond && (
                      <>
                        {' '}<button onClick={() => accept.mutate({ connectionId: c.id })}>Accept</button>{' '}
                        <button className="link danger" onClick={() => decline.mutate({ connectionId: c.id })}>Decline</button>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          ),
        )}
        <ErrorText error={accept.error ?? decline.error} />
      </Section>
    </>
  );
}

function RequestConnection({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [other, setOther] = useState('');
  const request = useMutation(trpc.connections.request.mutationOptions({ onSuccess: () => { setOther(''); void queryClient.invalidateQueries(); } }));
  const asAgency = account.kind === 'agency';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate(asAgency ? { agencyId: account.id, clientId: other.trim() } : { clientId: account.id, agencyId: other.trim() });
  };
  return (
    <Section title={asAgency ? 'Invite a premium client to connect' : 'Connect to an agency'}>
      <p className="muted small">Ask the other side for its account id ({asAgency ? 'the client' : 'the agency'} finds it on its account page). Their admin accepts or declines; requests expire after 14 days. This account's id: <code data-testid="own-account-id">{account.id}</code></p>
      <form className="row" onSubmit={submit} aria-label="Request a connection">
        <label>{asAgency ? 'Client account id' : 'Agency account id'}<input name="otherAccountId" value={other} onChange={(e) => setOther(e.target.value)} size={40} /><FieldError error={request.error} field={asAgency ? 'clientId' : 'agencyId'} /></label>
        <button type="submit" disabled={request.isPending}>Send request</button>
      </form>
      <ErrorText error={request.error} />
    </Section>
  );
}

function Disconnect({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const preview = useQuery({ ...trpc.connections.disconnectPreview.queryOptions({ clientId: account.id }), enabled: confirming });
  const disconnect = useMutation(trpc.connections.disconnect.mutationOptions({ onSuccess: () => { setConfirming(false); void queryClient.invalidateQueries(); navigate('/'); } }));
  return (
    <Section title="Disconnect">
      {!confirming ? (
        <button className="danger" onClick={() => setConfirming(true)}>Disconnect from the agency…</button>
      ) : (
        <div data-testid="disconnect-confirm">
          <ErrorText error={preview.error} />
          {preview.data && (
            <>
              <p>Disconnecting {account.name} from <strong>{preview.data.agency.name}</strong> will, at once:</p>
              <ul className="list">
                <li>remove every access of {preview.data.agency.name}'s and its holding's members to {account.name}, its campaigns, seats and history;</li>
                <li>{preview.data.seatsReturning.length ? `return ${preview.data.seatsReturning.length} seat(s) to ${preview.data.agency.name}: ${preview.data.seatsReturning.map((s) => `${s.dsp} ${s.seatId}`).join(', ')}` : 'return no seats (none came from the agency)'};</li>
                <li>end the use of {preview.data.agency.name}'s and its holding's deals{preview.data.campaignsPausing.length ? ` and pause ${preview.data.campaignsPausing.length} campaign(s): ${preview.data.campaignsPausing.map((c) => c.name).join(', ')}` : ' (no campaign uses them)'}.</li>
              </ul>
              <p className="muted small">{account.name} keeps all its own data: campaigns, deals, seats it linked, members and history.</p>
              <button className="danger" disabled={disconnect.isPending} onClick={() => disconnect.mutate({ clientId: account.id })}>Disconnect now</button>{' '}
              <button className="link" onClick={() => setConfirming(false)}>Cancel</button>
            </>
          )}
          <ErrorText error={disconnect.error} />
        </div>
      )}
    </Section>
  );
}

/** Campaigns of the clients at or below the account; creating one starts with picking its client. */
export function CampaignsTab({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const campaigns = useQuery(trpc.campaigns.list.queryOptions({ accountId: account.id }));
  const clients = useQuery({ ...trpc.clients.list.queryOptions({ accountId: account.id }), enabled: account.kind !== 'client' });
  const choices = account.kind === 'client' ? [{ id: account.id, name: account.name }] : (clients.data?.items ?? []);
  const [f, setF] = useState({ clientId: '', name: '', budget: '' });
  const [budgetError, setBudgetError] = useState<string | null>(null);
  const create = useMutation(trpc.campaigns.create.mutationOptions({ onSuccess: () => { setF({ ...f, name: '', budget: '' }); void queryClient.invalidateQueries(trpc.campaigns.pathFilter()); } }));
  const update = useMutation(trpc.campaigns.update.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries(trpc.campaigns.pathFilter()) }));
  const canEdit = account.allowedActions.includes('campaigns.edit');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const budgetMicros = f.budget.trim() ? unitsToMicros(f.budget) : null;
    setBudgetError(f.budget.trim() && budgetMicros === null ? 'a non-negative amount with at most 6 decimals' : null);
    if (f.budget.trim() && budgetMicros === null) return;
    create.mutate({ clientId: f.clientId || choices[0]!.id, name: f.name, ...(budgetMicros ? { budgetMicros } : {}) });
  };
  return (
    <>
      {canEdit && (
        <Section title="Create a campaign">
          {account.kind !== 'client' && clients.isSuccess && choices.length === 0 ? (
            <Empty data-testid="create-client-first">
              A campaign belongs to a client, and {account.name} has none yet. <Link to={`/accounts/${account.id}`}>Create a client first</Link>.
            </Empty>
          ) : (
            <form className="row" onSubmit={submit} aria-label="Create a campaign">
              <label>
                Client
                <select name="campaignClient" value={f.clientId} onChange={(e) => setF({ ...f, clientId: e.target.value })}>
                  {choices.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
                </select>
              </label>
              <label>Campaign name<input name="campaignName" value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} /><FieldError error={create.error} field="name" /></label>
              <label>Budget ({account.currency}, optional)<input name="budget" value={f.budget} onChange={(e) => setF({ ...f, budget: e.target.value })} size={10} />{budgetError && <span className="field-error">{budgetError}</span>}</label>
              <button type="submit" disabled={create.isPending}>Create campaign</button>
            </form>
          )}
          <ErrorText error={create.error} />
        </Section>
      )}
      <Section title="Campaigns">
        <ErrorText error={campaigns.error} />
        {campaigns.isSuccess && campaigns.data.items.length === 0 && <Empty>No campaigns yet.</Empty>}
        <table className="table" data-testid="campaigns">
          <tbody>
            {campaigns.data?.items.map((c) => (
              <tr key={c.id}>
                <td><strong>{c.name}</strong><div className="small muted">for {c.client.name}</div></td>
                <td><span className="badge">{c.status}</span>{c.pausedReason && <div className="small muted">{c.pausedReason}</div>}</td>
                <td className="small">{c.budgetMicros ? `budget ${microsToUnits(c.budgetMicros)}` : 'no budget'}</td>
                <td>{canEdit && <button className="link" onClick={() => update.mutate({ campaignId: c.id, status: c.status === 'active' ? 'paused' : 'active' })}>{c.status === 'active' ? 'Pause' : 'Resume'}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ErrorText error={update.error} />
      </Section>
    </>
  );
}

/** What a platform operator may do to a client: promote a standard one, transfer any to another agency. */
export function OperatorClientActions({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [agencyId, setAgencyId] = useState('');
  const promote = useMutation(trpc.clients.promote.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries() }));
  const transfer = useMutation(trpc.clients.transfer.mutationOptions({ onSuccess: () => { setAgencyId(''); void queryClient.invalidateQueries(); } }));
  return (
    <Section title="Platform operator">
      {account.clientTier === 'standard' && (
        <p><button onClick={() => promote.mutate({ accountId: account.id })}>Promote to premium</button> <span className="muted small">It keeps its current agency.</span></p>
      )}
      <ErrorText error={promote.error} />
      <form className="row" aria-label="Transfer the client" onSubmit={(e) => { e.preventDefault(); transfer.mutate({ accountId: account.id, agencyId: agencyId.trim() }); }}>
        <label>Transfer to agency (account id)<input value={agencyId} onChange={(e) => setAgencyId(e.target.value)} size={40} /><FieldError error={transfer.error} field="agencyId" /></label>
        <button type="submit" disabled={transfer.isPending}>Transfer</button>
      </form>
      <ErrorText error={transfer.error} />
    </Section>
  );
}
