import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { DEAL_TYPE_LABEL, DEAL_TYPES, DSP_LABEL, DSPS } from '../../lib/labels';
import { currencies, formatMoney } from '../../lib/money';
import { moneyString, toMicros } from '../../lib/money-field';
import { formatDate, zonedToIso } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';
import type { DealsSearch } from './search';

type Deal = RouterOutputs['deals']['list']['items'][number];
const col = createColumnHelper<Deal>();

export const flight = (d: { startsAt: string | null; endsAt: string | null }, tz: string) =>
  d.startsAt || d.endsAt
    ? `${d.startsAt ? formatDate(d.startsAt, tz) : '…'} – ${d.endsAt ? formatDate(d.endsAt, tz) : '…'}`
    : 'open';
export const dspNames = (dsps: string[]) => dsps.map((x) => DSP_LABEL[x as keyof typeof DSP_LABEL] ?? x).join(', ');

export function DealsScreen({ search }: { search: DealsSearch }) {
  const a = useAccount();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const pages = search.pages ?? [];
  const cursor = pages.at(-1);
  const list = useQuery(trpc.deals.list.queryOptions({ accountId: a.id, limit: 50, ...(cursor ? { cursor } : {}) }));
  const canEdit = can(a, 'deals.edit') && a.archivedAt === null;
  const columns = useMemo(
    () => [
      col.accessor('name', {
        header: 'Deal',
        cell: (c) => (
          <div>
            <Link
              to="/deals/$dealId"
              params={{ dealId: c.row.original.id }}
              className="font-medium text-blue-800 hover:underline"
            >
              {c.getValue()}
            </Link>
            <div className="text-xs text-slate-600">{c.row.original.dealId}</div>
          </div>
        ),
      }),
      col.accessor('publisher', { header: 'Publisher' }),
      col.accessor((d) => DEAL_TYPE_LABEL[d.type], { id: 'type', header: 'Type' }),
      col.accessor((d) => BigInt(d.cpmMicros), {
        id: 'cpm',
        header: 'CPM',
        sortingFn: (x, y) => {
          const p = x.getValue<bigint>('cpm'),
            q = y.getValue<bigint>('cpm');
          return p < q ? -1 : p > q ? 1 : 0;
        },
        cell: (c) => (
          <span className="whitespace-nowrap tabular-nums">
            {formatMoney(c.row.original.cpmMicros, c.row.original.currency)} CPM
          </span>
        ),
      }),
      col.accessor((d) => dspNames(d.dsps), { id: 'dsps', header: 'DSPs' }),
      col.accessor((d) => d.startsAt ?? '', {
        id: 'flight',
        header: 'Flight',
        cell: (c) => <span className="whitespace-nowrap">{flight(c.row.original, a.timeZone)}</span>,
      }),
      col.accessor('source', {
        header: 'Source',
        cell: (c) => (
          <div className="flex flex-wrap gap-1">
            {c.getValue() === 'owned' ? (
              <Badge tone="green">owned</Badge>
            ) : (
              <Badge tone="blue">inherited from {c.row.original.owner.name}</Badge>
            )}
            {c.row.original.publisherInitiated && <Badge>publisher-initiated</Badge>}
          </div>
        ),
      }),
    ],
    [a.timeZone],
  );
  const below = a.kind === 'client' ? '' : ' It is shared with every account below this one.';
  return (
    <>
      {canEdit && <CreateDeal />}
      <Card>
        <CardHeader
          title={a.kind === 'client' ? 'Deals this client may use' : 'Deals this account may use'}
          description={
            a.kind === 'client' && a.parentId === null
              ? 'Its own deals: a standalone client has no agency or holding above it.'
              : a.kind === 'client'
                ? 'Its own deals and those of its agency and holding.'
                : 'Its own deals and those of the accounts above it.'
          }
        />
        <CardBody>
          <FormError message={errorMessage(list.error)} />
          <DataTable
            caption={`Deals of ${a.name}`}
            testId="deals"
            columns={columns}
            data={list.data?.items}
            loading={list.isPending}
            noun={['deal', 'deals']}
            filterPlaceholder="Filter deals"
            filter={search.q ?? ''}
            onFilterChange={(q) =>
              void navigate({ to: '.', search: (s: DealsSearch) => ({ ...s, q: q || undefined }), replace: true })
            }
            empty={`No deals yet.${canEdit ? ` Create one above.${below}` : ''}`}
            cursor={{
              hasPrevious: pages.length > 0,
              hasNext: Boolean(list.data?.nextCursor),
              onPrevious: () =>
                void navigate({ to: '.', search: (s: DealsSearch) => ({ ...s, pages: pages.slice(0, -1) }) }),
              onNext: () =>
                void navigate({
                  to: '.',
                  search: (s: DealsSearch) => ({ ...s, pages: [...pages, list.data!.nextCursor!] }),
                }),
            }}
          />
        </CardBody>
      </Card>
    </>
  );
}

