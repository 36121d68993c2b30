import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { Check, Copy, KeyRound, TriangleAlert } from 'lucide-react';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { ConfirmDialog, Dialog, DialogContent } from '../../components/ui/dialog';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { Skeleton } from '../../components/ui/skeleton';
import { formatCount } from '../../lib/numbers';
import { applyServerErrors, serverError } from '../../lib/forms';
import { formatDateTime } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';
import { correctionWindowText, formatLag, parseWindowDays, reasonLabel } from './format';

type Batch = RouterOutputs['spend']['status']['batches'][number];
type Key = RouterOutputs['ingestKeys']['list']['items'][number];

/** How often the status is fetched again while the page is open (the worker rolls up every few seconds). */
export const STATUS_REFRESH_MS = 10_000;

/**
 * The ingestion page of a root account (SPEC 7, 13): the rollup watermark and its lag, the records still to roll up,
 * the correction window, the recent batches (API and CLI) with their counts and reject reasons, and, for its admins,
 * the root's ingest keys.
 */
export function IngestionScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const manageKeys = can(a, 'ingestKeys.manage');
  const status = useQuery({
    ...trpc.spend.status.queryOptions({ accountId: a.id }),
    refetchInterval: STATUS_REFRESH_MS,
  });
  // the keys' last use and batch counts move with every batch: refreshed with the status
  const keys = useQuery({
    ...trpc.ingestKeys.list.queryOptions({ accountId: a.id }),
    refetchInterval: STATUS_REFRESH_MS,
    enabled: manageKeys,
  });
  return (
    <>
      <Status status={status} />
      <CorrectionWindow status={status} />
      <Batches status={status} keys={manageKeys ? keys.data?.items : undefined} />
      {manageKeys && <Keys keys={keys} />}
    </>
  );
}

/** What a section needs of a query: its data, its error, whether it is still loading. */
interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
}
type StatusQuery = Loaded<RouterOutputs['spend']['status']>;

function Status({ status }: { status: StatusQuery }) {
  const a = useAccount();
  const s = status.data;
  return (
    <Card>
      <CardHeader
        title="Rollup status"
        description={
          `Reports of ${a.name} and its accounts are complete up to the watermark; records ingested after it are ` +
          `still waiting for the worker. Refreshed every ${STATUS_REFRESH_MS / 1000} seconds.`
        }
      />
      <CardBody>
        <FormError message={errorMessage(status.error)} />
        {s ? (
          <dl className="grid gap-4 sm:grid-cols-3" data-testid="ingestion-status">
            <Stat
              label="Complete until"
              testId="complete-until"
              value={s.completeUntil ? formatDateTime(s.completeUntil, a.timeZone) : 'nothing rolled up yet'}
              hint={a.timeZone}
            />
            <Stat
              label="Lag"
              testId="lag"
              value={formatLag(s.lagSeconds)}
              hint={s.lagSeconds > 0 ? 'age of the oldest record not yet rolled up' : 'every record is rolled up'}
            />
            <Stat
              label="Pending records"
              testId="pending"
              value={formatCount(s.pendingRecords)}
              hint="stored, not yet in reports or credits"
            />
          </dl>
        ) : status.isPending ? (
          <div role="status" aria-label="Loading the status" className="grid gap-4 sm:grid-cols-3">
            <Skeleton className="h-12" />
            <Skeleton className="h-12" />
            <Skeleton className="h-12" />
          </div>
        ) : null}
      </CardBody>
    </Card>
  );
}

function Stat({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd data-testid={testId} className="mt-1 text-xl font-semibold tabular-nums break-words text-slate-900">
        {value}
      </dd>
      {hint && <dd className="text-xs text-slate-600">{hint}</dd>}
    </div>
  );
}

