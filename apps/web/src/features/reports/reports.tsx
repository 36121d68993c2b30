import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { Download } from 'lucide-react';
import { useMemo, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Empty } from '../../components/ui/empty';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { DSP_LABEL, DSPS } from '../../lib/labels';
import { errorMessage, fieldErrors, useTRPC, type RouterInputs, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';
import { flatten } from '../shell/switcher';
import { formatDayRange, isoDayIn } from '../../lib/time';
import { chartResolution, lastMonthOf, monthDays, presetDays, PRESET_LABEL, rangeWords, wholeMonth } from './range';
import { AUCTION_TYPES, DIMENSIONS, PRESETS, type Dimension, type ReportsSearch } from './search';
import {
  AUCTION_LABEL,
  ClientRuleNote,
  CompleteUntil,
  DIMENSION_LABEL,
  ReportChart,
  ReportTable,
  Totals,
} from './view';

type RunInput = RouterInputs['reports']['run'];
type Saved = RouterOutputs['reports']['saved']['items'][number];

/** The preset the URL names (fixed days without one; else the last 7 days). */
const presetOf = (search: ReportsSearch) => search.preset ?? (search.from && search.to ? 'custom' : 'last7');

/** The month a "pick a month" report shows: the one in the URL, else last month in the account's zone. */
const pickedMonth = (search: ReportsSearch, timeZone: string) =>
  search.month ?? lastMonthOf(isoDayIn(new Date().toISOString(), timeZone));

/** The report the URL describes: days (a preset moves with today, in the account's zone), groupings, filters. */
function inputOf(search: ReportsSearch, accountId: string, timeZone: string): RunInput {
  const preset = presetOf(search);
  const days =
    preset === 'custom' && search.from && search.to
      ? { from: search.from, to: search.to }
      : preset === 'month'
        ? monthDays(pickedMonth(search, timeZone))
        : presetDays(preset === 'custom' ? 'last7' : preset, timeZone);
  const groupBy = search.groupBy ?? ['day'];
  const filters: NonNullable<RunInput['filters']> = {};
  if (search.auctionType) filters.auctionType = [search.auctionType];
  if (search.dsp) filters.dsp = [search.dsp];
  if (search.account) filters.account = [search.account];
  return {
    accountId,
    ...days,
    groupBy,
    ...(Object.keys(filters).length ? { filters } : {}),
    // hours are never compared (a DST change shifts them): the toggle says so and stays off
    ...(search.compare && !groupBy.includes('hour') ? { compare: search.compare } : {}),
  };
}

/** Why a client's own report can be empty while its billing shows spend (SPEC 7's row rule for a client). */
export const L3_EMPTY =
  "No spend in this range on this client's own deals or on seats it linked itself. Spend on its agency's seats " +
  'and deals is reported by the agency; its cost still shows under Billing.';
/** A standalone premium client's: it has no agency whose spend is left out. */
const STANDALONE_EMPTY = 'No spend in this range on the seats this client linked or on its deals.';
/** The same, for a report compared with its previous period (whose days it names). */
const l3Empty = (previous: { from: string; to: string } | null | undefined, standalone: boolean) => {
  const text = standalone ? STANDALONE_EMPTY : L3_EMPTY;
  return previous
    ? `No spend in this range or in the previous period (${formatDayRange(previous.from, previous.to)}) ` +
        text.slice('No spend in this range '.length)
    : text;
};

export const exportHref = (q: { input: RunInput } | { reportId: string }) =>
  `/exports/report.csv?${new URLSearchParams('input' in q ? { input: JSON.stringify(q.input) } : { reportId: q.reportId })}`;

export function ReportsScreen({ search }: { search: ReportsSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const input = inputOf(search, a.id, a.timeZone);
  const dim = chartResolution(input.from, input.to, input.groupBy);
  // a range the API would refuse is said here, at once, instead of being sent (ISO days compare as text)
  const rangeError = input.from > input.to ? 'From is after To: pick a start day on or before the end day.' : null;
  const report = useQuery({
    ...trpc.reports.run.queryOptions(input),
    placeholderData: keepPreviousData,
    enabled: rangeError === null,
  });
  // the chart is the report's own days, never compared (its hours could not be)
  const { compare: _compare, ...plain } = input;
  const series = useQuery({
    ...trpc.reports.run.queryOptions({ ...plain, groupBy: [dim] }),
    placeholderData: keepPreviousData,
    enabled: rangeError === null,
  });
  // the API's refusal names its fields (e.g. "to: an hourly report spans at most 92 days")
  const refused = Object.entries(fieldErrors(report.error)).map(([field, message]) => `${field}: ${message}`);
  const set = (patch: Partial<ReportsSearch>) =>
    void navigate({ to: '.', search: (s: ReportsSearch) => ({ ...s, ...patch }), replace: true });
  return (
    <>
      <Card>
        <CardHeader
          title="Spend report"
          description={
            a.level === 3
              ? "Spend on this client's own deals and on the seats it linked itself."
              : 'Everything attributed to this account and the accounts below it: all DSPs, deals and open auction.'
          }
          actions={
            <Button asChild variant="secondary">
              <a href={exportHref({ input })} download data-testid="export-csv">
                <Download className="size-4" aria-hidden />
                Export CSV
              </a>
            </Button>
          }
        />
        <CardBody className="space-y-4">
          <Controls search={search} input={input} set={set} />
          <FormError
            message={
              rangeError ??
              (refused.length ? `${errorMessage(report.error)} ${refused.join('; ')}` : errorMessage(report.error))
            }
          />
          {rangeError === null && !report.error && (
            <>
              {report.data && <CompleteUntil data={report.data} />}
              {report.data?.previous && (
                <p className="text-sm text-slate-600" data-testid="compared-with">
                  Compared with the previous period:{' '}
                  {formatDayRange(report.data.previous.from, report.data.previous.to)}
                  {wholeMonth(report.data.from, report.data.to)
                    ? ' (the calendar month before)'
                    : ' (as many days, just before)'}
                </p>
              )}
              {report.data && a.level === 3 && (
                <ClientRuleNote data={report.data} clientName={a.name} standalone={a.parentId === null} />
              )}
              <ReportChart
                series={series.data}
                dim={dim}
                timeZone={a.timeZone}
                currency={search.currency}
                onCurrency={(currency) => set({ currency })}
              />
              <ReportTable
                data={report.data}
                timeZone={a.timeZone}
                loading={report.isPending}
                empty={a.level === 3 ? l3Empty(report.data?.previous, a.parentId === null) : undefined}
              />
              {report.data && <Totals data={report.data} />}
            </>
          )}
        </CardBody>
      </Card>
      <SaveReport search={search} />
      <SavedReports />
    </>
  );
}

function Controls({
  search,
  input,
  set,
}: {
  search: ReportsSearch;
  input: RunInput;
  set: (p: Partial<ReportsSearch>) => void;
}) {
  const a = useAccount();
  const trpc = useTRPC();
  const tree = useQuery(trpc.accounts.tree.queryOptions({ accountId: a.id }));
  const accounts = useMemo(
    () => (tree.data && !Array.isArray(tree.data) ? flatten([tree.data]).filter((x) => x.id !== a.id) : []),
    [tree.data, a.id],
  );
  const groupBy = search.groupBy ?? ['day'];
  const preset = presetOf(search);
  const lastMonth = lastMonthOf(isoDayIn(new Date().toISOString(), a.timeZone));
  const toggle = (d: Dimension) =>
    set({
      groupBy: groupBy.includes(d)
        ? groupBy.filter((x) => x !== d)
        : DIMENSIONS.filter((x) => x === d || groupBy.includes(x)),
    });
  return (
    <div className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <Field label="Date range">
          {(p) => (
            <NativeSelect
              {...p}
              name="preset"
              value={preset}
              onChange={(e) => {
                const v = e.target.value as (typeof PRESETS)[number];
                set(
                  v === 'custom'
                    ? { preset: v, from: input.from, to: input.to, month: undefined }
                    : v === 'month'
                      ? {
                          preset: v,
                          month: wholeMonth(input.from, input.to) ?? lastMonth,
                          from: undefined,
                          to: undefined,
                        }
                      : { preset: v, from: undefined, to: undefined, month: undefined },
                );
              }}
            >
              {PRESETS.map((x) => (
                <option key={x} value={x}>
                  {PRESET_LABEL[x]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
        {preset === 'month' && (
          <Field label="Month">
            {(p) => (
              <Input
                {...p}
                type="month"
                name="month"
                value={input.from.slice(0, 7)}
                max={lastMonth}
                onChange={(e) =>
                  /^\d{4}-\d{2}$/.test(e.target.value) && set({ preset: 'month', month: e.target.value })
                }
              />
            )}
          </Field>
        )}
        <Field label="From">
          {(p) => (
            <Input
              {...p}
              type="date"
              name="from"
              value={input.from}
              onChange={(e) =>
                e.target.value && set({ preset: 'custom', from: e.target.value, to: input.to, month: undefined })
              }
            />
          )}
        </Field>
        <Field label="To">
          {(p) => (
            <Input
              {...p}
              type="date"
              name="to"
              value={input.to}
              onChange={(e) =>
                e.target.value && set({ preset: 'custom', from: input.from, to: e.target.value, month: undefined })
              }
            />
          )}
        </Field>
        <Field label="Auction type">
          {(p) => (
            <NativeSelect
              {...p}
              name="auctionType"
              value={search.auctionType ?? ''}
              onChange={(e) => set({ auctionType: (e.target.value || undefined) as ReportsSearch['auctionType'] })}
            >
              <option value="">All</option>
              {AUCTION_TYPES.map((x) => (
                <option key={x} value={x}>
                  {AUCTION_LABEL[x]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
        <Field label="DSP">
          {(p) => (
            <NativeSelect
              {...p}
              name="dsp"
              value={search.dsp ?? ''}
              onChange={(e) => set({ dsp: e.target.value || undefined })}
            >
              <option value="">All</option>
              {DSPS.map((x) => (
                <option key={x} value={x}>
                  {DSP_LABEL[x]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
      </div>
      {accounts.length > 0 && (
        <Field label="Account (and everything below it)" className="max-w-md">
          {(p) => (
            <NativeSelect
              {...p}
              name="account"
              value={search.account ?? ''}
              onChange={(e) => set({ account: e.target.value || undefined })}
            >
              <option value="">All of {a.name}</option>
              {accounts.map((x) => (
                <option key={x.id} value={x.id}>
                  {[...x.path.slice(1), x.name].join(' / ')}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
      )}
      <div>
        <label className="flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            name="compare"
            checked={Boolean(search.compare) && !groupBy.includes('hour')}
            disabled={groupBy.includes('hour')}
            onChange={(e) => set({ compare: e.target.checked ? 'previous_period' : undefined })}
            className="size-4"
          />
          Compare with previous period
        </label>
        <p className="mt-1 text-xs text-slate-500">
          {groupBy.includes('hour')
            ? 'Hours are not compared (a change of summer time shifts them): group by day or month to compare.'
            : 'The same number of days just before; a calendar month against the month before.'}
        </p>
      </div>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Group by</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {DIMENSIONS.map((d) => (
            <label key={d} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                name={`groupBy-${d}`}
                checked={groupBy.includes(d)}
                onChange={() => toggle(d)}
                className="size-4"
              />
              {DIMENSION_LABEL[d]}
            </label>
          ))}
        </div>
        {a.level < 3 && (
          <p className="mt-1 text-xs text-slate-500">
            Account groups by the accounts directly below {a.name} ({a.level === 1 ? 'its agencies' : 'its clients'}),
            each with everything below it; {a.name}'s own spend is its own row. Pick an account above to look further
            down.
          </p>
        )}
      </fieldset>
    </div>
  );
}

function SaveReport({ search }: { search: ReportsSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const save = useMutation(trpc.reports.save.mutationOptions());
  const preset = presetOf(search);
  const input = inputOf(search, a.id, a.timeZone);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const range = preset === 'custom' || preset === 'month' ? { from: input.from, to: input.to } : { preset };
    try {
      await save.mutateAsync({
        accountId: a.id,
        name,
        query: {
          groupBy: input.groupBy,
          ...(input.filters ? { filters: input.filters } : {}),
          range,
          ...(input.compare ? { compare: input.compare } : {}),
        },
      });
      toast.success(`Saved "${name.trim()}"`);
      setName('');
    } catch {
      /* shown below */
    }
  };
  return (
    <Card>
      <CardHeader
        title="Save this report"
        description={
          (preset === 'custom' || preset === 'month'
            ? `Saved with its fixed days (${rangeWords({ from: input.from, to: input.to })}).`
            : `Saved with "${PRESET_LABEL[preset]}": the days move with today.`) +
          (input.compare ? ' Compared with the previous period.' : '')
        }
        level={2}
      />
      <CardBody>
        <form onSubmit={(e) => void submit(e)} className="flex flex-wrap items-start gap-3">
          <Field label="Report name" error={fieldErrors(save.error).name} className="min-w-64 flex-1">
            {(p) => (
              <Input {...p} name="reportName" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} />
            )}
          </Field>
          <Button type="submit" className="mt-6" disabled={save.isPending || name.trim() === ''}>
            Save report
          </Button>
        </form>
        {!fieldErrors(save.error).name && <FormError message={errorMessage(save.error)} />}
      </CardBody>
    </Card>
  );
}

function SavedReports() {
  const a = useAccount();
  const trpc = useTRPC();
  const saved = useQuery(trpc.reports.saved.queryOptions({ accountId: a.id }));
  const tree = useQuery(trpc.accounts.tree.queryOptions({ accountId: a.id, includeArchived: true }));
  const names = useMemo(
    () => new Map((tree.data && !Array.isArray(tree.data) ? flatten([tree.data]) : []).map((x) => [x.id, x.name])),
    [tree.data],
  );
  return (
    <Card>
      <CardHeader
        title="Saved reports"
        description={
          can(a, 'reports.share')
            ? 'Share one with a client: its users can run and export it, not change it.'
            : a.kind === 'client'
              ? undefined // a client's own members never share (SPEC 7: the agency shares with them)
              : 'Sharing with clients needs an operator or admin role.'
        }
      />
      <CardBody>
        <FormError message={errorMessage(saved.error)} />
        {saved.data && saved.data.items.length === 0 && <Empty>No saved reports yet.</Empty>}
        <ul className="divide-y divide-slate-100">
          {saved.data?.items.map((r) => (
            <SavedItem key={r.id} report={r} names={names} />
          ))}
        </ul>
      </CardBody>
    </Card>
  );
}

/** A saved report's filters in words, for its subtitle: "for Acme Foods", "Display & Video 360 only". */
export function filterWords(filters: Saved['query']['filters'], names: Map<string, string>): string[] {
  const out: string[] = [];
  const list = (ids: readonly string[], noun: string) =>
    ids.every((id) => names.has(id))
      ? ids.map((id) => names.get(id)!).join(', ')
      : `${ids.length} ${noun}${ids.length === 1 ? '' : 's'}`;
  if (filters?.account?.length) out.push(`for ${list(filters.account, 'account')}`);
  if (filters?.dsp?.length)
    out.push(`${filters.dsp.map((d) => DSP_LABEL[d as keyof typeof DSP_LABEL] ?? d).join(', ')} only`);
  if (filters?.auctionType?.length) out.push(`${filters.auctionType.map((t) => AUCTION_LABEL[t]).join(', ')} only`);
  if (filters?.campaign?.length)
    out.push(`${filters.campaign.length} campaign${filters.campaign.length === 1 ? '' : 's'}`);
  if (filters?.seat?.length) out.push(`${filters.seat.length} seat${filters.seat.length === 1 ? '' : 's'}`);
  if (filters?.deal?.length) out.push(`${filters.deal.length} deal${filters.deal.length === 1 ? '' : 's'}`);
  return out;
}

function SavedItem({ report, names }: { report: Saved; names: Map<string, string> }) {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [client, setClient] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const share = useMutation(trpc.reports.share.mutationOptions());
  const unshare = useMutation(trpc.reports.unshare.mutationOptions());
  const rename = useMutation(trpc.reports.rename.mutationOptions());
  const remove = useMutation(trpc.reports.delete.mutationOptions());
  const q = report.query;
  const open = () =>
    void navigate({
      to: '.',
      search: {
        groupBy: q.groupBy,
        ...('preset' in q.range
          ? { preset: q.range.preset }
          : wholeMonth(q.range.from, q.range.to)
            ? { preset: 'month' as const, month: q.range.from.slice(0, 7) }
            : { preset: 'custom' as const, from: q.range.from, to: q.range.to }),
        compare: q.compare,
        auctionType: q.filters?.auctionType?.[0],
        dsp: q.filters?.dsp?.[0],
        account: q.filters?.account?.[0],
      },
    });
  const notShared = report.shareTo;
  const mayDelete = can(a, 'reports.save') && (report.shares.length === 0 || can(a, 'reports.share'));
  return (
    <li className="py-3" data-testid={`saved-${report.name}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        {renaming === null ? (
          <div>
            <p className="font-medium">{report.name}</p>
            <p className="text-xs text-slate-600" data-testid="saved-subtitle">
              {[
                `by ${q.groupBy.map((d) => DIMENSION_LABEL[d]).join(', ') || 'total'}`,
                rangeWords(q.range),
                ...(q.compare ? ['compared with the previous period'] : []),
                ...filterWords(q.filters, names),
              ].join(' · ')}
            </p>
          </div>
        ) : (
          <form
            className="flex flex-wrap items-start gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              void rename
                .mutateAsync({ reportId: report.id, name: renaming })
                .then((r) => {
                  toast.success(`Renamed to "${r.name}"`);
                  setRenaming(null);
                })
                .catch(() => undefined);
            }}
          >
            <Field label={`New name of ${report.name}`} error={fieldErrors(rename.error).name} className="min-w-56">
              {(p) => <Input {...p} value={renaming} onChange={(e) => setRenaming(e.target.value)} maxLength={120} />}
            </Field>
            <Button type="submit" size="sm" className="mt-6" disabled={rename.isPending || renaming.trim() === ''}>
              Save name
            </Button>
            <Button type="button" size="sm" variant="secondary" className="mt-6" onClick={() => setRenaming(null)}>
              Cancel
            </Button>
          </form>
        )}
        <div className="flex gap-2">
          <Button variant="secondary" size="sm" onClick={open}>
            Open
          </Button>
          {can(a, 'reports.save') && renaming === null && (
            <Button variant="secondary" size="sm" onClick={() => setRenaming(report.name)}>
              Rename
            </Button>
          )}
          {mayDelete && (
            <Button variant="secondary" size="sm" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )}
        </div>
      </div>
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete "${report.name}"?`}
        confirmLabel="Delete report"
        testId="delete-report"
        onConfirm={() =>
          remove.mutateAsync({ reportId: report.id }).then(() => toast.success(`Deleted "${report.name}"`))
        }
      >
        {report.shares.length
          ? `It is shared with ${report.shares.map((s) => s.clientName).join(', ')}: their users lose it at once.`
          : 'Nobody else uses it: it is not shared with any client.'}
      </ConfirmDialog>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        {report.shares.map((s) => (
          <Badge key={s.clientId} tone="blue" className="gap-1">
            shared with {s.clientName}
            {can(a, 'reports.share') && (
              <button
                type="button"
                className="ml-1 underline"
                aria-label={`Stop sharing ${report.name} with ${s.clientName}`}
                onClick={() =>
                  void unshare
                    .mutateAsync({ reportId: report.id, clientId: s.clientId })
                    .then(() => toast.success(`No longer shared with ${s.clientName}`))
                }
              >
                unshare
              </button>
            )}
          </Badge>
        ))}
        {can(a, 'reports.share') && notShared.length > 0 && (
          <form
            className="flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (client)
                void share.mutateAsync({ reportId: report.id, clientId: client }).then(() => {
                  toast.success('Shared');
                  setClient('');
                });
            }}
          >
            <NativeSelect
              aria-label={`Client to share ${report.name} with`}
              className="w-56"
              value={client}
              onChange={(e) => setClient(e.target.value)}
            >
              <option value="">Share with a client…</option>
              {notShared.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </NativeSelect>
            <Button type="submit" size="sm" disabled={!client || share.isPending}>
              Share
            </Button>
          </form>
        )}
      </div>
      <FormError message={errorMessage(share.error) ?? errorMessage(unshare.error)} />
    </li>
  );
}
