import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Empty } from '../../components/ui/empty';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { formatMoney } from '../../lib/money';
import { moneyString, toMicros } from '../../lib/money-field';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';

type Campaign = RouterOutputs['campaigns']['list']['items'][number];
/** The reason spend beyond the balance pauses a campaign with (SPEC 6). */
const OUT_OF_CREDIT = 'paused: out of credit';
const col = createColumnHelper<Campaign>();

export function CampaignsScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const campaigns = useQuery(trpc.campaigns.list.queryOptions({ accountId: a.id }));
  const update = useMutation(trpc.campaigns.update.mutationOptions({ onError: (e) => toast.error(e.message) }));
  const canEdit = can(a, 'campaigns.edit');
  const [pausing, setPausing] = useState<Campaign | null>(null);
  const columns = useMemo(
    () => [
      col.accessor('name', { header: 'Campaign', cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((c) => c.client.name, {
        id: 'client',
        header: 'Client',
        cell: (c) => (
          <Link
            to="/accounts/$accountId/campaigns"
            params={{ accountId: c.row.original.client.id }}
            className="text-blue-800 hover:underline"
          >
            {c.getValue()}
          </Link>
        ),
      }),
      col.accessor('status', {
        header: 'Status',
        cell: (c) => (
          <div>
            <Badge tone={c.getValue() === 'active' ? 'green' : 'amber'}>{c.getValue()}</Badge>
            {c.row.original.pausedReason && (
              <div className="mt-0.5 max-w-64 text-xs text-slate-600">{c.row.original.pausedReason}</div>
            )}
            {c.row.original.status === 'paused' &&
              c.row.original.pausedReason === OUT_OF_CREDIT &&
              can(a, 'credits.topUp') && (
                <Link
                  to="/accounts/$accountId/billing"
                  params={{ accountId: c.row.original.client.id }}
                  className="text-xs text-blue-800 underline"
                >
                  Top up {c.row.original.client.name}
                </Link>
              )}
          </div>
        ),
      }),
      col.accessor((c) => BigInt(c.budgetMicros ?? '-1'), {
        id: 'budget',
        header: 'Budget',
        sortingFn: (x, y) => {
          const p = x.getValue<bigint>('budget'),
            q = y.getValue<bigint>('budget');
          return p < q ? -1 : p > q ? 1 : 0;
        },
        cell: (c) => (
          <span className="whitespace-nowrap tabular-nums">
            {c.row.original.budgetMicros ? (
              formatMoney(c.row.original.budgetMicros, c.row.original.client.currency)
            ) : (
              <span className="text-slate-500">no budget</span>
            )}
          </span>
        ),
      }),
      ...(canEdit
        ? [
            col.display({
              id: 'actions',
              header: () => <span className="sr-only">Actions</span>,
              cell: (c) => {
                const x = c.row.original;
                return x.status === 'active' ? (
                  <Button variant="link" onClick={() => setPausing(x)}>
                    Pause…
                  </Button>
                ) : (
                  <Button
                    variant="link"
                    onClick={() =>
                      update.mutate(
                        { campaignId: x.id, status: 'active' },
                        { onSuccess: () => toast.success(`${x.name} resumed.`) },
                      )
                    }
                  >
                    Resume
                  </Button>
                );
              },
            }),
          ]
        : []),
    ],
    [a, canEdit, update],
  );
  return (
    <>
      {canEdit && a.archivedAt === null && <CreateCampaign />}
      <Card>
        <CardHeader
          title="Campaigns"
          description={a.kind === 'client' ? `Campaigns of ${a.name}.` : `Campaigns of the clients of ${a.name}.`}
        />
        <CardBody>
          <FormError message={errorMessage(campaigns.error)} />
          <DataTable
            caption={`Campaigns of ${a.name}`}
            testId="campaigns"
            columns={columns}
            data={campaigns.data?.items}
            loading={campaigns.isPending}
            noun={['campaign', 'campaigns']}
            filterPlaceholder="Filter campaigns"
            empty="No campaigns yet."
          />
        </CardBody>
      </Card>
      <ConfirmDialog
        open={pausing !== null}
        onOpenChange={(o) => !o && setPausing(null)}
        title={`Pause ${pausing?.name ?? ''}?`}
        confirmLabel="Pause campaign"
        onConfirm={async () => {
          await update.mutateAsync({ campaignId: pausing!.id, status: 'paused' });
          toast.success(`${pausing!.name} paused.`);
        }}
      >
        <p>
          {pausing?.name} (for {pausing?.client.name}) stops spending until someone resumes it. Its budget and deals
          stay as they are.
        </p>
      </ConfirmDialog>
    </>
  );
}

const schema = z.object({
  clientId: z.string().min(1, 'pick a client'),
  name: z.string().trim().min(1, 'required').max(200, 'at most 200 characters'),
  budget: moneyString({ optional: true }),
});

function CreateCampaign() {
  const a = useAccount();
  const trpc = useTRPC();
  const clients = useQuery({ ...trpc.clients.list.queryOptions({ accountId: a.id }), enabled: a.kind !== 'client' });
  const choices =
    a.kind === 'client' ? [{ id: a.id, name: a.name, currency: a.currency }] : (clients.data?.items ?? []);
  const form = useForm({
    resolver: zodResolver(schema),
    values: { clientId: choices[0]?.id ?? '', name: '', budget: '' },
    resetOptions: { keepDirtyValues: true },
  });
  const create = useMutation(trpc.campaigns.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const budgetMicros = v.budget.trim() ? toMicros(v.budget) : null;
      const c = await create.mutateAsync({
        clientId: v.clientId,
        name: v.name,
        ...(budgetMicros ? { budgetMicros } : {}),
      });
      form.reset({ clientId: v.clientId, name: '', budget: '' });
      toast.success(`Campaign ${c.name} created.`);
    } catch (e) {
      applyServerErrors(form, e, { budgetMicros: 'budget' });
    }
  });
  const { errors } = form.formState;
  // the campaign is made in its client's currency, whatever the viewed account's
  const chosen = form.watch('clientId');
  const currency = choices.find((c) => c.id === chosen)?.currency ?? a.currency;
  return (
    <Card>
      <CardHeader title="Create a campaign" />
      <CardBody>
        {a.kind !== 'client' && clients.isSuccess && choices.length === 0 ? (
          <Empty data-testid="create-client-first">
            A campaign belongs to a client, and {a.name} has none yet.{' '}
            <Link to="/accounts/$accountId" params={{ accountId: a.id }} className="text-blue-700 underline">
              Create a client first
            </Link>
            .
          </Empty>
        ) : (
          <form
            onSubmit={(e) => void submit(e)}
            noValidate
            aria-label="Create a campaign"
            className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_12rem_auto] lg:items-start"
          >
            <Field label="Client" error={errors.clientId?.message}>
              {(p) => (
                <NativeSelect {...p} {...form.register('clientId')}>
                  {choices.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </NativeSelect>
              )}
            </Field>
            <Field label="Campaign name" error={errors.name?.message}>
              {(p) => <Input {...p} {...form.register('name')} />}
            </Field>
            <Field label={`Budget (${currency}, optional)`} error={errors.budget?.message}>
              {(p) => <Input {...p} inputMode="decimal" {...form.register('budget')} />}
            </Field>
            <Button type="submit" className="lg:mt-6" disabled={form.formState.isSubmitting}>
              Create campaign
            </Button>
            <div className="sm:col-span-2 lg:col-span-4">
              <FormError message={serverError(form)} />
            </div>
          </form>
        )}
      </CardBody>
    </Card>
  );
}
