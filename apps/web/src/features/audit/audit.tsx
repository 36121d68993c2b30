import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { formatMoney } from '../../lib/money';
import { formatCalendarDay, formatDateTime, isoDayIn } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { plural } from '../../lib/utils';
import { flatten } from '../shell/switcher';
import { useAccount } from '../accounts/context';
import { actionLabel, describeChange, FILTER_ACTIONS, namesFromEntries, type Ctx } from './describe';
import type { AuditSearch } from './search';

type Entry = RouterOutputs['audit']['list']['items'][number];
const col = createColumnHelper<Entry>();

/** The audit trail: headers, names instead of ids, formatted money and dates, only what changed; filters in the URL. */
export function AuditScreen({ search }: { search: AuditSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const set = (patch: Partial<AuditSearch>) =>
    void navigate({ to: '.', search: (s: AuditSearch) => ({ ...s, pages: undefined, ...patch }), replace: true });
  const pages = search.pages ?? [];
  const cursor = pages.at(-1);
  const filters = {
    ...(search.action ? { action: search.action } : {}),
    ...(search.member ? { memberId: search.member } : {}),
    ...(search.account ? { filterAccountId: search.account } : {}),
    ...(search.from ? { from: search.from } : {}),
    ...(search.to && !(search.from && search.from > search.to) ? { to: search.to } : {}),
  };
  const filtered = Object.keys(filters).length > 0;
  const audit = useQuery(
    trpc.audit.list.queryOptions({ accountId: a.id, limit: 100, ...filters, ...(cursor ? { cursor } : {}) }),
  );
  const tree = useQuery(trpc.accounts.tree.queryOptions({ accountId: a.id, includeArchived: true }));
  const members = useQuery(trpc.members.list.queryOptions({ accountId: a.id, limit: 200 }));
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ agencyId: a.id }), enabled: a.kind === 'agency' });
  const deals = useQuery(trpc.deals.list.queryOptions({ accountId: a.id, limit: 500 }));
  const ctx: Ctx = useMemo(() => {
    const names = new Map<string, string>();
    if (tree.data) for (const n of flatten(Array.isArray(tree.data) ? tree.data : [tree.data])) names.set(n.id, n.name);
    for (const anc of a.ancestors) names.set(anc.id, anc.name);
    for (const m of members.data?.items ?? []) names.set(m.userId, m.name);
    for (const x of teams.data?.items ?? []) names.set(x.id, x.name);
    for (const d of deals.data?.items ?? []) names.set(d.id, d.name);
    for (const [id, name] of namesFromEntries(audit.data?.items ?? [])) names.set(id, name);
    return { currency: a.currency, timeZone: a.timeZone, names };
  }, [tree.data, members.data, teams.data, deals.data, audit.data, a]);
  const items = audit.data?.items ?? [];
  const accounts = tree.data ? flatten(Array.isArray(tree.data) ? tree.data : [tree.data]) : [];
  const people = [...(members.data?.items ?? [])]
    .filter((m, i, all) => all.findIndex((x) => x.userId === m.userId) === i)
    .sort((x, y) => x.email.localeCompare(y.email));
  const columns = useMemo(
    () => [
      col.accessor('at', {
        header: `When (${a.timeZone})`,
        cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue(), a.timeZone)}</span>,
      }),
      col.accessor((e) => e.actorEmail ?? 'system', { id: 'who', header: 'Who' }),
      col.accessor((e) => actionLabel(e.action), { id: 'action', header: 'What', meta: { card: 'title' } }),
      col.accessor('accountName', { header: 'Account' }),
      col.display({
        id: 'change',
        header: 'Change',
        cell: (c) => {
          const lines = describeChange(c.row.original.before, c.row.original.after, ctx);
          return lines.length ? (
            <ul className="space-y-0.5 text-slate-700 sm:min-w-56">
              {lines.map((l, i) => (
                <li key={i}>{l}</li>
              ))}
            </ul>
          ) : (
            <span className="text-slate-500">—</span>
          );
        },
      }),
    ],
    [a.timeZone, ctx],
  );
  return (
    <Card>
      <CardHeader
        title="Audit trail"
        description={`Changes to ${a.name} and the accounts below it, newest first, times in ${a.timeZone}.`}
      />
      <CardBody>
        <FormError message={errorMessage(audit.error)} />
        <DataTable
          caption={`Audit trail of ${a.name}`}
          testId="audit"
          columns={columns}
          data={items}
          loading={audit.isPending}
          noun={['entry', 'entries']}
          empty={filtered ? 'No entry matches these filters.' : 'No changes recorded yet.'}
          toolbar={
            <div className="grid w-full grid-cols-2 gap-2 sm:flex sm:w-auto sm:flex-wrap">
              <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
                Action
                <NativeSelect
                  value={search.action ?? ''}
                  onChange={(e) => set({ action: e.target.value || undefined })}
                  className="sm:w-48"
                >
                  <option value="">All actions</option>
                  {FILTER_ACTIONS.map((x) => (
                    <option key={x} value={x}>
                      {actionLabel(x)}
                    </option>
                  ))}
                </NativeSelect>
              </label>
              <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
                Member
                <NativeSelect
                  value={search.member ?? ''}
                  onChange={(e) => set({ member: e.target.value || undefined })}
                  className="sm:w-56"
                >
                  <option value="">Everyone</option>
                  {people.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.email}
                    </option>
                  ))}
                </NativeSelect>
              </label>
              <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
                Account
                <NativeSelect
                  value={search.account ?? ''}
                  onChange={(e) => set({ account: e.target.value || undefined })}
                  className="sm:w-48"
                >
                  <option value="">All accounts</option>
                  {accounts.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name}
                    </option>
                  ))}
                </NativeSelect>
              </label>
              <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
                From
                <Input
                  type="date"
                  value={search.from ?? ''}
                  onChange={(e) => set({ from: e.target.value || undefined })}
                />
              </label>
              <label className="flex flex-col gap-1 text-xs font-medium text-slate-700">
                To
                <Input type="date" value={search.to ?? ''} onChange={(e) => set({ to: e.target.value || undefined })} />
              </label>
              <label className="flex items-center gap-2 self-end pb-2 text-xs font-medium text-slate-700">
                <input
                  type="checkbox"
                  checked={search.spend === 'days'}
                  onChange={(e) => set({ spend: e.target.checked ? 'days' : undefined })}
                />
                Spend debits per day
              </label>
            </div>
          }
          cursor={{
            hasPrevious: pages.length > 0,
            hasNext: Boolean(audit.data?.nextCursor),
            onPrevious: () =>
              void navigate({ to: '.', search: (s: AuditSearch) => ({ ...s, pages: pages.slice(0, -1) }) }),
            onNext: () =>
              void navigate({
                to: '.',
                search: (s: AuditSearch) => ({ ...s, pages: [...pages, audit.data!.nextCursor!] }),
              }),
          }}
        />
        {search.spend === 'days' && <SpendDays search={search} />}
      </CardBody>
    </Card>
  );
}

