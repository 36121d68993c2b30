import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { AlertTriangle, CreditCard } from 'lucide-react';
import { lazy, Suspense, useMemo, useRef, useState } from 'react';
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
import { formatCents, formatMoney, microsToDecimal } from '../../lib/money';
import { moneyString, toMicros } from '../../lib/money-field';
import { formatDateTime, isoDayIn } from '../../lib/time';
import { errorMessage, errorRule, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { plural } from '../../lib/utils';
import { can, useAccount } from '../accounts/context';
import { BRAND_LABEL, brandOf, cardDigits, cvcProblem, numberProblem, parseExpiry } from './card';
import { correctionDirection, describeCorrection } from './correction';

const UsageChart = lazy(() => import('./usage-chart'));

type Entry = RouterOutputs['credits']['ledger']['items'][number];
type PaymentMethod = RouterOutputs['credits']['cards']['items'][number];
const KIND_LABEL: Record<Entry['kind'], string> = {
  top_up: 'Top-up',
  spend: 'Spend',
  refund: 'Refund',
  adjustment: 'Adjustment',
  overage_settlement: 'Overage settled',
  spend_correction: 'Spend correction',
};
const cardLabel = (p: Pick<PaymentMethod, 'brand' | 'last4'>) => `${BRAND_LABEL[p.brand]} •••• ${p.last4}`;

/** A client's billing (SPEC 6): balance, overage, runway, low-balance banner and threshold, usage, cards, top-ups, ledger. */
export function BillingScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const balance = useQuery(trpc.credits.balance.queryOptions({ clientId: a.id }));
  const canPay = can(a, 'credits.topUp');
  const [topUpOpen, setTopUpOpen] = useState(false);
  // a top-up of one's own brings the ledger back to its newest page, where the entry is
  const [ledgerKey, setLedgerKey] = useState(0);
  const b = balance.data;
  const topUpButton =
    canPay && a.archivedAt === null ? <Button onClick={() => setTopUpOpen(true)}>Top up…</Button> : null;
  return (
    <>
      <FormError message={errorMessage(balance.error)} />
      {b && BigInt(b.overageMicros) > 0n && (
        <div
          role="alert"
          data-testid="out-of-credit"
          className={
            'flex flex-wrap items-center justify-between gap-3 rounded-lg border border-red-200 ' +
            'bg-red-50 px-4 py-3 text-sm text-red-900'
          }
        >
          <p className="flex items-start gap-2">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
            <span>
              Out of credit: {formatMoney(b.overageMicros, b.currency)} of spend went beyond the balance and is owed as
              overage. Every active campaign of {a.name} is paused (“paused: out of credit”); the next top-up settles
              the overage first.
            </span>
          </p>
          {topUpButton}
        </div>
      )}
      {b && b.lowBalance && BigInt(b.overageMicros) === 0n && (
        <div
          role="status"
          data-testid="low-balance-banner"
          className={
            'flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 ' +
            'bg-amber-50 px-4 py-3 text-sm text-amber-950'
          }
        >
          <p className="flex items-start gap-2">
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
            <span>
              Low balance: <Money micros={b.balanceMicros} currency={b.currency} /> is below the threshold of{' '}
              <Money micros={b.lowBalanceMicros} currency={b.currency} />. Top up before spend runs past the balance and
              pauses the campaigns.
            </span>
          </p>
          {topUpButton}
        </div>
      )}
      <Card>
        <CardHeader
          title="Credits"
          description={
            `Prepaid credits of ${a.name}, in ${a.currency}. Spend is taken from the balance as it is reported.` +
            (canPay ? '' : ' Top-ups and cards need an operator or admin role.')
          }
          actions={topUpButton}
        />
        <CardBody>
          {b ? (
            <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
              <Stat
                label="Balance"
                testId="balance"
                value={formatCents(b.balanceMicros, b.currency)}
                exact={formatMoney(b.balanceMicros, b.currency)}
              />
              <Stat
                label="Outstanding overage"
                testId="overage"
                value={formatCents(b.overageMicros, b.currency)}
                exact={formatMoney(b.overageMicros, b.currency)}
                tone={BigInt(b.overageMicros) > 0n ? 'text-red-800' : undefined}
              />
              <Stat
                label="Runway"
                testId="runway"
                value={
                  b.runwayDays !== null
                    ? `${b.runwayDays.toLocaleString(undefined, { maximumFractionDigits: 1 })} days`
                    : b.runwayBasis === 'not_enough_spend'
                      ? 'not enough spend yet to estimate'
                      : 'no spend in 7 days'
                }
                hint={
                  b.runwayBasis === 'not_enough_spend'
                    ? 'an estimate needs a full day of spend'
                    : b.averageDailySpendMicros === null
                      ? undefined
                      : // the last 7 x 24 hours touch 8 calendar days (the first and today in part)
                        `at ${formatCents(b.averageDailySpendMicros, b.currency)} a day, averaged over the ${
                          b.daysWithSpend === 1 ? 'one calendar day' : `${b.daysWithSpend} calendar days`
                        } with spend in the last 7 × 24 hours`
                }
              />
              <Stat
                label="Low-balance alert"
                testId="threshold"
                value={BigInt(b.lowBalanceMicros) > 0n ? `below ${formatCents(b.lowBalanceMicros, b.currency)}` : 'off'}
                exact={BigInt(b.lowBalanceMicros) > 0n ? formatMoney(b.lowBalanceMicros, b.currency) : undefined}
              />
            </dl>
          ) : (
            <p className="text-sm text-slate-600">{balance.isPending ? 'Loading…' : ''}</p>
          )}
        </CardBody>
      </Card>
      <Usage />
      {canPay && a.archivedAt === null && b && <Threshold current={b.lowBalanceMicros} />}
      <Cards />
      <Ledger key={ledgerKey} />
      <TopUpDialog open={topUpOpen} onOpenChange={setTopUpOpen} onPaid={() => setLedgerKey((k) => k + 1)} />
    </>
  );
}