const windowSchema = z.object({
  days: z.string().superRefine((v, ctx) => {
    const r = parseWindowDays(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  }),
});

/**
 * The root's correction window (SPEC 13): how old a record may be and still be corrected by a higher revision. Its
 * admins ('spend.configure') change it here; everyone else who sees the page reads it.
 */
function CorrectionWindow({ status }: { status: StatusQuery }) {
  const a = useAccount();
  const days = status.data?.correctionWindowDays;
  const editable = can(a, 'spend.configure') && a.archivedAt === null;
  return (
    <Card>
      <CardHeader
        title="Correction window"
        description={
          'DSPs restate spend after the fact (invalid traffic, overdelivery, late figures): a record sent again with ' +
          'a higher revision replaces the stored one, and its difference is credited or debited. A correction of a ' +
          'record older than the window is rejected (correction_window_closed).'
        }
      />
      <CardBody className="space-y-3">
        {days === undefined ? (
          status.isPending ? (
            <Skeleton className="h-6 w-72" />
          ) : null
        ) : (
          <p data-testid="correction-window" className="text-sm font-medium break-words text-slate-900">
            {correctionWindowText(days)}.
          </p>
        )}
        {days !== undefined &&
          (editable ? (
            <CorrectionWindowForm days={days} />
          ) : (
            <p data-testid="correction-window-readonly" className="text-xs text-slate-600">
              Set by the admins of {a.name}; your role may read it, not change it.
            </p>
          ))}
      </CardBody>
    </Card>
  );
}

function CorrectionWindowForm({ days }: { days: number }) {
  const a = useAccount();
  const trpc = useTRPC();
  // every mutation's success refreshes the queries (lib/trpc.ts): the status shows the new window
  const set = useMutation(trpc.spend.setCorrectionWindow.mutationOptions());
  const form = useForm({
    resolver: zodResolver(windowSchema),
    values: { days: String(days) },
    resetOptions: { keepDirtyValues: true },
  });
  const submit = form.handleSubmit(async (v) => {
    const r = parseWindowDays(v.days);
    if (!r.ok) return;
    try {
      const out = await set.mutateAsync({ accountId: a.id, days: r.days });
      form.reset({ days: String(out.correctionWindowDays) });
      toast.success(`${correctionWindowText(out.correctionWindowDays)}.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label="Correction window"
      className="flex flex-wrap items-start gap-x-4 gap-y-1"
    >
      <Field
        label="Window (days)"
        error={form.formState.errors.days?.message}
        hint="0 to 180 whole days; 0 accepts no corrections"
        className="w-56"
      >
        {(p) => <Input {...p} inputMode="numeric" {...form.register('days')} />}
      </Field>
      <Button type="submit" variant="secondary" className="mt-6" disabled={form.formState.isSubmitting}>
        {form.formState.isSubmitting ? 'Saving…' : 'Save window'}
      </Button>
      <FormError message={serverError(form)} />
    </form>
  );
}

const batchCol = createColumnHelper<Batch>();
// counts in the user's locale, as on every other page
const num = (n: number) => formatCount(n);

function Batches({ status, keys }: { status: StatusQuery; keys: Key[] | undefined }) {
  const a = useAccount();
  const keyName = useMemo(() => new Map((keys ?? []).map((k) => [k.id, k.name])), [keys]);
  const columns = useMemo(
    () => [
      batchCol.accessor('createdAt', {
        header: 'Received',
        cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue(), a.timeZone)}</span>,
      }),
      batchCol.accessor('source', {
        header: 'Source',
        cell: (c) => {
          const b = c.row.original;
          return (
            <span className="flex flex-col gap-0.5">
              <span className="flex flex-wrap gap-1">
                <Badge tone={b.source === 'api' ? 'blue' : 'violet'}>{b.source === 'api' ? 'API' : 'CLI'}</Badge>
                {b.corrected > 0 && (
                  <Badge tone="amber" data-testid="has-corrections">
                    corrections
                  </Badge>
                )}
              </span>
              <span className="text-xs text-slate-600 break-all">
                {b.source === 'cli'
                  ? (b.fileName ?? 'file')
                  : b.keyId
                    ? keys
                      ? `key ${keyName.get(b.keyId) ?? '(revoked or unknown)'}`
                      : 'an ingest key'
                    : 'signed-in user'}
              </span>
            </span>
          );
        },
      }),
      batchCol.accessor('records', {
        header: 'Records',
        cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span>,
      }),
      batchCol.accessor('accepted', {
        header: 'Accepted',
        cell: (c) => (
          <span data-testid="accepted" className="tabular-nums">
            {num(c.getValue())}
          </span>
        ),
      }),
      batchCol.accessor('corrected', {
        header: 'Corrected',
        cell: (c) => (
          <span data-testid="corrected" className={`tabular-nums ${c.getValue() > 0 ? 'font-semibold' : ''}`}>
            {num(c.getValue())}
          </span>
        ),
      }),
      batchCol.accessor('duplicates', {
        header: 'Duplicates',
        cell: (c) => (
          <span data-testid="duplicates" className="tabular-nums">
            {num(c.getValue())}
          </span>
        ),
      }),
      batchCol.accessor('stale', {
        header: 'Stale',
        cell: (c) => (
          <span data-testid="stale" className="tabular-nums">
            {num(c.getValue())}
          </span>
        ),
      }),
      batchCol.accessor('rejected', {
        header: 'Rejected',
        cell: (c) => (
          <span
            data-testid="rejected"
            className={`tabular-nums ${c.getValue() > 0 ? 'font-semibold text-red-800' : ''}`}
          >
            {num(c.getValue())}
          </span>
        ),
      }),
      batchCol.display({
        id: 'reasons',
        header: 'Reject reasons',
        cell: (c) => {
          const entries = Object.entries(c.row.original.reasons).sort((x, y) => y[1] - x[1]);
          if (entries.length === 0) return <span className="text-xs text-slate-500">none</span>;
          return (
            <ul data-testid="reasons" className="space-y-0.5 text-xs">
              {entries.map(([reason, n]) => (
                <li key={reason}>
                  <span className="font-medium">{reasonLabel(reason)}</span>{' '}
                  <span className="text-slate-600">
                    ({reason}) × {num(n)}
                  </span>
                </li>
              ))}
            </ul>
          );
        },
      }),
    ],
    [a.timeZone, keyName, keys],
  );
  const [show, setShow] = useState<'all' | 'corrections'>('all');
  const all = status.data?.batches;
  const shown = useMemo(() => (show === 'all' ? all : all?.filter((b) => b.corrected > 0)), [all, show]);
  const withCorrections = all?.filter((b) => b.corrected > 0).length ?? 0;
  return (
    <Card>
      <CardHeader
        title="Recent batches"
        description={
          'The 20 most recent batches sent to this root, through the API (spend.ingest) or the CLI, ' +
          'with what became of their records. A duplicate is an event id already stored: counted, never stored ' +
          'twice. A corrected record replaced the stored version of its event (a higher revision); a stale one was ' +
          'an older revision than the stored one: counted, not applied.'
        }
      />
      <CardBody className="space-y-3">
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm text-slate-700">
          <label className="flex flex-wrap items-center gap-2">
            Show
            <NativeSelect
              className="w-auto"
              value={show}
              onChange={(e) => setShow(e.target.value as 'all' | 'corrections')}
            >
              <option value="all">All recent batches</option>
              <option value="corrections">Recent corrections</option>
            </NativeSelect>
          </label>
          {all && (
            <span data-testid="corrections-count">
              {withCorrections === 0
                ? 'No recent batch carried corrections.'
                : `${num(withCorrections)} of ${num(all.length)} recent ${all.length === 1 ? 'batch' : 'batches'} ` +
                  'carried corrections.'}
            </span>
          )}
        </div>
        {status.error && !status.data ? (
          <FormError message={`The batches could not be loaded: ${errorMessage(status.error)}`} />
        ) : (
          <DataTable
            caption={
              show === 'all' ? `Recent ingestion batches of ${a.name}` : `Recent batches of ${a.name} with corrections`
            }
            testId="batches"
            columns={columns}
            data={shown}
            loading={status.isPending}
            noun={['batch', 'batches']}
            rowTestId={(b) => `batch-${b.id}`}
            empty={
              show === 'all' ? (
                <NoBatches />
              ) : (
                'None of the recent batches carried corrections (records with a higher revision).'
              )
            }
          />
        )}
      </CardBody>
    </Card>
  );
}

function NoBatches() {
  const a = useAccount();
  return (
    <span data-testid="no-batches" className="block space-y-2">
      <span className="block">
        No batches yet: send records with <code>spend.ingest</code> and an ingest key, or{' '}
        <code>pnpm trellis ingest FILE --account {a.id}</code>.
      </span>
      <span className="flex flex-wrap items-center justify-center gap-2">
        <span>Account id:</span>
        <code className="rounded bg-slate-100 px-2 py-1 text-xs break-all">{a.id}</code>
        <CopyButton text={a.id} label="Copy account id" done="Account id copied." />
      </span>
    </span>
  );
}

function CopyButton({ text, label, done }: { text: string; label: string; done: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      toast.success(done);
    } catch {
      toast.error('The browser did not allow copying: select the text and copy it by hand.');
    }
  };
  return (
    <Button type="button" size="sm" variant="secondary" onClick={() => void copy()}>
      {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
      {label}
    </Button>
  );
}

const keyCol = createColumnHelper<Key>();

function Keys({ keys }: { keys: Loaded<RouterOutputs['ingestKeys']['list']> }) {
  const a = useAccount();
  const trpc = useTRPC();
  const revoke = useMutation(trpc.ingestKeys.revoke.mutationOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Key | null>(null);
  const canCreate = a.archivedAt === null;
  const columns = useMemo(
    () => [
      keyCol.accessor('name', {
        header: 'Name',
        cell: (c) => <span className="font-medium break-words">{c.getValue()}</span>,
      }),
      keyCol.accessor('keyPrefix', {
        header: 'Key',
        cell: (c) => <code className="text-xs whitespace-nowrap">{c.getValue()}</code>,
      }),
      keyCol.accessor('createdAt', {
        header: 'Created',
        cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue(), a.timeZone)}</span>,
      }),
      keyCol.accessor('lastUsedAt', {
        header: 'Last used',
        cell: (c) => (
          <span className="whitespace-nowrap">
            {c.getValue() ? formatDateTime(c.getValue()!, a.timeZone) : 'never'}
          </span>
        ),
      }),
      keyCol.accessor('batches', {
        header: 'Batches',
        cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span>,
      }),
      keyCol.accessor('revokedAt', {
        header: 'Status',
        cell: (c) =>
          c.getValue() ? (
            <Badge tone="red">revoked {formatDateTime(c.getValue()!, a.timeZone)}</Badge>
          ) : (
            <Badge tone="green">active</Badge>
          ),
      }),
      keyCol.display({
        id: 'actions',
        header: () => <span className="sr-only">Actions</span>,
        cell: (c) =>
          c.row.original.revokedAt ? null : (
            <Button
              variant="link-danger"
              onClick={() => setRevoking(c.row.original)}
              aria-label={`Revoke ${c.row.original.name}`}
            >
              Revoke…
            </Button>
          ),
      }),
    ],
    [a.timeZone],
  );
  return (
    <Card>
      <CardHeader
        title="Ingest keys"
        description={
          `A key lets a system send spend records into ${a.name} (spend.ingest with "Authorization: Bearer <key>") ` +
          'and nothing else. Trellis keeps only a hash: the key is shown once, when it is created.'
        }
        actions={
          canCreate ? (
            <Button onClick={() => setCreating(true)}>
              <KeyRound className="size-4" aria-hidden />
              Create key
            </Button>
          ) : null
        }
      />
      <CardBody>
        {keys.error && !keys.data ? (
          <FormError message={`The keys could not be loaded: ${errorMessage(keys.error)}`} />
        ) : (
          <DataTable
            caption={`Ingest keys of ${a.name}`}
            testId="ingest-keys"
            columns={columns}
            data={keys.data?.items}
            loading={keys.isPending}
            noun={['key', 'keys']}
            rowTestId={(k) => `key-${k.name}`}
            empty={canCreate ? 'No ingest keys yet: create one to send spend from your systems.' : 'No ingest keys.'}
          />
        )}
      </CardBody>
      <CreateKeyDialog open={creating} onOpenChange={setCreating} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(o) => !o && setRevoking(null)}
        title={`Revoke the key ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke key"
        testId="revoke-confirm"
        onConfirm={async () => {
          const k = await revoke.mutateAsync({ keyId: revoking!.id });
          toast.success(`Key ${k.name} revoked.`);
        }}
      >
        <p>
          Its next request is refused at once: whatever sends spend with <code>{revoking?.keyPrefix}</code> stops
          getting through until it is given a new key.
        </p>
        <p>Records it already sent stay stored and counted. A revoked key cannot be turned back on.</p>
      </ConfirmDialog>
    </Card>
  );
}

const keySchema = z.object({ name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters') });

/** Creates a key; the answer is the only time the key itself is ever shown. */
function CreateKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const a = useAccount();
  const trpc = useTRPC();
  const create = useMutation(trpc.ingestKeys.create.mutationOptions());
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const form = useForm({ resolver: zodResolver(keySchema), defaultValues: { name: '' } });
  const close = (o: boolean) => {
    if (!o) {
      setCreated(null); // the key leaves the page with the dialog
      form.reset({ name: '' });
    }
    onOpenChange(o);
  };
  const submit = form.handleSubmit(async (v) => {
    try {
      const k = await create.mutateAsync({ accountId: a.id, name: v.name });
      setCreated({ name: k.name, key: k.key });
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        title={created ? `Key ${created.name} created` : 'Create an ingest key'}
        description={
          created
            ? undefined
            : `For one system that sends spend into ${a.name}. Name it after that system, so you know what to revoke.`
        }
      >
        {created ? (
          <div className="space-y-4" data-testid="new-key">
            <p
              role="alert"
              className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-950"
            >
              <TriangleAlert className="mt-0.5 size-4 shrink-0" aria-hidden />
              <span>
                <strong>Copy the key now: you will not see it again.</strong> Trellis keeps only its hash; if it is
                lost, create a new key and revoke this one.
              </span>
            </p>
            <code
              data-testid="new-key-value"
              className="block rounded bg-slate-100 px-3 py-2 text-sm break-all select-all"
            >
              {created.key}
            </code>
            <div className="flex flex-wrap justify-end gap-2">
              <CopyButton text={created.key} label="Copy key" done="Key copied." />
              <Button onClick={() => close(false)}>Done</Button>
            </div>
          </div>
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate aria-label="Create an ingest key" className="space-y-1">
            <Field label="Name" error={form.formState.errors.name?.message} hint="e.g. DV360 nightly export">
              {(p) => <Input {...p} autoFocus maxLength={120} {...form.register('name')} />}
            </Field>
            <FormError message={serverError(form)} />
            <div className="flex justify-end gap-2 pt-2">
              <Button type="button" variant="secondary" onClick={() => close(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={form.formState.isSubmitting}>
                {form.formState.isSubmitting ? 'Creating…' : 'Create key'}
              </Button>
            </div>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
