import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Badge } from '../../components/ui/badge';
import { DataTable } from '../../components/ui/data-table';
import { NativeSelect } from '../../components/ui/input';
import { Skeleton } from '../../components/ui/skeleton';
import { DSP_LABEL } from '../../lib/labels';
import { Money } from '../../components/money';
import { formatChange } from '../../lib/money';
import { formatCount, formatCtr } from '../../lib/numbers';
import { shiftDay } from './range';
import {
  formatCalendarDay,
  formatChartDay,
  formatDateTime,
  formatDayRange,
  formatHour,
  formatMonth,
  isoDayIn,
} from '../../lib/time';
import type { RouterOutputs } from '../../lib/trpc';
import type { ChartPoint } from './chart';
import type { Dimension } from './search';

// recharts loads with the first chart, not with the first page
const SpendChart = lazy(() => import('./chart'));

export type ReportData = RouterOutputs['reports']['run'];
type Row = ReportData['rows'][number];

export const DIMENSION_LABEL: Record<Dimension, string> = {
  hour: 'Hour',
  day: 'Day',
  month: 'Month',
  account: 'Account',
  dsp: 'DSP',
  seat: 'Seat',
  deal: 'Deal',
  auctionType: 'Auction type',
  campaign: 'Campaign',
};
export const AUCTION_LABEL: Record<string, string> = {
  open_auction: 'Open auction',
  private_auction: 'Private auction',
  preferred_deal: 'Preferred deal',
  programmatic_guaranteed: 'Programmatic guaranteed',
};

/**
 * How a row's value of a dimension reads (times in the report's zone; names beside the ids). Given `now`, the hour,
 * day or month under way is marked "(so far)"; `place` picks the table's medium date or a chart's short day.
 */
export function dimensionText(
  d: Dimension,
  r: Row,
  timeZone: string,
  opts: { now?: Date; place?: 'table' | 'chart' } = {},
): string {
  const today = opts.now ? isoDayIn(opts.now.toISOString(), timeZone) : undefined;
  switch (d) {
    case 'hour':
      return r.hour ? formatHour(r.hour, timeZone, opts.now) : '';
    case 'day':
      if (!r.day) return '';
      return opts.place === 'chart'
        ? formatChartDay(r.day, { today, currentYear: Number((today ?? r.day).slice(0, 4)) })
        : formatCalendarDay(r.day, { today });
    case 'month':
      return r.month ? formatMonth(r.month, { thisMonth: today?.slice(0, 7) }) : '';
    case 'account':
      return r.accountName ?? '';
    case 'dsp':
      return r.dsp ? (DSP_LABEL[r.dsp as keyof typeof DSP_LABEL] ?? r.dsp) : '';
    case 'seat':
      return r.seatName ?? '';
    case 'deal':
      return r.dealName ? `${r.dealName} (${r.dealExternalId})` : 'Open auction (no deal)';
    case 'auctionType':
      return AUCTION_LABEL[r.auctionType ?? ''] ?? r.auctionType ?? '';
    case 'campaign':
      return r.campaignName ?? 'No campaign';
  }
}
/** The sort key of a dimension (times sort by their instant or day, names by name). */
const sortKey = (d: Dimension, r: Row): string =>
  d === 'hour'
    ? (r.hour ?? '')
    : d === 'day'
      ? (r.day ?? '')
      : d === 'month'
        ? (r.month ?? '')
        : dimensionText(d, r, 'UTC');

const cmpBig = (x: string, y: string) => {
  const p = BigInt(x),
    q = BigInt(y);
  return p < q ? -1 : p > q ? 1 : 0;
};

/**
 * Points of the chart from a report grouped by one time dimension, in one currency. Days and months without spend
 * are points at zero, so the axis spans the report's whole range (one day of spend in 30 is one bar among 30).
 */
export function chartPoints(
  data: ReportData | undefined,
  dim: 'hour' | 'day' | 'month',
  currency: string,
  timeZone: string,
  now?: Date,
): ChartPoint[] {
  if (!data) return [];
  const opts = { place: 'chart' as const, ...(now ? { now } : {}) };
  const rows = data.rows.filter((r) => r.currency === currency);
  if (rows.length === 0) return [];
  if (dim === 'hour')
    return rows.map((r) => ({
      label: dimensionText(dim, r, timeZone, opts),
      spendMicros: r.spendMicros,
      impressions: r.impressions,
    }));
  const key = (r: Row) => (dim === 'day' ? r.day : r.month) ?? '';
  const byKey = new Map(rows.map((r) => [key(r), r]));
  const keys: string[] = [];
  for (let d = data.from; d <= data.to && keys.length <= 400; d = shiftDay(d, 1)) {
    const k = dim === 'day' ? d : d.slice(0, 7);
    if (keys.at(-1) !== k) keys.push(k);
  }
  return keys.map((k) => {
    const r = byKey.get(k);
    const at = dim === 'day' ? { ...rows[0]!, day: k } : { ...rows[0]!, month: k };
    const label = dimensionText(dim, at, timeZone, opts);
    return { label, spendMicros: r?.spendMicros ?? '0', impressions: r?.impressions ?? 0 };
  });
}

