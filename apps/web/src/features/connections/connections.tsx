import { useMutation, useQuery } from '@tanstack/react-query';
import { Check, Copy, Search } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Empty } from '../../components/ui/empty';
import { FormError } from '../../components/ui/field';
import { Input } from '../../components/ui/input';
import { SkeletonRows } from '../../components/ui/skeleton';
import { DSP_LABEL } from '../../lib/labels';
import { formatDate } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { plural } from '../../lib/utils';
import { cardName } from '../audit/describe';
import { can, useAccount } from '../accounts/context';
import { useSearchTargets } from './search';

type Connection = RouterOutputs['connections']['list']['items'][number];
const STATE_TONE = {
  requested: 'amber',
  accepted: 'green',
  declined: 'red',
  expired: 'neutral',
  disconnected: 'neutral',
  cancelled: 'neutral',
  withdrawn: 'neutral',
} as const;

/** The connections inbox: incoming, sent, connected and history; requests by search or link; disconnect behind a confirmation. */
export function ConnectionsScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const list = useQuery(trpc.connections.list.queryOptions({ accountId: a.id }));
  const accept = useMutation(
    trpc.connections.accept.mutationOptions({
      onSuccess: (c) => toast.success(`Connected: ${c.client.name} and ${c.agency.name}.`),
    }),
  );
  const decline = useMutation(trpc.connections.decline.mutationOptions());
  const withdraw = useMutation(trpc.connections.withdraw.mutationOptions());
  const [declining, setDeclining] = useState<Connection | null>(null);
  const [withdrawing, setWithdrawing] = useState<Connection | null>(null);
  const [disconnecting, setDisconnecting] = useState<{ id: string; name: string } | null>(null);
  const items = list.data?.items ?? [];
  // a client sees the requests agencies sent it beside its own, and chooses: accepting one closes the others
  const ownSide = a.kind === 'client' ? 'client' : 'agency';
  const groups = [
    ['incoming', 'Incoming requests', items.filter((c) => c.state === 'requested' && c.requestedBySide !== ownSide)],
    ['sent', 'Sent requests', items.filter((c) => c.state === 'requested' && c.requestedBySide === ownSide)],
    ['connected', 'Connected', items.filter((c) => c.state === 'accepted')],
    ['history', 'History', items.filter((c) => c.state !== 'requested' && c.state !== 'accepted')],
  ] as const;
  const canManage = can(a, 'connections.manage');
  const standalonePremium = a.kind === 'client' && a.clientTier === 'premium' && a.parentId === null;
  const connectedPremium = a.kind === 'client' && a.clientTier === 'premium' && a.parentId !== null;
  return (
    <>
      {canManage && a.kind === 'agency' && <AgencyInvite />}
      {canManage && standalonePremium && <FindAgency />}
      {canManage && connectedPremium && (
        <Card>
          <CardHeader title="Disconnect" description="Either side may end the connection at any time." />
          <CardBody>
            <Button variant="danger" onClick={() => setDisconnecting({ id: a.id, name: a.name })}>
              Disconnect from the agency…
            </Button>
          </CardBody>
        </Card>
      )}
      <Card>
        <CardHeader
          title="Connections"
          description={
            a.kind === 'client'
              ? `${a.name}'s agency connections, current and past.`
              : 'Premium clients connected to this agency, and the requests between you.'
          }
        />
        <CardBody className="space-y-5">
          {list.isPending && <SkeletonRows />}
          <FormError message={errorMessage(list.error)} />
          {list.isSuccess && items.length === 0 && <Empty>No connections yet.</Empty>}
          {groups.map(([key, title, rows]) =>
            rows.length === 0 ? null : (
              <section key={key} data-testid={`connections-${key}`} aria-labelledby={`conn-${key}`}>
                <h3 id={`conn-${key}`} className="mb-1 text-sm font-semibold text-slate-800">
                  {title} <span className="font-normal text-slate-600">({rows.length})</span>
                </h3>
                {key === 'incoming' && a.kind === 'client' && (
                  <p className="mb-1 text-xs text-slate-600">
                    Agencies that asked to connect. Your own request stays open beside them; accepting one request
                    closes every other.
                  </p>
                )}
                <ul className="divide-y divide-slate-100">
                  {rows.map((c) => (
                    <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                      <div className="min-w-0">
                        <span className="font-medium">{c.client.name}</span> ↔{' '}
                        <span className="font-medium">{c.agency.name}</span>{' '}
                        <Badge tone={STATE_TONE[c.state] ?? 'neutral'}>{c.state}</Badge>
                        <div className="text-xs text-slate-600">
                          {c.origin === 'request' ? `asked by the ${c.requestedBySide}` : `by ${c.origin}`} on{' '}
                          {formatDate(c.requestedAt, a.timeZone)}
                          {c.endedAt && `, ended by the ${c.endedBySide} on ${formatDate(c.endedAt, a.timeZone)}`}
                        </div>
                      </div>
                      <div className="flex gap-2">
                        {c.canRespond && (
                          <>
                            <Button
                              size="sm"
                              onClick={() => accept.mutate({ connectionId: c.id })}
                              disabled={accept.isPending}
                            >
                              Accept
                            </Button>
                            <Button size="sm" variant="secondary" onClick={() => setDeclining(c)}>
                              Decline…
                            </Button>
                          </>
                        )}
                        {c.canWithdraw && (
                          <Button
                            size="sm"
                            variant="secondary"
                            onClick={() => setWithdrawing(c)}
                            aria-label={`Withdraw the request to ${c.agency.name}`}
                          >
                            Withdraw…
                          </Button>
                        )}
                        {key === 'connected' && canManage && a.kind === 'agency' && (
                          <Button size="sm" variant="secondary" onClick={() => setDisconnecting(c.client)}>
                            Disconnect…
                          </Button>
                        )}
                      </div>
                    </li>
                  ))}
                </ul>
              </section>
            ),
          )}
          <FormError message={errorMessage(accept.error)} />
        </CardBody>
      </Card>
      <ConfirmDialog
        open={declining !== null}
        onOpenChange={(o) => !o && setDeclining(null)}
        title="Decline this request?"
        confirmLabel="Decline"
        onConfirm={async () => {
          await decline.mutateAsync({ connectionId: declining!.id });
          toast.success('Request declined.');
        }}
      >
        {declining && (
          <p>
            {declining.client.name} and {declining.agency.name} will not be connected. The request moves to History; a
            new request can be sent later.
          </p>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={withdrawing !== null}
        onOpenChange={(o) => !o && setWithdrawing(null)}
        title="Withdraw this request?"
        confirmLabel="Withdraw request"
        testId="withdraw-confirm"
        onConfirm={async () => {
          await withdraw.mutateAsync({ connectionId: withdrawing!.id });
          toast.success('Request withdrawn.');
        }}
      >
        {withdrawing && (
          <p>
            {withdrawing.agency.name} can no longer accept it, and its admins are told by mail. The request moves to
            History; {withdrawing.client.name} may send a new one later.
          </p>
        )}
      </ConfirmDialog>
      {disconnecting && <DisconnectDialog client={disconnecting} onClose={() => setDisconnecting(null)} />}
    </>
  );
}

function DisconnectDialog({ client, onClose }: { client: { id: string; name: string }; onClose: () => void }) {
  const trpc = useTRPC();
  const clientId = client.id;
  const preview = useQuery(trpc.connections.disconnectPreview.queryOptions({ clientId }));
  const disconnect = useMutation(trpc.connections.disconnect.mutationOptions());
  const p = preview.data;
  const clientName = client.name;
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={p ? `Disconnect ${clientName} from ${p.agency.name}?` : 'Disconnect?'}
      confirmLabel="Disconnect now"
      testId="disconnect-confirm"
      onConfirm={async () => {
        await disconnect.mutateAsync({ clientId });
        toast.success('Disconnected.');
      }}
    >
      <FormError message={errorMessage(preview.error)} />
      {preview.isPending && <SkeletonRows rows={3} />}
      {p && <DisconnectLines preview={p} clientName={clientName} />}
    </ConfirmDialog>
  );
}