const day = z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, 'a date');
const schema = z
  .object({
    name: z.string().trim().min(1, 'required').max(200, 'at most 200 characters'),
    publisher: z.string().trim().min(1, 'required').max(200, 'at most 200 characters'),
    type: z.enum(DEAL_TYPES as [string, ...string[]]),
    cpm: moneyString(),
    currency: z.string().length(3, 'pick a currency'),
    startsAt: day,
    endsAt: day,
    dealId: z.string().trim().max(200, 'at most 200 characters'),
    dsps: z.array(z.string()).min(1, 'pick at least one DSP'),
  })
  .refine((v) => !v.startsAt || !v.endsAt || v.startsAt <= v.endsAt, {
    path: ['endsAt'],
    message: 'must not be before the start',
  });
type Values = z.infer<typeof schema>;

function CreateDeal() {
  const a = useAccount();
  const trpc = useTRPC();
  const multi = a.level === 1;
  const cs = useMemo(currencies, []);
  const empty: Values = {
    name: '',
    publisher: '',
    type: DEAL_TYPES[0]!,
    cpm: '',
    currency: a.currency,
    startsAt: '',
    endsAt: '',
    dealId: '',
    dsps: ['dv360'],
  };
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: empty });
  const create = useMutation(trpc.deals.create.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const d = await create.mutateAsync({
        accountId: a.id,
        name: v.name,
        publisher: v.publisher,
        type: v.type as (typeof DEAL_TYPES)[number],
        cpmMicros: toMicros(v.cpm)!,
        currency: v.currency,
        dsps: v.dsps,
        ...(v.startsAt ? { startsAt: zonedToIso(v.startsAt, '00:00:00', a.timeZone) } : {}),
        ...(v.endsAt ? { endsAt: zonedToIso(v.endsAt, '23:59:59', a.timeZone) } : {}),
        ...(v.dealId.trim() ? { dealId: v.dealId.trim() } : {}),
      });
      form.reset({ ...empty, type: v.type, currency: v.currency, dsps: v.dsps });
      toast.success(`Deal ${d.name} created.`);
    } catch (e) {
      applyServerErrors(form, e, { cpmMicros: 'cpm' });
    }
  });
  const { errors } = form.formState;
  const currency = form.watch('currency');
  return (
    <Card>
      <CardHeader
        title="Create a deal"
        description={
          'A direct deal with a publisher.' +
          (a.kind === 'client' ? '' : ' It is shared with every account below this one.') +
          (multi ? '' : ' Only level-1 deals may span several DSPs.')
        }
      />
      <CardBody>
        <form
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Create a deal"
          className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-start"
        >
          <Field label="Deal name" error={errors.name?.message}>
            {(p) => <Input {...p} {...form.register('name')} />}
          </Field>
          <Field label="Publisher" error={errors.publisher?.message}>
            {(p) => <Input {...p} {...form.register('publisher')} />}
          </Field>
          <Field label="Type" error={errors.type?.message}>
            {(p) => (
              <NativeSelect {...p} {...form.register('type')}>
                {DEAL_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {DEAL_TYPE_LABEL[t]}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
          <Field label={`CPM (${currency})`} error={errors.cpm?.message} hint="e.g. 2.75">
            {(p) => <Input {...p} inputMode="decimal" {...form.register('cpm')} />}
          </Field>
          <Field label="Currency" error={errors.currency?.message}>
            {(p) => (
              <NativeSelect {...p} {...form.register('currency')}>
                {cs.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
          <Field label="Starts" error={errors.startsAt?.message} hint={`In ${a.timeZone}; optional.`}>
            {(p) => <Input {...p} type="date" {...form.register('startsAt')} />}
          </Field>
          <Field label="Ends" error={errors.endsAt?.message} hint="Optional.">
            {(p) => <Input {...p} type="date" {...form.register('endsAt')} />}
          </Field>
          <Field label="Deal id (optional)" error={errors.dealId?.message} hint="Generated when empty.">
            {(p) => <Input {...p} {...form.register('dealId')} />}
          </Field>
          <Controller
            control={form.control}
            name="dsps"
            render={({ field, fieldState }) => (
              <fieldset
                className="sm:col-span-2 lg:col-span-3"
                aria-describedby={fieldState.error ? 'dsps-error' : undefined}
                aria-invalid={Boolean(fieldState.error)}
              >
                <legend className="text-sm font-medium text-slate-700">{multi ? 'DSPs' : 'DSP'}</legend>
                <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
                  {DSPS.map((d) => (
                    <label key={d} className="flex min-h-10 items-center gap-2 text-sm">
                      <input
                        type={multi ? 'checkbox' : 'radio'}
                        name="dsps"
                        className="size-4"
                        checked={field.value.includes(d)}
                        onChange={(e) =>
                          field.onChange(
                            multi ? (e.target.checked ? [...field.value, d] : field.value.filter((x) => x !== d)) : [d],
                          )
                        }
                      />
                      {DSP_LABEL[d]}
                    </label>
                  ))}
                </div>
                <p
                  id="dsps-error"
                  className={fieldState.error ? 'field-error min-h-4 text-xs text-red-700' : 'min-h-4 text-xs'}
                >
                  {fieldState.error?.message ?? ''}
                </p>
              </fieldset>
            )}
          />
          <Button type="submit" className="self-start lg:mt-6" disabled={form.formState.isSubmitting}>
            Create deal
          </Button>
          <div className="sm:col-span-2 lg:col-span-4">
            <FormError message={serverError(form)} />
          </div>
        </form>
      </CardBody>
    </Card>
  );
}
