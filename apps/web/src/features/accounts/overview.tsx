import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Empty } from '../../components/ui/empty';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { Skeleton, SkeletonRows } from '../../components/ui/skeleton';
import { applyServerErrors, serverError } from '../../lib/forms';
import { errorMessage, useTRPC } from '../../lib/trpc';
import { plural } from '../../lib/utils';
import { flatten } from '../shell/switcher';
import { SpendSummary } from '../reports/spend-summary';
import { KindBadges } from './badges';
import { can, useAccount } from './context';

// recharts is loaded only when an overview with a chart is shown: the first page carries no chart code.
const BudgetChart = lazy(() => import('./budget-chart'));

export function Overview() {
  const a = useAccount();
  return (
    <>
      {can(a, 'reports.run') && <SpendSummary />}
      {a.kind !== 'client' && <SubAccounts />}
      {can(a, 'campaigns.view') && <CampaignBudgets />}
      {a.kind === 'client' && a.clientTier === 'standard' && !can(a, 'campaigns.view') && !a.platformOperator && (
        <Card>
          <CardBody>
            <p className="text-sm text-slate-700">
              {a.name} is a standard client: its agency runs its campaigns, seats and deals. As a member of the client
              account you manage its users under Members
              {can(a, 'reports.viewShared') ? ' and see the reports the agency shares with you' : ''}.
            </p>
          </CardBody>
        </Card>
      )}
      {a.platformOperator && a.kind === 'client' && <OperatorClientActions />}
      {a.canArchive && <Archive />}
    </>
  );
}

function SubAccounts() {
  const a = useAccount();
  const trpc = useTRPC();
  const tree = useQuery(trpc.accounts.tree.queryOptions({ accountId: a.id }));
  const childKind = a.kind === 'holding' ? 'agency' : 'client';
  const children = tree.data && !Array.isArray(tree.data) ? tree.data.children : [];
  const canCreate = can(a, 'accounts.createSub') && a.archivedAt === null;
  return (
    <Card>
      <CardHeader
        title={a.kind === 'holding' ? 'Agencies' : 'Clients'}
        description={
          tree.isSuccess ? plural(children.length, childKind, a.kind === 'holding' ? 'agencies' : 'clients') : undefined
        }
      />
      <CardBody className="space-y-4">
        {tree.isPending && <SkeletonRows rows={3} />}
        <FormError message={errorMessage(tree.error)} />
        {tree.isSuccess && children.length === 0 && (
          <Empty>
            No {childKind === 'agency' ? 'agencies' : 'clients'} yet.{canCreate ? ' Create the first one below.' : ''}
          </Empty>
        )}
        <ul className="divide-y divide-slate-100" data-testid="sub-accounts">
          {children.map((c) => (
            <li key={c.id} className="flex flex-wrap items-center gap-2 py-2">
              <Link
                to="/accounts/$accountId"
                params={{ accountId: c.id }}
                className="font-medium text-blue-800 hover:underline"
              >
                {c.name}
              </Link>
              <KindBadges kind={c.kind} level={c.level} clientTier={c.clientTier} />
              {c.kind === 'agency' && (
                <span className="text-xs text-slate-600">{plural(c.children.length, 'client')}</span>
              )}
            </li>
          ))}
        </ul>
        {canCreate && <CreateSubAccount childKind={childKind} />}
      </CardBody>
    </Card>
  );
}

