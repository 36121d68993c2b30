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
import { ConfirmDialog, Dialog, DialogContent } from '../../components/ui/dialog';
import { Empty } from '../../components/ui/empty';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { Money } from '../../components/money';
import { microsToDecimal } from '../../lib/money';
import { formatCount } from '../../lib/numbers';
import { formatCalendarDay } from '../../lib/time';
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
  const [editing, setEditing] = useState<Campaign | null>(null);
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
        sortDescFirst: true,
        sortingFn: (x, y) => {
          const p = x.getValue<bigint>('budget'),
            q = y.getValue<bigint>('budget');
          return p < q ? -1 : p > q ? 1 : 0;
        },
        cell: (c) => (
          <span className="whitespace-nowrap tabular-nums">
            {c.row.original.budgetMicros ? (
              <Money micros={c.row.original.budgetMicros} currency={c.row.original.client.currency} />
            ) : (
              <span className="text-slate-500">no budget</span>
            )}
          </span>
        ),
      }),
      col.accessor((c) => BigInt(c.spentMicros), {
        id: 'spent',
        header: 'Spend to date',
        // the highest spend first; on a phone, the figure beside the campaign's name
        sortDescFirst: true,
        meta: { card: 'figure' },
        sortingFn: (x, y) => {
          const p = x.getValue<bigint>('spent'),
            q = y.getValue<bigint>('spent');
          return p < q ? -1 : p > q ? 1 : 0;
        },
        cell: (c) => (
          <Money
            className="whitespace-nowrap tabular-nums"
            micros={c.row.original.spentMicros}
            currency={c.row.original.client.currency}
          />
        ),
      }),
      col.accessor((c) => c.pacing.spentPercent ?? -1, {
        id: 'pacing',
        header: 'Pacing',
        sortDescFirst: true,
        cell: (c) => <PacingCell c={c.row.original} />,
      }),
      ...(canEdit
        ? [
            col.display({
              id: 'actions',
              header: () => <span className="sr-only">Actions</span>,
              meta: { card: 'actions' as const },
              cell: (c) => {
                const x = c.row.original;
                const toggle =
                  x.status === 'active' ? (
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
                return (
                  <div className="flex gap-1">
                    <Button variant="link" onClick={() => setEditing(x)}>
                      Edit…
                    </Button>
                    {toggle}
                  </div>
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
      <Dialog open={editing !== null} onOpenChange={(o) => !o && setEditing(null)}>
        {editing && (
          <DialogContent title={`Edit ${editing.name}`} description={`A campaign of ${editing.client.name}.`}>
            <EditCampaign campaign={editing} onDone={() => setEditing(null)} />
          </DialogContent>
        )}
      </Dialog>
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

const PACING_LABEL: Record<Campaign['pacing']['state'], string> = {
  no_budget: 'no budget',
  spent: 'budget spent',
  not_started: 'not started',
  ended: 'flight ended',
  ahead: 'ahead',
  on_track: 'on track',
  behind: 'behind',
  unscheduled: 'no flight',
};
const PACING_TONE = { ahead: 'amber', behind: 'amber', spent: 'amber', on_track: 'green' } as const;

/** A campaign's flight in a table, its days written as every table writes days (the deals' flights too). */
const flightWords = (startsOn: string | null, endsOn: string | null) =>
  `${startsOn ? formatCalendarDay(startsOn) : '…'} – ${endsOn ? formatCalendarDay(endsOn) : '…'}`;

function PacingCell({ c }: { c: Campaign }) {
  const p = c.pacing;
  return (
    <div className="text-sm" data-testid={`pacing-${c.name}`}>
      <Badge tone={PACING_TONE[p.state as keyof typeof PACING_TONE] ?? 'neutral'}>{PACING_LABEL[p.state]}</Badge>
      {p.spentPercent !== null && (
        <div className="text-xs text-slate-600">{formatCount(p.spentPercent)}% of budget</div>
      )}
      {(c.startsOn ?? c.endsOn) && <div className="text-xs text-slate-600">{flightWords(c.startsOn, c.endsOn)}</div>}
    </div>
  );
}

const flightDay = z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'a day, YYYY-MM-DD');
const flight = {
  startsOn: flightDay,
  endsOn: flightDay,
};
const endsAfterStart = (v: { startsOn: string; endsOn: string }) => !v.startsOn || !v.endsOn || v.endsOn >= v.startsOn;
const schema = z
  .object({
    // empty: the first client offered (the select shows it)
    clientId: z.string(),
    name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
    budget: moneyString({ optional: true }),
    ...flight,
  })
  .refine(endsAfterStart, { path: ['endsOn'], message: 'the flight ends before it starts' });

function CreateCampaign() {
  const a = useAccount();
  const trpc = useTRPC();
  const clients = useQuery({ ...trpc.clients.list.queryOptions({ accountId: a.id }), enabled: a.kind !== 'client' });
  const choices =
    a.kind === 'client' ? [{ id: a.id, name: a.name, currency: a.currency }] : (clients.data?.items ?? []);
  // plain default values: a `values` prop re-applies the form's last values whenever the lists refetch after a
  // Create, so the form kept the name and budget and a second click made a duplicate
  const form = useForm({
    resolver: zodResolver(schema),
    // a client's own page: its one choice is selected (an empty value would show a blank select)
    defaultValues: { clientId: a.kind === 'client' ? a.id : '', name: '', budget: '', startsOn: '', endsOn: '' },
  });
  const firstChoice = choices[0]?.id ?? '';
  const clientsLoading = a.kind !== 'client' && clients.isPending;
  const create = useMutation(trpc.campaigns.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const budgetMicros = v.budget.trim() ? toMicros(v.budget) : null;
      const clientId = v.clientId || firstChoice;
      if (!clientId) {
        form.setError('clientId', { message: 'pick a client' });
        return;
      }
      const c = await create.mutateAsync({
        clientId,
        name: v.name,
        ...(budgetMicros ? { budgetMicros } : {}),
        ...(v.startsOn ? { startsOn: v.startsOn } : {}),
        ...(v.endsOn ? { endsOn: v.endsOn } : {}),
      });
      form.reset({ clientId, name: '', budget: '', startsOn: '', endsOn: '' });
      toast.success(`Campaign ${c.name} created.`);
    } catch (e) {
      applyServerErrors(form, e, { budgetMicros: 'budget' });
    }
  });
  const { errors } = form.formState;
  // the campaign is made in its client's currency, whatever the viewed account's
  const chosen = form.watch('clientId') || firstChoice;
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
                  {clientsLoading && <option value="">Loading clients…</option>}
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
            <Field label="Flight starts (optional)" error={errors.startsOn?.message}>
              {(p) => <Input {...p} type="date" {...form.register('startsOn')} />}
            </Field>
            <Field label="Flight ends (optional)" error={errors.endsOn?.message}>
              {(p) => <Input {...p} type="date" {...form.register('endsOn')} />}
            </Field>
            {/* not before the clients are known: a click then would find no client to make the campaign for */}
            <Button type="submit" className="lg:mt-6" disabled={form.formState.isSubmitting || clientsLoading}>
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

const editSchema = z
  .object({
    name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
    budget: moneyString({ optional: true }),
    ...flight,
    dealIds: z.array(z.string()),
  })
  .refine(endsAfterStart, { path: ['endsOn'], message: 'the flight ends before it starts' });

/** Name, budget, flight and deals of a campaign; the deals offered are those its client may use. */
function EditCampaign({ campaign, onDone }: { campaign: Campaign; onDone: () => void }) {
  const trpc = useTRPC();
  const deals = useQuery(trpc.deals.list.queryOptions({ accountId: campaign.client.id }));
  const form = useForm({
    resolver: zodResolver(editSchema),
    defaultValues: {
      name: campaign.name,
      budget: campaign.budgetMicros ? microsToDecimal(campaign.budgetMicros) : '',
      startsOn: campaign.startsOn ?? '',
      endsOn: campaign.endsOn ?? '',
      dealIds: campaign.dealIds,
    },
  });
  const update = useMutation(trpc.campaigns.update.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const c = await update.mutateAsync({
        campaignId: campaign.id,
        name: v.name,
        budgetMicros: v.budget.trim() ? toMicros(v.budget) : null,
        startsOn: v.startsOn || null,
        endsOn: v.endsOn || null,
        dealIds: v.dealIds,
      });
      toast.success(`${c.name} saved.`);
      onDone();
    } catch (e) {
      applyServerErrors(form, e, { budgetMicros: 'budget' });
    }
  });
  const { errors } = form.formState;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Edit campaign" className="grid gap-x-4">
      <Field label="Campaign name" error={errors.name?.message}>
        {(p) => <Input {...p} {...form.register('name')} />}
      </Field>
      <Field label={`Budget (${campaign.client.currency}, optional)`} error={errors.budget?.message}>
        {(p) => <Input {...p} inputMode="decimal" {...form.register('budget')} />}
      </Field>
      <div className="grid gap-x-4 sm:grid-cols-2">
        <Field label="Flight starts" error={errors.startsOn?.message}>
          {(p) => <Input {...p} type="date" {...form.register('startsOn')} />}
        </Field>
        <Field label="Flight ends" error={errors.endsOn?.message}>
          {(p) => <Input {...p} type="date" {...form.register('endsOn')} />}
        </Field>
      </div>
      <fieldset className="mb-4">
        <legend className="text-sm font-medium">Deals {campaign.client.name} may use</legend>
        {deals.data?.items.length === 0 && <p className="text-sm text-slate-600">No deals to use.</p>}
        {deals.data?.items.map((d) => (
          <label key={d.id} className="flex items-center gap-2 text-sm">
            <input type="checkbox" value={d.id} {...form.register('dealIds')} />
            {d.name}
          </label>
        ))}
        {errors.dealIds?.message && <p className="text-xs text-red-700">{errors.dealIds.message}</p>}
      </fieldset>
      <FormError message={serverError(form)} />
      <Button type="submit" disabled={form.formState.isSubmitting}>
        Save campaign
      </Button>
    </form>
  );
}
