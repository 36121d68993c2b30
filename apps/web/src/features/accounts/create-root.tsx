import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useId, useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { currencies } from '../../lib/money';
import { browserTimeZone, timeZones } from '../../lib/time';
import { useTRPC } from '../../lib/trpc';

const schema = z.object({
  name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
  currency: z.string().length(3, 'pick a currency'),
  timeZone: z
    .string()
    .trim()
    .min(1, 'pick a time zone')
    .refine((z) => knownZones().has(z), 'pick a time zone from the list, e.g. Europe/Copenhagen'),
});
let zoneSet: Set<string> | null = null;
const knownZones = () => (zoneSet ??= new Set(timeZones()));

/** The zones offered: the browser's own first, then the rest in order. */
export function zonesBrowserFirst(): string[] {
  const own = browserTimeZone();
  const all = timeZones();
  return all.includes(own) ? [own, ...all.filter((z) => z !== own)] : all;
}
type Values = z.infer<typeof schema>;

/** Currency (ISO 4217) and time zone (IANA) pickers: never typed free-hand. */
export function CurrencyZoneFields({ form }: { form: ReturnType<typeof useForm<Values>> }) {
  const cs = useMemo(currencies, []);
  const zs = useMemo(zonesBrowserFirst, []);
  const listId = useId();
  const { errors } = form.formState;
  return (
    <>
      <Field label="Currency" error={errors.currency?.message} hint="Fixed at creation.">
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
      <Field label="Time zone" error={errors.timeZone?.message} hint="Reports use it. Type to search, e.g. Tokyo.">
        {(p) => (
          <>
            <Input {...p} list={listId} autoComplete="off" spellCheck={false} {...form.register('timeZone')} />
            <datalist id={listId}>
              {zs.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
    </>
  );
}

/** Platform operator: a new holding, or a premium client (a direct customer). */
export function CreateRootAccount({ kind }: { kind: 'holding' | 'premium' }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: '', currency: 'EUR', timeZone: browserTimeZone() },
  });
  const holding = useMutation(trpc.accounts.createHolding.mutationOptions());
  const premium = useMutation(trpc.clients.createPremium.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      const created = kind === 'holding' ? await holding.mutateAsync(v) : await premium.mutateAsync(v);
      toast.success(`${created.name} created. Invite its first admin from its Members page.`);
      void navigate({ to: '/accounts/$accountId/members', params: { accountId: created.id } });
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  const label = kind === 'holding' ? 'Create a holding' : 'Create a premium client';
  return (
    <Card>
      <CardHeader
        title={label}
        description={
          kind === 'holding'
            ? 'A level-1 organisation; its admins create its agencies.'
            : 'A direct customer with every level-3 feature; it may connect to one agency later.'
        }
      />
      <CardBody>
        <form
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label={label}
          className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-start"
        >
          <Field label="Name" error={form.formState.errors.name?.message}>
            {(p) => <Input {...p} {...form.register('name')} />}
          </Field>
          <CurrencyZoneFields form={form} />
          <div className="flex flex-col gap-1 lg:pt-6">
            <Button type="submit" disabled={form.formState.isSubmitting}>
              {kind === 'holding' ? 'Create holding' : 'Create premium client'}
            </Button>
          </div>
          <div className="sm:col-span-2 lg:col-span-4">
            <FormError message={serverError(form)} />
          </div>
        </form>
      </CardBody>
    </Card>
  );
}