function Stat({
  label,
  value,
  exact,
  hint,
  testId,
  tone,
}: {
  label: string;
  value: string;
  exact?: string;
  hint?: string | undefined;
  testId: string;
  tone?: string | undefined;
}) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd
        data-testid={testId}
        title={exact !== undefined && exact !== value ? `exactly ${exact}` : undefined}
        className={`mt-1 text-xl font-semibold tabular-nums ${tone ?? 'text-slate-900'}`}
      >
        {value}
      </dd>
      {hint && <dd className="text-xs text-slate-600">{hint}</dd>}
    </div>
  );
}

/** Credits consumed per day over the last 30 days, days in the client's zone. */
function Usage() {
  const a = useAccount();
  const trpc = useTRPC();
  const [now] = useState(() => new Date());
  const to = isoDayIn(now.toISOString(), a.timeZone);
  const from = isoDayIn(new Date(now.getTime() - 29 * 86_400_000).toISOString(), a.timeZone);
  const usage = useQuery(trpc.credits.usage.queryOptions({ clientId: a.id, from, to }));
  const total = usage.data?.items.reduce((s, i) => s + BigInt(i.spentMicros), 0n) ?? 0n;
  return (
    <Card>
      <CardHeader
        title="Consumption, last 30 days"
        description={`Credits consumed per day (${a.timeZone}), overage included.`}
      />
      <CardBody>
        <FormError message={errorMessage(usage.error)} />
        <p className="mb-2 text-sm text-slate-700">
          Total:{' '}
          <span
            data-testid="usage-total"
            className="font-semibold tabular-nums"
            title={`exactly ${formatMoney(total.toString(), a.currency)}`}
          >
            {formatCents(total.toString(), a.currency)}
          </span>
        </p>
        {usage.data &&
          (usage.data.items.every((i) => BigInt(i.spentMicros) === 0n) ? (
            // an axis of zeros says nothing: say it
            <Empty data-testid="usage-empty">
              Nothing consumed in these 30 days: spend shows here, per day, as it is reported.
            </Empty>
          ) : (
            <Suspense fallback={<div className="h-56" />}>
              <UsageChart data={usage.data.items} currency={a.currency} today={to} />
            </Suspense>
          ))}
      </CardBody>
    </Card>
  );
}