type Preview = RouterOutputs['connections']['disconnectPreview'];

/** What a disconnect does, in plain words, line by line from the preview (which reads what the disconnect acts on). */
function DisconnectLines({ preview: p, clientName }: { preview: Preview; clientName: string }) {
  const agency = p.agency.name;
  const lines: [string, string][] = [
    [
      'access',
      `remove every access of ${agency}'s and its holding's members to ${clientName}, its campaigns, seats and ` +
        'history, past spend included;',
    ],
    [
      'seats',
      p.seatsReturning.length
        ? `return ${plural(p.seatsReturning.length, 'seat')} to ${agency}: ` +
          p.seatsReturning
            .map((s) => `${(DSP_LABEL as Record<string, string>)[s.dsp] ?? s.dsp} ${s.seatId}`)
            .join(', ') +
          ';'
        : `return no seats (none came from ${agency});`,
    ],
    [
      'pausing',
      p.campaignsPausing.length
        ? `pause ${plural(p.campaignsPausing.length, 'campaign')} running on ${agency}'s or its holding's deals: ` +
          p.campaignsPausing.map((c) => c.name).join(', ') +
          ';'
        : `pause no campaign (none runs on ${agency}'s or its holding's deals);`,
    ],
  ];
  if (p.dealsRemoved.length)
    lines.push([
      'deals',
      `take ${agency}'s and its holding's deals off ${plural(p.dealsRemoved.length, 'campaign')}: ` +
        p.dealsRemoved.map((d) => `${d.campaign.name} (${d.deals.map((x) => x.name).join(', ')})`).join(', ') +
        ';',
    ]);
  if (p.cardsRemoved.length)
    lines.push([
      'cards',
      `remove ${plural(p.cardsRemoved.length, 'card')} that ${agency}'s side added, so nobody can charge ` +
        `${p.cardsRemoved.length === 1 ? 'it' : 'them'} after: ` +
        p.cardsRemoved.map((c) => cardName(c.brand, c.last4)).join(', ') +
        ';',
    ]);
  if (p.reportsUnshared.length)
    lines.push([
      'unshared',
      `stop sharing ${plural(p.reportsUnshared.length, 'report')} with ${clientName}: ` +
        p.reportsUnshared.map((r) => `${r.name} (shared by ${r.sharedFrom})`).join(', ') +
        ';',
    ]);
  if (p.reportsDeleted.length)
    lines.push([
      'reports',
      `delete ${plural(p.reportsDeleted.length, 'report')} that ${agency}'s side saved on ${clientName}: ` +
        p.reportsDeleted.map((r) => r.name).join(', ') +
        ';',
    ]);
  if (p.invitationsRevoked.length)
    lines.push([
      'invitations',
      `revoke ${plural(p.invitationsRevoked.length, 'invitation')} that ${agency}'s side sent: ` +
        p.invitationsRevoked.map((i) => `${i.email} (${i.role})`).join(', ') +
        ';',
    ]);
  if (p.team) lines.push(['team', `take ${clientName} out of the team ${p.team.name};`]);
  return (
    <>
      <p>Disconnecting will, at once:</p>
      <ul className="list-disc space-y-1 pl-5" data-testid="disconnect-lines">
        {lines.map(([key, text]) => (
          <li key={key} data-line={key}>
            {text}
          </li>
        ))}
      </ul>
      <p className="text-slate-600">
        {clientName} keeps all its own data: campaigns, deals, seats it linked, cards and reports of its own, members
        and history.
      </p>
    </>
  );
}

