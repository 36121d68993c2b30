import { useQuery } from '@tanstack/react-query';
import { createFileRoute, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { FormError } from '../../components/ui/field';
import { SkeletonRows } from '../../components/ui/skeleton';
import { dspNames, flight } from '../../features/deals/deals';
import { DEAL_TYPE_LABEL } from '../../lib/labels';
import { formatMoney } from '../../lib/money';
import { formatDateTime } from '../../lib/time';
import { errorCode, errorMessage, httpStatus, useTRPC } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';

export const Route = createFileRoute('/deals/$dealId')({ component: DealPage });

function DealPage() {
  const { dealId } = Route.useParams();
  const trpc = useTRPC();
  const deal = useQuery(trpc.deals.get.queryOptions({ dealId }));
  const owner = useQuery({
    ...trpc.accounts.get.queryOptions({ accountId: deal.data?.owner.id ?? '' }),
    enabled: Boolean(deal.data),
  });
  usePageTitle(deal.data?.name ?? 'Deal');
  if (deal.isPending)
    return (
      <Card>
        <CardBody>
          <SkeletonRows rows={6} />
        </CardBody>
      </Card>
    );
  if (deal.error) {
    const missing = errorCode(deal.error) === 'NOT_FOUND' || errorCode(deal.error) === 'BAD_REQUEST';
    return (
      <Card className="mx-auto max-w-lg">
        <CardBody>
          <h1 className="text-lg font-semibold">Deal not found</h1>
          {missing ? (
            <p className="mt-1 text-sm">This deal does not exist or is not yours to see.</p>
          ) : (
            <FormError message={errorMessage(deal.error)} />
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
  const d = deal.data;
  const tz = owner.data?.timeZone ?? 'UTC';
  const terms: [string, React.ReactNode][] = [
    ['Deal id', d.dealId],
    [
      'Owner',
      <>
        <Link
          to="/accounts/$accountId/deals"
          params={{ accountId: d.owner.id }}
          className="text-blue-800 hover:underline"
        >
          {d.owner.name}
        </Link>
        {d.publisherInitiated && ' (publisher-initiated)'}
      </>,
    ],
    ['Publisher', d.publisher],
    ['Type', DEAL_TYPE_LABEL[d.type]],
    ['CPM', formatMoney(d.cpmMicros, d.currency)],
    ['DSPs', dspNames(d.dsps)],
    ['Flight', flight(d, tz)],
    ['Created', formatDateTime(d.createdAt, tz)],
  ];
  return (
    <div className="space-y-3">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <Link to="/accounts/$accountId/deals" params={{ accountId: d.owner.id }} className="hover:underline">
          {d.owner.name} deals
        </Link>
      </nav>
      <h1 className="text-2xl font-semibold">{d.name}</h1>
      <Delivery dealId={d.id} />
      <Card>
        <CardHeader title="Terms" description={owner.data ? `Times in ${tz}.` : undefined} />
        <CardBody>
          <dl
            className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]"
            data-testid="deal-terms"
          >
            {terms.map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-600">{k}</dt>
                <dd className="mb-2 break-words sm:mb-0">{v}</dd>
              </div>
            ))}
          </dl>
        </CardBody>
      </Card>
    </div>
  );
}

/** The last 30 days of the deal's delivery (impressions and spend by day), shown to those who may see its reporting. */
function Delivery({ dealId }: { dealId: string }) {
  const trpc = useTRPC();
  const [range] = useState(() => {
    const to = new Date();
    const from = new Date(to.getTime() - 29 * 86_400_000);
    return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
  });
  const delivery = useQuery(trpc.deals.delivery.queryOptions({ dealId, ...range }));
  // a client using the deal sees its terms, not its reporting: no card at all
  if (delivery.error && httpStatus(delivery.error) === 403) return null;
  return (
    <Card>
      <CardHeader
        title="Delivery"
        description={delivery.data ? `The last 30 days, days in ${delivery.data.timeZone}.` : undefined}
      />
      <CardBody>
        <FormError message={errorMessage(delivery.error)} />
        {delivery.isPending && <SkeletonRows rows={3} />}
        {delivery.data && delivery.data.days.length === 0 && (
          <p className="text-sm text-slate-600">No delivery in the last 30 days.</p>
        )}
        {delivery.data && delivery.data.days.length > 0 && (
          <table className="w-full text-sm" data-testid="deal-delivery">
            <caption className="sr-only">Delivery by day</caption>
            <thead>
              <tr className="text-left text-slate-600">
                <th scope="col">Day</th>
                <th scope="col" className="text-right">
                  Impressions
                </th>
                <th scope="col" className="text-right">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {delivery.data.days.map((x) => (
                <tr key={`${x.day}-${x.currency}`}>
                  <td>{x.day}</td>
                  <td className="text-right tabular-nums">{x.impressions.toLocaleString()}</td>
                  <td className="text-right tabular-nums">{formatMoney(x.spendMicros, x.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {delivery.data.totals.map((x) => (
                <tr key={x.currency} className="font-medium">
                  <th scope="row" className="text-left">
                    Total
                  </th>
                  <td className="text-right tabular-nums">{x.impressions.toLocaleString()}</td>
                  <td className="text-right tabular-nums">{formatMoney(x.spendMicros, x.currency)}</td>
                </tr>
              ))}
            </tfoot>
          </table>
        )}
      </CardBody>
    </Card>
  );
}