/** The worker's spend debits, which the trail leaves out, one line per day of the account's zone. */
function SpendDays({ search }: { search: AuditSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const days = useQuery(
    trpc.audit.spendDays.queryOptions({
      accountId: a.id,
      ...(search.from ? { from: search.from } : {}),
      ...(search.to && !(search.from && search.from > search.to) ? { to: search.to } : {}),
    }),
  );
  const items = days.data?.items ?? [];
  const today = isoDayIn(new Date().toISOString(), a.timeZone);
  return (
    <section className="mt-6" aria-labelledby="spend-days">
      <h2 id="spend-days" className="text-sm font-semibold text-slate-900">
        Spend debited from credits, per day ({a.timeZone})
      </h2>
      <FormError message={errorMessage(days.error)} />
      {days.data && items.length === 0 && (
        <p className="mt-2 text-sm text-slate-600">No spend debited on these days.</p>
      )}
      <ul className="mt-2 divide-y divide-slate-100 text-sm" data-testid="spend-days">
        {items.map((d) => (
          <li key={d.day} className="py-2">
            <span className="font-medium">{formatCalendarDay(d.day, { today })}</span>:{' '}
            {d.spend.length
              ? d.spend
                  .map(
                    (s) =>
                      formatMoney(s.spentMicros, s.currency) +
                      (s.overageMicros !== '0'
                        ? ` (of which ${formatMoney(s.overageMicros, s.currency)} overage)`
                        : ''),
                  )
                  .join(' and ')
              : 'nothing'}{' '}
            in {plural(d.debits, 'record')} over {plural(d.runs, 'run')} of the worker
          </li>
        ))}
      </ul>
    </section>
  );
}