const thresholdSchema = z.object({ threshold: moneyString() });
function Threshold({ current }: { current: string }) {
  const a = useAccount();
  const trpc = useTRPC();
  const set = useMutation(trpc.credits.setLowBalance.mutationOptions());
  const form = useForm({
    resolver: zodResolver(thresholdSchema),
    values: { threshold: microsToDecimal(current) },
    resetOptions: { keepDirtyValues: true },
  });
  const submit = form.handleSubmit(async (v) => {
    try {
      const r = await set.mutateAsync({ clientId: a.id, thresholdMicros: toMicros(v.threshold)! });
      toast.success(
        BigInt(r.lowBalanceMicros) === 0n
          ? 'Low-balance alert turned off.'
          : r.lowBalance
            ? // set above the balance: no crossing happened, so no mail now (the banner shows at once)
              `Low-balance alert set at ${formatCents(r.lowBalanceMicros, a.currency)}. The balance is already below ` +
              'it: no mail was sent; one is sent when the balance drops below it again after a top-up.'
            : `Low-balance alert set at ${formatCents(r.lowBalanceMicros, a.currency)}; a mail is sent when the ` +
              'balance drops below it.',
        { duration: r.lowBalance ? 10_000 : 4000 },
      );
    } catch (e) {
      applyServerErrors(form, e, { thresholdMicros: 'threshold' });
    }
  });
  return (
    <Card>
      <CardHeader
        title="Low-balance alert"
        description={
          a.parentId === null
            ? // a standalone premium client has no agency to tell
              `When the balance drops below this amount, the admins of ${a.name} get one mail, and this page shows a ` +
              'banner. 0 turns it off.'
            : "When the balance drops below this amount, the client's admins and the agency's admins " +
              'and operators get one mail, and this page shows a banner. 0 turns it off.'
        }
      />
      <CardBody>
        <form
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Low-balance alert"
          className="flex flex-wrap items-start gap-4"
        >
          <Field label={`Threshold (${a.currency})`} error={form.formState.errors.threshold?.message} className="w-56">
            {(p) => <Input {...p} inputMode="decimal" {...form.register('threshold')} />}
          </Field>
          <Button type="submit" variant="secondary" className="mt-6" disabled={form.formState.isSubmitting}>
            Save threshold
          </Button>
          <FormError message={serverError(form)} />
        </form>
      </CardBody>
    </Card>
  );
}

