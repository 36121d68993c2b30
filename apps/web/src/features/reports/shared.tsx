import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { Download } from 'lucide-react';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { Empty } from '../../components/ui/empty';
import { FormError } from '../../components/ui/field';
import { SkeletonRows } from '../../components/ui/skeleton';
import { formatDate, formatDateTime, formatDayRange } from '../../lib/time';
import { errorMessage, useTRPC } from '../../lib/trpc';
import { useAccount } from '../accounts/context';
import { chartResolution, rangeWords } from './range';
import { exportHref } from './reports';
import type { SharedReportsSearch } from './search';
import { CompleteUntil, DIMENSION_LABEL, ReportChart, ReportTable, Totals } from './view';

const days = (from: string, to: string) => formatDayRange(from, to, { currentYear: new Date().getFullYear() });

/** Reports an agency shared with this client: its users (a standard client's members too) run and export them. */
export function SharedReportsScreen({ search }: { search: SharedReportsSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const list = useQuery(trpc.reports.shared.queryOptions({ accountId: a.id }));
  const selected = search.report ?? list.data?.items[0]?.id;
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title="Reports shared with you"
          description={`Shared with ${a.name}${a.parentId === null ? '' : ' by its agency'}: you can run and export them, not change them.`}
        />
        <CardBody>
          <FormError message={errorMessage(list.error)} />
          {list.isPending && <SkeletonRows rows={3} />}
          {list.data && list.data.items.length === 0 && (
            <Empty data-testid="no-shared-reports">No reports are shared with {a.name} yet.</Empty>
          )}
          <ul className="divide-y divide-slate-100">
            {list.data?.items.map((r) => (
              <li
                key={r.id}
                className="flex flex-wrap items-center justify-between gap-2 py-2"
                data-testid={`shared-${r.name}`}
              >
                <div>
                  <Link
                    to="."
                    search={{ report: r.id }}
                    className="font-medium text-blue-800 hover:underline"
                    aria-current={r.id === selected ? 'true' : undefined}
                  >
                    {r.name}
                  </Link>
                  <p className="text-xs text-slate-600">
                    from {r.sharedFrom} · by {r.groupBy.map((d) => DIMENSION_LABEL[d]).join(', ') || 'total'} ·{' '}
                    {rangeWords(r.range)} · shared {formatDate(r.sharedAt, a.timeZone)}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </CardBody>
      </Card>
      {selected && <SharedReport reportId={selected} currency={search.currency} />}
    </div>
  );
}

function SharedReport({ reportId, currency }: { reportId: string; currency: string | undefined }) {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const clientId = a.id;
  const report = useQuery({
    ...trpc.reports.runSaved.queryOptions({ reportId, clientId }),
    placeholderData: keepPreviousData,
  });
  const dim = report.data ? chartResolution(report.data.from, report.data.to) : 'day';
  const hasTime = report.data?.groupBy.length === 1 && report.data.groupBy[0] === dim;
  return (
    <Card>
      <CardHeader
        title={report.data?.name ?? 'Report'}
        description={
          report.data
            ? days(report.data.from, report.data.to) +
              (report.data.previous
                ? `, compared with the previous period ${days(report.data.previous.from, report.data.previous.to)}`
                : '')
            : undefined
        }
        actions={
          <Button asChild variant="secondary">
            <a href={`${exportHref({ reportId })}&clientId=${clientId}`} download data-testid="export-csv">
              <Download className="size-4" aria-hidden />
              Export CSV
            </a>
          </Button>
        }
      />
      <CardBody className="space-y-4">
        <FormError message={errorMessage(report.error)} />
        {report.data && <CompleteUntil data={report.data} />}
        {hasTime && (
          <ReportChart
            series={report.data}
            dim={dim}
            timeZone={report.data!.timeZone}
            currency={currency}
            onCurrency={(c) =>
              void navigate({ to: '.', search: (s: { report?: string }) => ({ ...s, currency: c }), replace: true })
            }
          />
        )}
        <ReportTable
          data={report.data}
          timeZone={report.data?.timeZone ?? a.timeZone}
          loading={report.isPending}
          empty={
            report.data
              ? `Nothing to show: no spend attributed to ${a.name} in ${days(report.data.from, report.data.to)} ` +
                `matches this report. A shared report shows only ${a.name}'s own spend, on what the report is ` +
                `filtered to` +
                (report.data.completeUntil
                  ? `; data is complete up to ${formatDateTime(report.data.completeUntil, report.data.timeZone)}.`
                  : '; no spend has arrived yet.')
              : undefined
          }
        />
        {report.data && <Totals data={report.data} />}
      </CardBody>
    </Card>
  );
}
