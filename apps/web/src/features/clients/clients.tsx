import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Money } from '../../components/money';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { Empty } from '../../components/ui/empty';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { formatDate } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';
import { flatten } from '../shell/switcher';

type Client = RouterOutputs['clients']['list']['items'][number];
type Standing = RouterOutputs['clients']['overview']['items'][number];
const col = createColumnHelper<Client & { standing: Standing | undefined }>();
const big = (v: string | undefined) => BigInt(v ?? '-1');
const bigSort = (id: string) => ({
  sortingFn: (x: { getValue: (id: string) => unknown }, y: { getValue: (id: string) => unknown }) => {
    const p = x.getValue(id) as bigint,
      q = y.getValue(id) as bigint;
    return p < q ? -1 : p > q ? 1 : 0;
  },
});
const FLAG_LABEL = { out_of_credit: 'out of credit', low_balance: 'low balance', ok: 'ok' } as const;
const FLAG_TONE = { out_of_credit: 'red', low_balance: 'amber', ok: 'green' } as const;
/** The last 30 days up to today, in UTC days (each client's spend is counted in its own zone, as Billing does). */
const last30 = () => {
  const to = new Date();
  const from = new Date(to.getTime() - 29 * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
};

/** The clients below an account, with agency (for a holding), tier, connection and team; an agency's teams. */
export function ClientsScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const clients = useQuery(trpc.clients.list.queryOptions({ accountId: a.id }));
  const [period] = useState(last30);
  const [flag, setFlag] = useState<'' | Standing['flag']>('');
  const canCredits = can(a, 'credits.view');
  const overview = useQuery({
    ...trpc.clients.overview.queryOptions({ accountId: a.id, ...period }),
    enabled: canCredits,
  });
  const standing = useMemo(() => new Map((overview.data?.items ?? []).map((x) => [x.id, x])), [overview.data]);
  const rows = useMemo(
    () =>
      clients.data?.items
        .map((c) => ({ ...c, standing: standing.get(c.id) }))
        .filter((c) => !flag || c.standing?.flag === flag),
    [clients.data, standing, flag],
  );
  const isAgency = a.kind === 'agency';
  const canTeams = isAgency && can(a, 'teams.manage');
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ agencyId: a.id }), enabled: isAgency });
  const tree = useQuery({ ...trpc.accounts.tree.queryOptions({ accountId: a.id }), enabled: a.kind === 'holding' });
  const agencyName = useMemo(
    () => new Map((tree.data && !Array.isArray(tree.data) ? flatten([tree.data]) : []).map((n) => [n.id, n.name])),
    [tree.data],
  );
  const assign = useMutation(
    trpc.teams.assignClient.mutationOptions({
      onSuccess: () => toast.success('Team changed.'),
      onError: (e) => toast.error(e.message),
    }),
  );
  const columns = useMemo(
    () => [
      col.accessor('name', {
        header: 'Client',
        cell: (c) => (
          <Link
            to="/accounts/$accountId"
            params={{ accountId: c.row.original.id }}
            className="font-medium text-blue-800 hover:underline"
          >
            {c.getValue()}
          </Link>
        ),
      }),
      ...(a.kind === 'holding'
        ? [
            col.accessor((c) => (c.agencyId ? (agencyName.get(c.agencyId) ?? '') : ''), {
              id: 'agency',
              header: 'Agency',
              cell: (c) => c.getValue() || <span className="text-slate-500">none</span>,
            }),
          ]
        : []),
      ...(canCredits
        ? [
            col.accessor((c) => big(c.standing?.spentMicros), {
              id: 'spent',
              header: 'Spend (30 days)',
              // on a phone, beside the client's name
              meta: { card: 'figure' as const },
              ...bigSort('spent'),
              cell: (c) =>
                c.row.original.standing ? (
                  <Money
                    className="whitespace-nowrap tabular-nums"
                    micros={c.row.original.standing.spentMicros}
                    currency={c.row.original.currency}
                  />
                ) : (
                  ''
                ),
            }),
            col.accessor((c) => big(c.standing?.balanceMicros), {
              id: 'balance',
              header: 'Balance',
              ...bigSort('balance'),
              cell: (c) =>
                c.row.original.standing ? (
                  <Money
                    className="whitespace-nowrap tabular-nums"
                    micros={c.row.original.standing.balanceMicros}
                    currency={c.row.original.currency}
                  />
                ) : (
                  ''
                ),
            }),
            col.accessor((c) => c.standing?.runwayDays ?? Number.POSITIVE_INFINITY, {
              id: 'runway',
              header: 'Runway',
              cell: (c) => {
                const s = c.row.original.standing;
                if (!s) return '';
                if (s.runwayDays !== null) return `${s.runwayDays} days`;
                return (
                  <span className="text-slate-500">
                    {s.runwayBasis === 'no_spend' ? 'no spend' : 'not enough spend yet'}
                  </span>
                );
              },
            }),
            col.accessor((c) => c.standing?.flag ?? '', {
              id: 'credit',
              header: 'Credit',
              cell: (c) =>
                c.row.original.standing ? (
                  <Badge tone={FLAG_TONE[c.row.original.standing.flag]}>
                    {FLAG_LABEL[c.row.original.standing.flag]}
                  </Badge>
                ) : (
                  ''
                ),
            }),
          ]
        : []),
      col.accessor('tier', {
        header: 'Tier',
        cell: (c) => <Badge tone={c.getValue() === 'premium' ? 'amber' : 'neutral'}>{c.getValue()}</Badge>,
      }),
      col.accessor((c) => c.connectedSince ?? '', {
        id: 'connected',
        header: 'Connected since',
        cell: (c) =>
          c.row.original.connectedSince ? (
            formatDate(c.row.original.connectedSince, a.timeZone)
          ) : (
            <span className="text-slate-500">—</span>
          ),
      }),
      col.accessor((c) => c.team?.name ?? '', {
        id: 'team',
        header: 'Team',
        cell: (c) => {
          const cl = c.row.original;
          return canTeams && cl.agencyId === a.id ? (
            <NativeSelect
              aria-label={`Team of ${cl.name}`}
              className="w-40"
              value={cl.team?.id ?? ''}
              onChange={(e) => assign.mutate({ clientId: cl.id, teamId: e.target.value || null })}
            >
              <option value="">No team</option>
              {teams.data?.items.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </NativeSelect>
          ) : cl.team ? (
            <Badge tone="violet">{cl.team.name}</Badge>
          ) : (
            <span className="text-slate-500">—</span>
          );
        },
      }),
    ],
    [a.kind, a.id, a.timeZone, agencyName, canTeams, teams.data, assign, canCredits],
  );
  return (
    <>
      <Card>
        <CardHeader
          title="Clients"
          description={
            a.kind === 'holding'
              ? 'Every client of every agency of this holding.'
              : 'The clients this agency runs, its own and connected premium ones.'
          }
        />
        <CardBody>
          <FormError message={errorMessage(clients.error ?? overview.error)} />
          {canCredits && (
            <label className="mb-3 flex items-center gap-2 text-sm">
              Credit
              <NativeSelect
                className="w-44"
                value={flag}
                onChange={(e) => setFlag(e.target.value as typeof flag)}
                aria-label="Show clients whose credit is"
              >
                <option value="">any</option>
                <option value="out_of_credit">out of credit</option>
                <option value="low_balance">low balance</option>
                <option value="ok">ok</option>
              </NativeSelect>
            </label>
          )}
          <DataTable
            caption={`Clients of ${a.name}`}
            testId="clients"
            columns={columns}
            data={rows}
            loading={clients.isPending}
            noun={['client', 'clients']}
            filterPlaceholder="Filter clients"
            empty={
              <>
                No clients yet.{' '}
                {can(a, 'accounts.createSub') && isAgency ? (
                  <Link to="/accounts/$accountId" params={{ accountId: a.id }} className="text-blue-700 underline">
                    Create one on the overview
                  </Link>
                ) : (
                  'Clients appear here once an agency creates or connects them.'
                )}
              </>
            }
          />
        </CardBody>
        {can(a, 'accounts.createSub') && a.archivedAt === null && a.kind !== 'client' && <CreateClient />}
      </Card>
      {isAgency && <Teams canManage={canTeams} />}
    </>
  );
}