function Cards() {
  const a = useAccount();
  const trpc = useTRPC();
  const cards = useQuery(trpc.credits.cards.queryOptions({ clientId: a.id }));
  const canManage = can(a, 'paymentMethods.manage') && a.archivedAt === null;
  const remove = useMutation(trpc.credits.removeCard.mutationOptions());
  const [removing, setRemoving] = useState<PaymentMethod | null>(null);
  return (
    <Card>
      <CardHeader
        title="Payment methods"
        description="Cards of this client: only the brand, last four digits and expiry are kept."
      />
      <CardBody className="space-y-4">
        <FormError message={errorMessage(cards.error)} />
        {cards.data && cards.data.items.length === 0 && (
          <Empty>No cards yet.{canManage ? ' Add one below to top up.' : ''}</Empty>
        )}
        <ul data-testid="cards" className="divide-y divide-slate-100">
          {cards.data?.items.map((c) => (
            <li key={c.id} className="flex items-center justify-between gap-3 py-2 text-sm">
              <span className="flex items-center gap-2">
                <CreditCard className="size-4 text-slate-500" aria-hidden />
                <span className="font-medium">{cardLabel(c)}</span>
                <span className="text-slate-600">
                  expires {String(c.expMonth).padStart(2, '0')}/{c.expYear}
                </span>
                {c.expired && <Badge tone="red">expired</Badge>}
              </span>
              {canManage && (
                <Button variant="link-danger" onClick={() => setRemoving(c)}>
                  Remove…
                </Button>
              )}
            </li>
          ))}
        </ul>
        {canManage && <AddCard />}
      </CardBody>
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(o) => !o && setRemoving(null)}
        title={`Remove ${removing ? cardLabel(removing) : ''}?`}
        confirmLabel="Remove card"
        onConfirm={async () => {
          await remove.mutateAsync({ paymentMethodId: removing!.id });
          toast.success('Card removed.');
        }}
      >
        <p>The card can no longer be used for top-ups of {a.name}. Past top-ups keep showing it.</p>
      </ConfirmDialog>
    </Card>
  );
}

const cardSchema = z.object({ number: z.string(), expiry: z.string(), cvc: z.string() }).superRefine((v, ctx) => {
  const n = numberProblem(v.number);
  if (n) ctx.addIssue({ code: 'custom', path: ['number'], message: n });
  const e = parseExpiry(v.expiry, new Date());
  if (typeof e === 'string') ctx.addIssue({ code: 'custom', path: ['expiry'], message: e });
  const c = cvcProblem(v.cvc, v.number);
  if (c) ctx.addIssue({ code: 'custom', path: ['cvc'], message: c });
});

/** Adds a card; every field is checked as it is typed (and again by the server before the provider sees it). */
function AddCard() {
  const a = useAccount();
  const trpc = useTRPC();
  const add = useMutation(trpc.credits.addCard.mutationOptions());
  const form = useForm({
    resolver: zodResolver(cardSchema),
    mode: 'onChange',
    defaultValues: { number: '', expiry: '', cvc: '' },
  });
  const number = form.watch('number');
  const brand = brandOf(cardDigits(number));
  const submit = form.handleSubmit(async (v) => {
    const exp = parseExpiry(v.expiry, new Date()) as { month: number; year: number };
    try {
      const pm = await add.mutateAsync({
        clientId: a.id,
        number: cardDigits(v.number),
        expMonth: exp.month,
        expYear: exp.year,
        cvc: v.cvc,
      });
      form.reset({ number: '', expiry: '', cvc: '' });
      toast.success(`${cardLabel(pm)} added.`);
    } catch (e) {
      applyServerErrors(form, e, { expMonth: 'expiry', expYear: 'expiry' });
    }
  });
  const { errors, dirtyFields } = form.formState;
  // errors show once a field has been typed in (or on submit), so an empty form is not all red
  const shown = (k: 'number' | 'expiry' | 'cvc') =>
    dirtyFields[k] || form.formState.isSubmitted ? errors[k]?.message : undefined;
  return (
    <form
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label="Add a card"
      data-testid="add-card"
      className="grid gap-x-4 border-t border-slate-100 pt-4 sm:grid-cols-[1fr_8rem_6rem_auto] sm:items-start"
    >
      <Field
        label="Card number"
        error={shown('number')}
        hint={brand ? BRAND_LABEL[brand] : 'Visa, Mastercard, Amex or Discover'}
      >
        {(p) => (
          <Input
            {...p}
            inputMode="numeric"
            autoComplete="cc-number"
            placeholder="4242 4242 4242 4242"
            {...form.register('number')}
          />
        )}
      </Field>
      <Field label="Expiry" error={shown('expiry')}>
        {(p) => <Input {...p} autoComplete="cc-exp" placeholder="MM/YY" {...form.register('expiry')} />}
      </Field>
      <Field label="CVC" error={shown('cvc')}>
        {(p) => <Input {...p} inputMode="numeric" autoComplete="cc-csc" {...form.register('cvc')} />}
      </Field>
      <Button type="submit" variant="secondary" className="sm:mt-6" disabled={form.formState.isSubmitting}>
        Add card
      </Button>
      <div className="sm:col-span-4">
        <FormError message={serverError(form)} />
      </div>
    </form>
  );
}

