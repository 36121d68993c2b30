import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { SkeletonRows } from '../../components/ui/skeleton';
import { applyServerErrors, serverError } from '../../lib/forms';
import { DSP_LABEL, DSPS } from '../../lib/labels';
import { formatDate, formatDateTime } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';

type Seat = RouterOutputs['seats']['list']['items'][number];
const col = createColumnHelper<Seat>();
const seatLabel = (s: Seat) => `${DSP_LABEL[s.dsp as keyof typeof DSP_LABEL] ?? s.dsp} ${s.seatId}`;

export function SeatsScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const seats = useQuery(trpc.seats.list.queryOptions({ accountId: a.id }));
  const canLink = can(a, 'seats.link') && a.archivedAt === null;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const columns = useMemo(
    () => [
      col.accessor((s) => seatLabel(s), {
        id: 'seat',
        header: 'Seat',
        cell: (c) => (
          <div>
            <span className="font-medium">{c.getValue()}</span>
            {c.row.original.name && <div className="text-xs text-slate-600">{c.row.original.name}</div>}
          </div>
        ),
      }),
      col.accessor((s) => s.holder.name, {
        id: 'holder',
        // the cell says "mapped to …" itself: a phone card shows it without a repeated label
        header: 'Holder',
        cell: (c) => (
          <div>
            <span>
              mapped to{' '}
              <Link
                to="/accounts/$accountId/seats"
                params={{ accountId: c.row.original.holder.id }}
                className="text-blue-800 hover:underline"
              >
                {c.getValue()}
              </Link>
            </span>
            <div className="text-xs text-slate-600">since {formatDate(c.row.original.heldSince, a.timeZone)}</div>
          </div>
        ),
      }),
      col.display({ id: 'assign', header: 'Move', cell: (c) => <AssignSeat seat={c.row.original} /> }),
      col.display({
        id: 'history',
        header: () => <span className="sr-only">History</span>,
        cell: (c) => (
          <Button variant="link" aria-expanded={open.has(c.row.original.id)} onClick={() => toggle(c.row.original.id)}>
            {open.has(c.row.original.id) ? 'Hide history' : 'History'}
          </Button>
        ),
      }),
    ],
    [a.timeZone, open],
  );
  return (
    <>
      {canLink && <LinkSeat />}
      <Card>
        <CardHeader
          title="Seats mapped here and below"
          description={
            a.parentId === null && a.kind === 'client'
              ? "A standalone client links its own DSP seats; each seat's history shows every holder."
              : 'A DSP seat is linked at level 1 and assigned down the tree; its history shows every holder.'
          }
        />
        <CardBody>
          <FormError message={errorMessage(seats.error)} />
          <DataTable
            caption={`DSP seats of ${a.name}`}
            testId="seats"
            columns={columns}
            data={seats.data?.items}
            loading={seats.isPending}
            noun={['seat', 'seats']}
            rowTestId={(s) => `seat-${s.seatId}`}
            empty={
              canLink
                ? 'No seats yet. Link a DSP seat above.'
                : 'No seats are mapped to this account or below it. Seats are linked at level 1 and assigned down the tree.'
            }
            renderSubRow={(row) =>
              open.has(row.original.id) ? (
                <tr>
                  <td colSpan={4} className="bg-slate-50 px-4 py-2">
                    <SeatHistory seat={row.original} />
                  </td>
                </tr>
              ) : null
            }
          />
        </CardBody>
      </Card>
    </>
  );
}

function SeatHistory({ seat }: { seat: Seat }) {
  const a = useAccount();
  const trpc = useTRPC();
  const history = useQuery(trpc.seats.history.queryOptions({ seatId: seat.id }));
  if (history.isPending) return <SkeletonRows rows={2} />;
  return (
    <>
      <FormError message={errorMessage(history.error)} />
      <ul
        className="space-y-0.5 text-sm"
        data-testid={`history-${seat.seatId}`}
        aria-label={`History of ${seatLabel(seat)}`}
      >
        {history.data?.items.map((h, i) => (
          <li key={i}>
            {h.accountName}: from {formatDateTime(h.effectiveFrom, a.timeZone)}
            {h.effectiveTo ? ` to ${formatDateTime(h.effectiveTo, a.timeZone)}` : ' (current)'}
          </li>
        ))}
      </ul>
    </>
  );
}

type Target = RouterOutputs['seats']['targets']['items'][number];