const teamSchema = z.object({ name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters') });

function Teams({ canManage }: { canManage: boolean }) {
  const a = useAccount();
  const trpc = useTRPC();
  const teams = useQuery(trpc.teams.list.queryOptions({ agencyId: a.id }));
  const form = useForm({ resolver: zodResolver(teamSchema), defaultValues: { name: '' } });
  const create = useMutation(trpc.teams.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      await create.mutateAsync({ agencyId: a.id, name: v.name });
      form.reset();
      toast.success(`Team ${v.name} created.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  return (
    <Card>
      <CardHeader
        title="Teams"
        description={
          "A team membership covers every client of the team, with the team membership's role." +
          (can(a, 'members.invite') ? ' Invite to a team from Members.' : '')
        }
      />
      <CardBody className="space-y-4">
        <FormError message={errorMessage(teams.error)} />
        {teams.isSuccess && teams.data.items.length === 0 && (
          <Empty>No teams yet.{canManage ? ' Create one below, then put clients in it.' : ''}</Empty>
        )}
        <ul className="divide-y divide-slate-100" data-testid="teams">
          {teams.data?.items.map((t) => (
            <li key={t.id} className="py-2 text-sm">
              <strong>{t.name}</strong>:{' '}
              {t.clients.length ? (
                t.clients.map((c) => c.name).join(', ')
              ) : (
                <span className="text-slate-600">no clients</span>
              )}
              {t.members.length > 0 && (
                <div className="text-xs text-slate-600">
                  members: {t.members.map((m) => `${m.name} (${m.role})`).join(', ')}
                </div>
              )}
            </li>
          ))}
        </ul>
        {canManage && (
          <form
            onSubmit={(e) => void submit(e)}
            noValidate
            aria-label="Create a team"
            className="flex flex-wrap items-start gap-3 border-t border-slate-100 pt-4"
          >
            <Field label="New team name" error={form.formState.errors.name?.message} className="w-full sm:w-72">
              {(p) => <Input {...p} {...form.register('name')} />}
            </Field>
            <Button type="submit" className="sm:mt-6" disabled={form.formState.isSubmitting}>
              Create team
            </Button>
            <div className="w-full">
              <FormError message={serverError(form)} />
            </div>
          </form>
        )}
      </CardBody>
    </Card>
  );
}

const clientSchema = z.object({
  parentId: z.string().min(1, 'pick an agency'),
  name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
});

/** "Create client" on the Clients page: under this agency, or (for a holding) under one of its agencies. */
function CreateClient() {
  const a = useAccount();
  const trpc = useTRPC();
  const tree = useQuery({ ...trpc.accounts.tree.queryOptions({ accountId: a.id }), enabled: a.kind === 'holding' });
  const agencies =
    a.kind === 'agency'
      ? [{ id: a.id, name: a.name }]
      : tree.data && !Array.isArray(tree.data)
        ? tree.data.children.filter((n) => n.kind === 'agency').map((n) => ({ id: n.id, name: n.name }))
        : [];
  const form = useForm({ resolver: zodResolver(clientSchema), defaultValues: { parentId: '', name: '' } });
  const create = useMutation(trpc.accounts.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const c = await create.mutateAsync({ parentId: v.parentId || agencies[0]!.id, name: v.name, kind: 'client' });
      form.reset({ parentId: v.parentId, name: '' });
      toast.success(`${c.name} created.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  if (agencies.length === 0) return null;
  return (
    <CardBody>
      <form
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-label="Create client"
        className="flex flex-wrap items-start gap-3 border-t border-slate-100 pt-4"
      >
        {agencies.length > 1 && (
          <Field label="Agency" error={form.formState.errors.parentId?.message} className="w-full sm:w-60">
            {(p) => (
              <NativeSelect {...p} {...form.register('parentId')}>
                {agencies.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
        )}
        <Field label="New client name" error={form.formState.errors.name?.message} className="w-full sm:w-72">
          {(p) => <Input {...p} {...form.register('name')} />}
        </Field>
        <Button type="submit" className="sm:mt-6" disabled={form.formState.isSubmitting}>
          Create client
        </Button>
        <div className="w-full">
          <FormError message={serverError(form)} />
        </div>
      </form>
    </CardBody>
  );
}
