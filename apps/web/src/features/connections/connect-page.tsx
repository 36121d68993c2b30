import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { toast } from 'sonner';
import { Button } from '../../components/ui/button';
import { Card, CardBody } from '../../components/ui/card';
import { Field, FormError } from '../../components/ui/field';
import { NativeSelect } from '../../components/ui/input';
import { SkeletonRows } from '../../components/ui/skeleton';
import { errorMessage, useTRPC } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';
import { useSearchTargets } from './search';

/** An agency's invitation link, opened by a premium client's admin: shows the agency's name, then sends the request. */
export function ConnectPage({ agencyId }: { agencyId: string }) {
  usePageTitle('Connect to an agency');
  const trpc = useTRPC();
  const navigate = useNavigate();
  const tree = useQuery(trpc.accounts.tree.queryOptions({}));
  // Standalone premium clients are roots of their own: the top nodes that are premium clients without children.
  const candidates = (Array.isArray(tree.data) ? tree.data : []).filter(
    (n) => n.kind === 'client' && n.clientTier === 'premium',
  );
  const [chosen, setChosen] = useState('');
  const clientId = chosen || candidates[0]?.id || '';
  const client = useQuery({ ...trpc.accounts.get.queryOptions({ accountId: clientId }), enabled: Boolean(clientId) });
  const mayConnect = client.data?.allowedActions.includes('connections.manage') ?? false;
  const found = useSearchTargets(mayConnect ? clientId : '', mayConnect ? agencyId : '');
  const agency = found.data?.items.find((t) => t.id === agencyId && t.kind === 'agency');
  const request = useMutation(
    trpc.connections.request.mutationOptions({
      onSuccess: (c) => {
        toast.success(`Request sent to ${c.agency.name}.`);
        void navigate({ to: '/accounts/$accountId/connections', params: { accountId: c.client.id } });
      },
    }),
  );
  let body;
  if (tree.isPending || (clientId && client.isPending) || (mayConnect && found.isPending))
    body = <SkeletonRows rows={3} />;
  else if (candidates.length === 0)
    body = (
      <p className="text-sm">
        This link lets a premium client's admin ask to connect to an agency. None of your accounts is a premium client
        without an agency.{' '}
        <Link to="/accounts" className="text-blue-700 underline">
          Back to your accounts
        </Link>
      </p>
    );
  else {
    body = (
      <div className="space-y-3">
        {candidates.length > 1 && (
          <Field label="Your client account">
            {(p) => (
              <NativeSelect {...p} value={clientId} onChange={(e) => setChosen(e.target.value)}>
                {candidates.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
        )}
        {!mayConnect ? (
          <p role="alert" className="text-sm">
            Only an admin of {client.data?.name ?? 'the client'} may connect it to an agency (role rule).
          </p>
        ) : agency ? (
          <p className="text-sm">
            Ask to connect <strong>{client.data?.name}</strong> to <strong>{agency.name}</strong>
            {agency.holdingName ? ` (${agency.holdingName})` : ''}? Their admin accepts or declines; the request expires
            after 14 days. Once connected, {agency.name} and its holding can operate {client.data?.name} as their own
            client, until either side disconnects.
          </p>
        ) : (
          <p role="alert" className="text-sm">
            This invitation link does not lead to an agency {client.data?.name} can connect to.
          </p>
        )}
        <FormError message={errorMessage(found.error ?? request.error)} />
        {mayConnect && agency && (
          <Button onClick={() => request.mutate({ clientId, agencyId })} disabled={request.isPending}>
            Send request
          </Button>
        )}
      </div>
    );
  }
  return (
    <Card className="mx-auto max-w-lg">
      <CardBody className="space-y-3">
        <h1 className="text-xl font-semibold">Connect to an agency</h1>
        {body}
      </CardBody>
    </Card>
  );
}