/** The picker's targets grouped by the agency they sit in (the holding and standalone clients first, ungrouped). */
function groupByAgency(items: readonly Target[]): [string | null, Target[]][] {
  const groups = new Map<string | null, Target[]>();
  for (const t of items) {
    const k = t.agency?.name ?? null;
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  // within a group: the agency itself first, then its clients by name
  for (const g of groups.values()) g.sort((x, y) => x.level - y.level || x.name.localeCompare(y.name));
  return [...groups].sort(([x], [y]) => (x === null ? -1 : y === null ? 1 : x.localeCompare(y)));
}

function TargetOption({ t }: { t: Target }) {
  return (
    <option value={t.id}>
      {t.name}
      {t.move === 'assign-down' ? '' : ' (take back)'}
    </option>
  );
}

function AssignSeat({ seat }: { seat: Seat }) {
  const trpc = useTRPC();
  const [target, setTarget] = useState('');
  const targets = useQuery(trpc.seats.targets.queryOptions({ seatId: seat.id }));
  const assign = useMutation(
    trpc.seats.assign.mutationOptions({
      onSuccess: (s) => {
        setTarget('');
        toast.success(`${seatLabel(s)} is now mapped to ${s.holder.name}.`);
      },
    }),
  );
  const label = seatLabel(seat);
  if (!targets.data) return null;
  if (targets.data.items.length === 0) return <span className="text-xs text-slate-600">No move you may make</span>;
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      aria-label={`Assign ${label}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (target) assign.mutate({ seatId: seat.id, accountId: target });
      }}
    >
      <NativeSelect
        aria-label={`New holder of ${label}`}
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        className="w-44"
      >
        <option value="">Assign to…</option>
        {groupByAgency(targets.data.items).map(([agency, items]) =>
          agency === null ? (
            items.map((t) => <TargetOption key={t.id} t={t} />)
          ) : (
            <optgroup key={agency} label={agency}>
              {items.map((t) => (
                <TargetOption key={t.id} t={t} />
              ))}
            </optgroup>
          ),
        )}
      </NativeSelect>
      <Button type="submit" size="sm" variant="secondary" disabled={!target || assign.isPending}>
        Assign
      </Button>
      {assign.error && (
        <p role="alert" className="w-full text-xs text-red-700">
          {assign.error.message}
        </p>
      )}
    </form>
  );
}

const schema = z.object({
  dsp: z.enum(DSPS as [string, ...string[]]),
  seatId: z.string().trim().min(1, 'required').max(200, 'at most 200 characters'),
  name: z.string().trim().max(120, 'at most 120 characters'),
});

function LinkSeat() {
  const a = useAccount();
  const trpc = useTRPC();
  const form = useForm({ resolver: zodResolver(schema), defaultValues: { dsp: 'dv360', seatId: '', name: '' } });
  const link = useMutation(trpc.seats.link.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const s = await link.mutateAsync({
        accountId: a.id,
        dsp: v.dsp as (typeof DSPS)[number],
        seatId: v.seatId,
        ...(v.name.trim() ? { name: v.name.trim() } : {}),
      });
      form.reset({ dsp: v.dsp, seatId: '', name: '' });
      toast.success(`${seatLabel(s)} linked.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  const { errors } = form.formState;
  return (
    <Card>
      <CardHeader
        title="Link a DSP seat"
        description={
          a.level === 1
            ? 'Seats are linked here and assigned down to agencies and clients.'
            : 'A standalone premium client links its own seats, one per DSP.'
        }
      />
      <CardBody>
        <form
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Link a seat"
          className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-[14rem_1fr_1fr_auto] lg:items-start"
        >
          <Field label="DSP" error={errors.dsp?.message}>
            {(p) => (
              <NativeSelect {...p} {...form.register('dsp')}>
                {DSPS.map((d) => (
                  <option key={d} value={d}>
                    {DSP_LABEL[d]}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
          <Field label="Seat id" error={errors.seatId?.message}>
            {(p) => <Input {...p} autoComplete="off" {...form.register('seatId')} />}
          </Field>
          <Field label="Label (optional)" error={errors.name?.message}>
            {(p) => <Input {...p} {...form.register('name')} />}
          </Field>
          <Button type="submit" className="lg:mt-6" disabled={form.formState.isSubmitting}>
            Link seat
          </Button>
          <div className="sm:col-span-2 lg:col-span-4">
            <FormError message={serverError(form)} />
          </div>
        </form>
      </CardBody>
    </Card>
  );
}