const subSchema = z.object({ name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters') });

function CreateSubAccount({ childKind }: { childKind: 'agency' | 'client' }) {
  const a = useAccount();
  const trpc = useTRPC();
  const form = useForm({ resolver: zodResolver(subSchema), defaultValues: { name: '' } });
  const create = useMutation(trpc.accounts.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const created = await create.mutateAsync({ parentId: a.id, name: v.name, kind: childKind });
      form.reset();
      toast.success(`${created.name} created.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label={`Create ${childKind}`}
      className="flex flex-wrap items-start gap-3 border-t border-slate-100 pt-4"
    >
      <Field
        label={`New ${childKind} name`}
        error={form.formState.errors.name?.message}
        hint={`Currency ${a.currency} and time zone ${a.timeZone}, as ${a.name}.`}
        className="w-full sm:w-80"
      >
        {(p) => <Input {...p} maxLength={200} {...form.register('name')} />}
      </Field>
      <Button type="submit" className="sm:mt-6" disabled={form.formState.isSubmitting}>
        Create {childKind}
      </Button>
      <div className="w-full">
        <FormError message={serverError(form)} />
      </div>
    </form>
  );
}

function CampaignBudgets() {
  const a = useAccount();
  const trpc = useTRPC();
  const campaigns = useQuery(trpc.campaigns.list.queryOptions({ accountId: a.id }));
  // a budget is in its client's currency: one chart per currency, the account's own first, never summed across
  const byCurrency = useMemo(() => {
    const m = new Map<string, Map<string, { client: string; micros: bigint; count: number }>>();
    for (const c of campaigns.data?.items ?? []) {
      const clients = m.get(c.client.currency) ?? new Map<string, { client: string; micros: bigint; count: number }>();
      m.set(c.client.currency, clients);
      const e = clients.get(c.client.id) ?? { client: c.client.name, micros: 0n, count: 0 };
      e.micros += BigInt(c.budgetMicros ?? '0');
      e.count++;
      clients.set(c.client.id, e);
    }
    return [...m]
      .sort(([x], [y]) => (x === a.currency ? -1 : y === a.currency ? 1 : x.localeCompare(y)))
      .map(([currency, clients]) => ({
        currency,
        data: [...clients.values()].map((e) => ({ client: e.client, micros: e.micros.toString(), count: e.count })),
      }));
  }, [campaigns.data, a.currency]);
  const several = byCurrency.length > 1;
  return (
    <Card>
      <CardHeader
        title="Campaign budgets"
        description={
          several
            ? "Planned budget per client, in each client's currency."
            : `Planned budget per client, in ${byCurrency[0]?.currency ?? a.currency}.`
        }
      />
      <CardBody className="space-y-4">
        {campaigns.isPending ? (
          <Skeleton className="h-48 w-full" />
        ) : byCurrency.length === 0 ? (
          <Empty>
            No campaigns yet.{can(a, 'campaigns.edit') ? ' ' : ''}
            {can(a, 'campaigns.edit') && (
              <Link
                to="/accounts/$accountId/campaigns"
                params={{ accountId: a.id }}
                className="text-blue-700 underline"
              >
                Create one
              </Link>
            )}
          </Empty>
        ) : (
          byCurrency.map((g) => (
            <section key={g.currency} aria-label={`Budgets in ${g.currency}`}>
              {several && <h3 className="mb-1 text-sm font-medium text-slate-700">In {g.currency}</h3>}
              <Suspense fallback={<Skeleton className="h-48 w-full" />}>
                <BudgetChart data={g.data} currency={g.currency} />
              </Suspense>
            </section>
          ))
        )}
      </CardBody>
    </Card>
  );
}

function Archive() {
  const a = useAccount();
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const archive = useMutation(trpc.accounts.archive.mutationOptions());
  return (
    <Card>
      <CardHeader
        title="Archive"
        description={
          'Archiving keeps every record and its history; the account accepts no new work and is ' +
          'hidden from default lists. Sub-accounts must be archived first.'
        }
      />
      <CardBody>
        <Button variant="danger" onClick={() => setOpen(true)}>
          Archive {a.name}…
        </Button>
        <ConfirmDialog
          open={open}
          onOpenChange={setOpen}
          title={`Archive ${a.name}?`}
          confirmLabel={`Archive ${a.name}`}
          onConfirm={async () => {
            await archive.mutateAsync({ accountId: a.id });
            toast.success(`${a.name} archived.`);
          }}
        >
          <p>
            {a.name} will accept no new deals, campaigns, seat assignments, top-ups or invitations, and will be hidden
            from default lists.
          </p>
          <p>Its data, members and history stay, and can still be viewed with “Show archived”.</p>
        </ConfirmDialog>
      </CardBody>
    </Card>
  );
}

/** What a platform operator may do to a client: promote a standard one, transfer any to another agency. */
function OperatorClientActions() {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const tree = useQuery(trpc.accounts.tree.queryOptions({}));
  const agencies = useMemo(
    () =>
      (Array.isArray(tree.data) ? flatten(tree.data) : []).filter((x) => x.kind === 'agency' && x.id !== a.parentId),
    [tree.data, a.parentId],
  );
  const [agencyId, setAgencyId] = useState('');
  const [confirm, setConfirm] = useState<'promote' | 'transfer' | null>(null);
  const promote = useMutation(trpc.clients.promote.mutationOptions());
  const transfer = useMutation(trpc.clients.transfer.mutationOptions());
  const target = agencies.find((x) => x.id === agencyId);
  const current = a.ancestors.find((x) => x.kind === 'agency');
  return (
    <Card>
      <CardHeader title="Platform operator" description="Actions only a platform operator may take on a client." />
      <CardBody className="space-y-4">
        {a.clientTier === 'standard' && (
          <div className="flex flex-wrap items-center gap-3">
            <Button onClick={() => setConfirm('promote')}>Promote to premium…</Button>
            <span className="text-sm text-slate-600">It keeps its current agency.</span>
          </div>
        )}
        <form
          className="flex flex-wrap items-start gap-3"
          aria-label="Transfer the client"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) setConfirm('transfer');
          }}
        >
          <Field
            label="Transfer to agency"
            className="w-full sm:w-80"
            hint={current ? `Now with ${current.name}.` : 'Not connected to an agency now.'}
          >
            {(p) => (
              <NativeSelect {...p} value={agencyId} onChange={(e) => setAgencyId(e.target.value)}>
                <option value="">Pick an agency…</option>
                {agencies.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                    {x.path.length ? ` (${x.path.join(' / ')})` : ''}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
          <Button type="submit" className="sm:mt-6" disabled={!target}>
            Transfer…
          </Button>
        </form>
        <ConfirmDialog
          open={confirm === 'promote'}
          onOpenChange={(o) => !o && setConfirm(null)}
          title={`Promote ${a.name} to premium?`}
          confirmLabel="Promote"
          danger={false}
          onConfirm={async () => {
            await promote.mutateAsync({ accountId: a.id });
            toast.success(`${a.name} is now a premium client.`);
          }}
        >
          <p>
            {a.name} becomes a premium client: its own members get every level-3 feature, and its membership list
            becomes the client's alone. It keeps its current agency connection.
          </p>
        </ConfirmDialog>
        <ConfirmDialog
          open={confirm === 'transfer'}
          onOpenChange={(o) => !o && setConfirm(null)}
          title={`Transfer ${a.name} to ${target?.name ?? ''}?`}
          confirmLabel="Transfer"
          onConfirm={async () => {
            await transfer.mutateAsync({ accountId: a.id, agencyId });
            toast.success(`${a.name} moved to ${target?.name}.`);
            setAgencyId('');
            void navigate({ to: '/accounts/$accountId', params: { accountId: a.id } });
          }}
        >
          <p>
            This works like a disconnect followed by a connect:{' '}
            {current
              ? `${current.name}'s and its holding's members lose all access, seats they assigned return to them, ` +
                'and campaigns using their deals are paused. '
              : ''}
            {target?.name} and its holding gain access from now on.
          </p>
        </ConfirmDialog>
      </CardBody>
    </Card>
  );
}