function CopyLink({ link }: { link: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <code className="min-w-0 rounded bg-slate-100 px-2 py-1.5 text-xs break-all" data-testid="connect-link">
        {link}
      </code>
      <Button
        size="sm"
        variant="secondary"
        onClick={() =>
          void navigator.clipboard?.writeText(link).then(() => {
            setCopied(true);
            toast.success('Link copied.');
          })
        }
      >
        {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}Copy link
      </Button>
    </div>
  );
}

/** An agency invites a premium client: share its link, or find a standalone premium client by its id. */
function AgencyInvite() {
  const a = useAccount();
  return (
    <Card>
      <CardHeader
        title="Invite a premium client to connect"
        description={
          "Send this link to the client's admin: opening it while signed in lets them request the " +
          'connection, which you then accept here.'
        }
      />
      <CardBody className="space-y-4">
        <CopyLink link={`${window.location.origin}/connect/${a.id}`} />
        <TargetSearch
          label="Or find a premium client by its account id"
          placeholder="Client account id"
          kind="client"
        />
      </CardBody>
    </Card>
  );
}

/** A standalone premium client finds the agency by a pasted invitation link, its id, or (where the api allows) name. */
function FindAgency() {
  return (
    <Card>
      <CardHeader
        title="Connect to an agency"
        description={
          "Paste the invitation link the agency sent you (or its account id). The agency's admin " +
          'accepts or declines; requests expire after 14 days.'
        }
      />
      <CardBody>
        <TargetSearch
          label="Agency: invitation link or account id"
          placeholder="https://…/connect/… or account id"
          kind="agency"
        />
      </CardBody>
    </Card>
  );
}

function TargetSearch({ label, placeholder, kind }: { label: string; placeholder: string; kind: 'agency' | 'client' }) {
  const a = useAccount();
  const trpc = useTRPC();
  const [q, setQ] = useState('');
  const [submitted, setSubmitted] = useState('');
  const found = useSearchTargets(a.id, submitted);
  const request = useMutation(
    trpc.connections.request.mutationOptions({
      onSuccess: (c) => {
        toast.success(`Request sent to ${kind === 'agency' ? c.agency.name : c.client.name}.`);
        setQ('');
        setSubmitted('');
      },
    }),
  );
  const items = (found.data?.items ?? []).filter((t) => t.kind === kind);
  const send = (otherId: string) =>
    request.mutate(kind === 'client' ? { agencyId: a.id, clientId: otherId } : { clientId: a.id, agencyId: otherId });
  return (
    <div className="space-y-3">
      <form
        role="search"
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(q);
        }}
      >
        <label className="flex w-full flex-col gap-1 text-sm font-medium text-slate-700 sm:w-96">
          {label}
          <Input value={q} onChange={(e) => setQ(e.target.value)} placeholder={placeholder} autoComplete="off" />
        </label>
        <Button type="submit" variant="secondary">
          <Search className="size-4" aria-hidden />
          Find
        </Button>
      </form>
      <FormError message={errorMessage(found.error ?? request.error)} />
      {submitted &&
        found.isSuccess &&
        (items.length === 0 ? (
          <p className="text-sm text-slate-700" role="status">
            No {kind === 'agency' ? 'agency' : 'standalone premium client'} matches “{submitted}”. Check the link or id
            with the other side.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="connect-results">
            {items.map((t) => (
              <li key={t.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2 text-sm">
                <span>
                  <span className="font-medium">{t.name}</span>
                  {t.holdingName && <span className="text-slate-600"> · {t.holdingName}</span>}
                </span>
                <Button
                  size="sm"
                  onClick={() => send(t.id)}
                  disabled={request.isPending}
                  aria-label={`Send request to ${t.name}`}
                >
                  Send request
                </Button>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}