/**
 * Whether a report shows its Corrections column (SPEC 13): only when some row or total includes a corrected record's
 * difference; most reports have none, and a column of zeros says nothing.
 */
export function hasCorrections(data: Pick<ReportData, 'rows' | 'totals'> | undefined): boolean {
  if (!data) return false;
  return [...data.rows, ...data.totals].some((r) => BigInt(r.correctionMicros) !== 0n);
}

/**
 * One empty array for every render: DataTable's paging resets its page whenever `data` is a new array, and a fresh
 * `[]` on each render while a report loads would loop forever.
 */
const NO_ROWS: Row[] = [];

export function ReportTable({
  data,
  timeZone,
  loading,
  empty,
}: {
  data: ReportData | undefined;
  timeZone: string;
  loading: boolean;
  empty?: string;
}) {
  const col = createColumnHelper<Row>();
  const dims = data?.groupBy ?? [];
  const corrections = hasCorrections(data);
  const compared = Boolean(data?.previous);
  // the hour, day or month under way reads "(so far)": its figures are still growing
  const [now] = useState(() => new Date());
  const columns = useMemo(
    () => [
      ...dims.map((d, i) =>
        col.accessor((r) => sortKey(d, r), {
          id: d,
          header: DIMENSION_LABEL[d],
          meta: { card: i === 0 ? ('title' as const) : undefined },
          cell: (c) => <span className="whitespace-nowrap">{dimensionText(d, c.row.original, timeZone, { now })}</span>,
        }),
      ),
      col.accessor('impressions', {
        header: 'Impressions',
        sortDescFirst: true,
        cell: (c) => <span className="whitespace-nowrap tabular-nums">{formatCount(c.getValue())}</span>,
      }),
      col.accessor('clicks', {
        header: 'Clicks',
        sortDescFirst: true,
        cell: (c) => <span className="whitespace-nowrap tabular-nums">{formatCount(c.getValue())}</span>,
      }),
      col.accessor((r) => r.ctr ?? -1, {
        id: 'ctr',
        header: 'CTR',
        sortDescFirst: true,
        cell: (c) => <span className="whitespace-nowrap tabular-nums">{formatCtr(c.row.original.ctr)}</span>,
      }),
      col.accessor('spendMicros', {
        header: 'Spend',
        // the highest spend first: what a sort by spend is for
        sortDescFirst: true,
        meta: { card: 'figure' },
        sortingFn: (x, y) => cmpBig(x.original.spendMicros, y.original.spendMicros),
        cell: (c) => (
          <Money className="whitespace-nowrap tabular-nums" micros={c.getValue()} currency={c.row.original.currency} />
        ),
      }),
      ...(compared
        ? [
            col.accessor((r) => r.previousSpendMicros ?? '0', {
              id: 'previousSpend',
              header: 'Previous spend',
              sortingFn: (x, y) => cmpBig(x.original.previousSpendMicros ?? '0', y.original.previousSpendMicros ?? '0'),
              cell: (c) => (
                <Money
                  className="whitespace-nowrap tabular-nums"
                  micros={c.getValue()}
                  currency={c.row.original.currency}
                />
              ),
            }),
            col.accessor((r) => r.spendChangeMicros ?? '0', {
              id: 'change',
              header: 'Change',
              sortingFn: (x, y) => cmpBig(x.original.spendChangeMicros ?? '0', y.original.spendChangeMicros ?? '0'),
              cell: (c) => <Change row={c.row.original} />,
            }),
          ]
        : []),
      ...(corrections
        ? [
            col.accessor('correctionMicros', {
              // the net difference of corrected records, already included in Spend
              header: 'Corrections',
              sortDescFirst: true,
              sortingFn: (x, y) => cmpBig(x.original.correctionMicros, y.original.correctionMicros),
              cell: (c) =>
                BigInt(c.getValue()) === 0n ? (
                  <span className="text-slate-500">—</span>
                ) : (
                  <Money
                    className="whitespace-nowrap tabular-nums"
                    micros={c.getValue()}
                    currency={c.row.original.currency}
                  />
                ),
            }),
          ]
        : []),
      col.accessor((r) => r.ecpmMicros ?? '0', {
        id: 'ecpm',
        header: 'eCPM',
        sortDescFirst: true,
        sortingFn: (x, y) => cmpBig(x.original.ecpmMicros ?? '0', y.original.ecpmMicros ?? '0'),
        cell: (c) =>
          c.row.original.ecpmMicros === null ? (
            <span>—</span>
          ) : (
            <Money
              className="whitespace-nowrap tabular-nums"
              micros={c.row.original.ecpmMicros}
              currency={c.row.original.currency}
            />
          ),
      }),
      // a report without groupings has one row per currency: the currency names it
      col.accessor('currency', { header: 'Currency', meta: { card: dims.length ? undefined : 'title' } }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps -- dims by value: the query gives a new array each time
    [dims.join(','), timeZone, corrections, compared, now],
  );
  return (
    <DataTable
      caption="Report rows"
      testId="report-rows"
      columns={columns}
      data={data?.rows ?? NO_ROWS}
      loading={loading}
      noun={['row', 'rows']}
      filterPlaceholder="Filter rows"
      pageSize={50}
      empty={
        empty ??
        (data?.previous
          ? `No spend in this range or in the previous period (${formatDayRange(data.previous.from, data.previous.to)}) ` +
            'for what you may see. Data arrives as the worker rolls it up.'
          : 'No spend in this range for what you may see. Data arrives as the worker rolls it up.')
      }
    />
  );
}

/** A change of spend against the previous period: signed, to the cent, with its whole percentage or "new". */
function Change({ row }: { row: Pick<Row, 'spendChangeMicros' | 'spendChangePercent' | 'currency'> }) {
  const micros = BigInt(row.spendChangeMicros ?? '0');
  const tone = micros > 0n ? 'text-emerald-800' : micros < 0n ? 'text-red-800' : 'text-slate-600';
  return (
    <span className={`whitespace-nowrap tabular-nums ${tone}`}>
      {formatChange(micros, row.spendChangePercent ?? null, row.currency)}
    </span>
  );
}

export function Totals({ data }: { data: ReportData }) {
  if (data.totals.length === 0) return null;
  const corrections = hasCorrections(data);
  const previous = data.previous;
  // on a phone each currency's totals are a card, as the rows above are (styles.css: .data-table)
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="data-table w-full text-sm" data-testid="report-totals">
        <caption className="sr-only">Totals per currency</caption>
        <thead>
          <tr className="text-left text-slate-600">
            <th className="py-1 pr-4 font-medium">Totals</th>
            <th className="py-1 pr-4 font-medium">Impressions</th>
            <th className="py-1 pr-4 font-medium">Clicks</th>
            <th className="py-1 pr-4 font-medium">CTR</th>
            <th className="py-1 pr-4 font-medium">Spend</th>
            {previous && <th className="py-1 pr-4 font-medium">Previous spend</th>}
            {previous && <th className="py-1 pr-4 font-medium">Change</th>}
            {corrections && <th className="py-1 pr-4 font-medium">Corrections</th>}
            <th className="py-1 pr-4 font-medium">eCPM</th>
          </tr>
        </thead>
        <tbody>
          {data.totals.map((t) => (
            <tr key={t.currency} className="border-t border-slate-100 tabular-nums" data-testid={`total-${t.currency}`}>
              <th scope="row" className="py-1 pr-4 text-left font-medium" data-card="title">
                <span className="sm:hidden">Total </span>
                {t.currency}
              </th>
              <td className="py-1 pr-4 whitespace-nowrap" data-label="Impressions">
                {formatCount(t.impressions)}
              </td>
              <td className="py-1 pr-4 whitespace-nowrap" data-label="Clicks">
                {formatCount(t.clicks)}
              </td>
              <td className="py-1 pr-4 whitespace-nowrap" data-label="CTR">
                {formatCtr(t.ctr)}
              </td>
              <td className="py-1 pr-4 font-semibold whitespace-nowrap" data-card="figure">
                <Money micros={t.spendMicros} currency={t.currency} />
              </td>
              {previous && (
                <td
                  className="py-1 pr-4 whitespace-nowrap"
                  data-testid={`total-previous-spend-${t.currency}`}
                  data-label="Previous spend"
                >
                  <Money micros={t.previousSpendMicros ?? '0'} currency={t.currency} />
                </td>
              )}
              {previous && (
                <td
                  className="py-1 pr-4 whitespace-nowrap"
                  data-testid={`total-change-${t.currency}`}
                  data-label="Change"
                >
                  <Change row={t} />
                </td>
              )}
              {corrections && (
                <td
                  className="py-1 pr-4 whitespace-nowrap"
                  data-testid={`total-corrections-${t.currency}`}
                  data-label="Corrections"
                >
                  <Money micros={t.correctionMicros} currency={t.currency} />
                </td>
              )}
              <td className="py-1 pr-4 whitespace-nowrap" data-label="eCPM">
                {t.ecpmMicros === null ? '—' : <Money micros={t.ecpmMicros} currency={t.currency} />}
              </td>
            </tr>
          ))}
          {previous &&
            data.totals.map((t) => (
              <tr
                key={`previous-${t.currency}`}
                className="border-t border-slate-100 text-slate-600 tabular-nums"
                data-testid={`total-previous-${t.currency}`}
              >
                <th scope="row" className="py-1 pr-4 text-left font-medium" data-card="title">
                  {t.currency}, previous period ({formatDayRange(previous.from, previous.to)})
                </th>
                <td className="py-1 pr-4 whitespace-nowrap" data-label="Impressions">
                  {formatCount(t.previousImpressions ?? 0)}
                </td>
                <td className="py-1 pr-4 whitespace-nowrap" data-label="Clicks">
                  {formatCount(t.previousClicks ?? 0)}
                </td>
                <td className="py-1 pr-4 whitespace-nowrap" data-label="CTR">
                  {formatCtr(
                    (t.previousImpressions ?? 0) > 0 ? (t.previousClicks ?? 0) / (t.previousImpressions ?? 1) : null,
                  )}
                </td>
                <td className="py-1 pr-4 whitespace-nowrap" data-card="figure">
                  <Money micros={t.previousSpendMicros ?? '0'} currency={t.currency} />
                </td>
                <td className="py-1 pr-4" colSpan={2 + (corrections ? 2 : 1)} />
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * What SPEC 7's rule for a client's own report leaves out, said plainly beside it: the report counts only the deals
 * the client created and the seats it linked itself, while its credits pay for all of its spend. With the figure of
 * its Billing page's usage for the same days when the viewer may see credits (the API sends it only then).
 */
export function ClientRuleNote({
  data,
  clientName,
  standalone = false,
}: {
  data: ReportData;
  clientName: string;
  /** A standalone premium client: no agency, so no seats assigned to it and none of its spend left out for one. */
  standalone?: boolean;
}) {
  return (
    <p className="rounded-md bg-slate-50 p-3 text-sm text-slate-700" data-testid="client-rule-note">
      {standalone
        ? `This report shows spend on the seats ${clientName} linked itself and on the deals it created.`
        : `This report shows spend on deals ${clientName} created and on seats it linked itself; spend on other ` +
          "deals (its agency's, open auction) on seats assigned to it is left out."}
      {data.charged && (
        <>
          {' '}
          {clientName}'s total spend charged to its credits in this range was{' '}
          <Money micros={data.charged.chargedMicros} currency={data.charged.currency} className="font-semibold" /> (
          <Link
            to="/accounts/$accountId/billing"
            params={{ accountId: data.charged.accountId }}
            className="text-blue-800 underline"
          >
            Billing
          </Link>
          ).
        </>
      )}
    </p>
  );
}

export function CompleteUntil({ data }: { data: ReportData }) {
  return (
    <p className="text-sm text-slate-600" data-testid="complete-until">
      {data.completeUntil ? (
        <>Data complete until {formatDateTime(data.completeUntil, data.timeZone)}</>
      ) : (
        'No data rolled up yet'
      )}{' '}
      · times in {data.timeZone}
      {data.truncated && (
        <Badge tone="amber" className="ml-2">
          first {formatCount(data.rows.length)} rows: export CSV for all
        </Badge>
      )}
    </p>
  );
}

/** The chart of spend and impressions over time, one currency at a time (a report never sums across currencies). */
export function ReportChart({
  series,
  dim,
  timeZone,
  currency,
  onCurrency,
}: {
  series: ReportData | undefined;
  dim: 'hour' | 'day' | 'month';
  timeZone: string;
  currency: string | undefined;
  onCurrency: (c: string) => void;
}) {
  const [now] = useState(() => new Date());
  if (!series) return <Skeleton className="h-72 w-full" />;
  const currencies = [...new Set(series.rows.map((r) => r.currency))].sort();
  if (currencies.length === 0) return null;
  const cur = currency && currencies.includes(currency) ? currency : currencies[0]!;
  return (
    <div className="space-y-2">
      {currencies.length > 1 && (
        <label className="flex items-center gap-2 text-sm text-slate-700">
          Chart currency
          <NativeSelect className="w-28" value={cur} onChange={(e) => onCurrency(e.target.value)}>
            {currencies.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </NativeSelect>
        </label>
      )}
      <Suspense fallback={<Skeleton className="h-72 w-full" />}>
        <SpendChart points={chartPoints(series, dim, cur, timeZone, now)} currency={cur} />
      </Suspense>
    </div>
  );
}
