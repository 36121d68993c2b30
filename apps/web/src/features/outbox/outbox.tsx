import { useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Badge, type Tone } from '../../components/ui/badge';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { FormError } from '../../components/ui/field';
import { formatDateTime } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';

/** A mailed link, opened in this app: its page and search (a shared report's `?report=`), at this origin. */
const pathOf = (link: string) => {
  const u = new URL(link, window.location.origin);
  return u.pathname + u.search;
};

type Mail = RouterOutputs['outbox']['list']['items'][number];
const col = createColumnHelper<Mail>();
const STATE: Record<string, [string, Tone]> = {
  pending: ['pending', 'amber'],
  accepted: ['used', 'green'],
  revoked: ['revoked', 'red'],
  expired: ['expired', 'neutral'],
};

/** The built-in mailer's outbox: the mail this user sent, with the state of each invitation. */
export function OutboxScreen() {
  usePageTitle('Outbox');
  const trpc = useTRPC();
  const mail = useQuery(trpc.outbox.list.queryOptions({ limit: 100 }));
  const columns = useMemo(
    () => [
      col.accessor('createdAt', {
        header: 'Sent',
        // in the zone of the mail's account, as its own pages show times (mail of several accounts sits here)
        cell: (c) => (
          <span className="whitespace-nowrap">
            {formatDateTime(c.getValue(), c.row.original.accountTimeZone)}{' '}
            <span className="text-xs text-slate-500">{c.row.original.accountTimeZone}</span>
          </span>
        ),
      }),
      col.accessor('to', { header: 'To' }),
      col.accessor('accountName', { id: 'account', header: 'Account' }),
      col.accessor('subject', {
        header: 'Message',
        cell: (c) => (
          <div className="max-w-xl sm:min-w-64">
            <div className="font-medium">{c.getValue()}</div>
            <div className="text-slate-700">{c.row.original.body}</div>
            {c.row.original.link && (
              <a href={pathOf(c.row.original.link)} className="text-xs break-all text-blue-800 underline">
                {c.row.original.link}
              </a>
            )}
          </div>
        ),
      }),
      col.accessor((m) => m.state ?? '', {
        id: 'state',
        header: 'State',
        cell: (c) =>
          c.getValue() && STATE[c.getValue()] ? (
            <Badge tone={STATE[c.getValue()]![1]}>{STATE[c.getValue()]![0]}</Badge>
          ) : (
            <span className="text-slate-500">—</span>
          ),
      }),
    ],
    [],
  );
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Outbox</h1>
      <Card>
        <CardHeader
          title="Your mail"
          description={
            'No mail server is configured: the invitations you send and the alerts addressed to you ' +
            'wait here. Open a link, or hand it over yourself.'
          }
        />
        <CardBody>
          <FormError message={errorMessage(mail.error)} />
          <DataTable
            caption="Mail you sent or received"
            testId="outbox"
            columns={columns}
            data={mail.data?.items}
            loading={mail.isPending}
            noun={['email', 'emails']}
            filterPlaceholder="Filter mail"
            empty="No mail yet: invitations you send and alerts addressed to you appear here."
          />
        </CardBody>
      </Card>
    </div>
  );
}