const topUpSchema = z.object({
  amount: moneyString().refine((v) => toMicros(v) !== '0', 'must be more than zero'),
  paymentMethodId: z.string().min(1, 'add a card first'),
});

/**
 * The top-up dialog: one idempotency key per attempt, so a double click or a retry after a network error charges once;
 * shows the processor's answer (the charge, or its decline next to the form).
 */
function TopUpDialog({
  open,
  onOpenChange,
  onPaid,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  onPaid?: () => void;
}) {
  const a = useAccount();
  const trpc = useTRPC();
  const cards = useQuery({ ...trpc.credits.cards.queryOptions({ clientId: a.id }), enabled: open });
  const usable = (cards.data?.items ?? []).filter((c) => !c.expired);
  const topUp = useMutation(trpc.credits.topUp.mutationOptions());
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [paid, setPaid] = useState<{ amount: string; card: string } | null>(null);
  // cards the processor declined on this page: the next opening offers another card first, when there is one (a ref:
  // changing the form's values while open would reset it and wipe the decline it shows)
  const declined = useRef(new Set<string>());
  const form = useForm({
    resolver: zodResolver(topUpSchema),
    values: { amount: '', paymentMethodId: usable[0]?.id ?? '' },
    resetOptions: { keepDirtyValues: true },
  });
  const close = (o: boolean) => {
    if (!o) {
      setPaid(null);
      const preferred = usable.find((c) => !declined.current.has(c.id)) ?? usable[0];
      form.reset({ amount: '', paymentMethodId: preferred?.id ?? '' });
    }
    onOpenChange(o);
  };
  // the button names the amount it charges (the last look before the card is charged)
  const typed = toMicros(form.watch('amount'));
  const chargeLabel = typed && typed !== '0' ? `Charge ${formatMoney(typed, a.currency)}` : 'Charge card';
  const submit = form.handleSubmit(async (v) => {
    try {
      const r = await topUp.mutateAsync({
        clientId: a.id,
        amountMicros: toMicros(v.amount)!,
        paymentMethodId: v.paymentMethodId,
        idempotencyKey: key,
      });
      setPaid({
        amount: r.amountMicros,
        card: cardLabel(usable.find((c) => c.id === r.paymentMethodId) ?? { brand: 'visa', last4: '????' }),
      });
      onPaid?.();
    } catch (e) {
      if (errorRule(e) === 'PAYMENT_DECLINED') declined.current.add(v.paymentMethodId);
      applyServerErrors(form, e, { amountMicros: 'amount' });
      // a decline names the card and is shown once, in the form's alert
      if (form.getFieldState('paymentMethodId').error?.message === errorMessage(e)) form.clearErrors('paymentMethodId');
    } finally {
      setKey(crypto.randomUUID()); // the answer is final: a new attempt is a new top-up
    }
  });
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        title={`Top up ${a.name}`}
        description="The card is charged now; outstanding overage is settled first, the rest raises the balance."
      >
        {paid ? (
          <div className="space-y-4">
            <p
              role="status"
              data-testid="top-up-result"
              className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-900"
            >
              Payment accepted: {formatMoney(paid.amount, a.currency)} charged to {paid.card}.
            </p>
            <div className="flex justify-end">
              <Button onClick={() => close(false)}>Done</Button>
            </div>
          </div>
        ) : usable.length === 0 && cards.isSuccess ? (
          <Empty>No usable card: add a card under Payment methods first.</Empty>
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate aria-label="Top up" className="space-y-1">
            <Field label={`Amount (${a.currency})`} error={form.formState.errors.amount?.message}>
              {(p) => <Input {...p} inputMode="decimal" autoFocus {...form.register('amount')} />}
            </Field>
            <Field label="Card" error={form.formState.errors.paymentMethodId?.message}>
              {(p) => (
                <NativeSelect {...p} {...form.register('paymentMethodId')}>
                  {usable.map((c) => (
                    <option key={c.id} value={c.id}>
                      {cardLabel(c)}
                    </option>
                  ))}
                </NativeSelect>
              )}
            </Field>
            <div data-testid="top-up-error">
              <FormError message={serverError(form)} />
            </div>
            <div className="flex justify-end gap-2 pt-2">
              <Button type="button" variant="secondary" onClick={() => close(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={form.formState.isSubmitting}>
                {form.formState.isSubmitting ? 'Charging…' : chargeLabel}
              </Button>
            </div>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

const col = createColumnHelper<Entry>();
/** Micros compared as integers (a sort of amounts as text would put "9" after "10"). */
const cmpBig = (x: string, y: string) => {
  const p = BigInt(x),
    q = BigInt(y);
  return p < q ? -1 : p > q ? 1 : 0;
};

/** Which entries the ledger shows: spend entries are many (one per worker run), the others few. */
const LEDGER_VIEWS = {
  all: { label: 'All entries', kinds: undefined },
  payments: {
    label: 'Top-ups, refunds and adjustments',
    kinds: ['top_up', 'refund', 'adjustment', 'overage_settlement'],
  },
  spend: { label: 'Spend only', kinds: ['spend'] },
  corrections: { label: 'Spend corrections', kinds: ['spend_correction'] },
} as const satisfies Record<string, { label: string; kinds: readonly Entry['kind'][] | undefined }>;

const EMPTY_VIEW = {
  payments: 'top-ups, refunds or adjustments',
  spend: 'spend entries',
  corrections: 'spend corrections',
} as const satisfies Record<Exclude<keyof typeof LEDGER_VIEWS, 'all'>, string>;

/**
 * A spend correction in words, one line per reason ("Invalid-traffic credit, 12 events of 3–5 Dec"), each with its
 * difference to the cent (every digit in the tooltip); the days are the client's, the year left out when it is the
 * entry's.
 */
function CorrectionDetail({ entry }: { entry: Entry }) {
  const a = useAccount();
  const year = Number(isoDayIn(entry.createdAt, a.timeZone).slice(0, 4));
  return (
    <ul data-testid="correction-detail" className="space-y-0.5 text-xs text-slate-700 sm:w-64">
      {entry.correction!.reasons.map((r) => (
        <li key={r.reason} className="break-words">
          {describeCorrection(r, { currentYear: year })}:{' '}
          <Money
            className={`whitespace-nowrap tabular-nums ${correctionDirection(r.micros) === 'credit' ? 'text-green-800' : ''}`}
            micros={r.micros.startsWith('-') ? r.micros.slice(1) : r.micros}
            currency={a.currency}
          />
        </li>
      ))}
    </ul>
  );
}

/** The ledger, newest first, paged with the API's cursors, all entries or some kinds. */
function Ledger() {
  const a = useAccount();
  const trpc = useTRPC();
  const [view, setView] = useState<keyof typeof LEDGER_VIEWS>('all');
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const cursor = stack[stack.length - 1];
  const kinds = LEDGER_VIEWS[view].kinds;
  const ledger = useQuery(
    trpc.credits.ledger.queryOptions({
      clientId: a.id,
      limit: 20,
      ...(cursor ? { cursor } : {}),
      ...(kinds ? { kinds: [...kinds] } : {}),
    }),
  );
  const columns = useMemo(
    () => [
      col.accessor('createdAt', {
        header: `When (${a.timeZone})`,
        cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue(), a.timeZone)}</span>,
      }),
      col.accessor('kind', {
        header: 'Entry',
        meta: { card: 'title' },
        cell: (c) => (
          <Badge
            tone={
              c.getValue() === 'top_up'
                ? 'green'
                : c.getValue() === 'spend'
                  ? 'neutral'
                  : c.getValue() === 'adjustment'
                    ? 'violet'
                    : 'amber'
            }
          >
            {KIND_LABEL[c.getValue()]}
          </Badge>
        ),
      }),
      col.accessor('amountMicros', {
        header: 'Amount',
        meta: { card: 'figure' },
        sortDescFirst: true,
        sortingFn: (x, y) => cmpBig(x.original.amountMicros, y.original.amountMicros),
        cell: (c) => <Money className="whitespace-nowrap tabular-nums" micros={c.getValue()} currency={a.currency} />,
      }),
      col.accessor('overageMicros', {
        header: 'Overage',
        sortDescFirst: true,
        sortingFn: (x, y) => cmpBig(x.original.overageMicros, y.original.overageMicros),
        cell: (c) => {
          const o = BigInt(c.getValue());
          if (o > 0n)
            return (
              <Money
                className="whitespace-nowrap tabular-nums text-red-800"
                micros={c.getValue()}
                currency={a.currency}
              />
            );
          // a correction's credit pays outstanding overage off first (SPEC 13)
          if (o < 0n)
            return (
              <span className="whitespace-nowrap text-xs text-slate-700">
                paid off <Money className="tabular-nums" micros={-o} currency={a.currency} />
              </span>
            );
          return null;
        },
      }),
      col.accessor('balanceAfterMicros', {
        header: 'Balance after',
        sortDescFirst: true,
        sortingFn: (x, y) => cmpBig(x.original.balanceAfterMicros, y.original.balanceAfterMicros),
        cell: (c) => <Money className="whitespace-nowrap tabular-nums" micros={c.getValue()} currency={a.currency} />,
      }),
      col.display({
        id: 'detail',
        header: 'Detail',
        cell: (c) => {
          const e = c.row.original;
          // a spend entry sums the debits of one worker call for this client
          const debits = e.kind === 'spend' && e.debits !== null && e.debits > 1 ? plural(e.debits, 'debit') : null;
          if (e.correction) return <CorrectionDetail entry={e} />;
          return (
            <span className="text-xs text-slate-600">
              {[e.reason, e.actorEmail, debits].filter(Boolean).join(' · ')}
            </span>
          );
        },
      }),
    ],
    [a.currency, a.timeZone],
  );
  return (
    <Card>
      <CardHeader
        title="Ledger"
        description="Every change to the balance, newest first. Entries are never changed: a correction is a new entry."
      />
      <CardBody className="space-y-3">
        <label className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          Show
          <NativeSelect
            className="w-auto"
            value={view}
            onChange={(e) => {
              setView(e.target.value as keyof typeof LEDGER_VIEWS);
              setStack([undefined]);
            }}
          >
            {Object.entries(LEDGER_VIEWS).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </NativeSelect>
        </label>
        <FormError message={errorMessage(ledger.error)} />
        <DataTable
          caption={`Credit ledger of ${a.name}`}
          testId="ledger"
          columns={columns}
          data={ledger.data?.items}
          loading={ledger.isPending}
          noun={['entry', 'entries']}
          empty={view === 'all' ? 'No entries yet.' : `No ${EMPTY_VIEW[view]} yet.`}
          cursor={{
            hasPrevious: stack.length > 1,
            hasNext: Boolean(ledger.data?.nextCursor),
            onPrevious: () => setStack((s) => s.slice(0, -1)),
            onNext: () => ledger.data?.nextCursor && setStack((s) => [...s, ledger.data.nextCursor!]),
          }}
        />
      </CardBody>
    </Card>
  );
}
