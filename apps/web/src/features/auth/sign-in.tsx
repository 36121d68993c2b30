import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Button } from '../../components/ui/button';
import { Field, FormError } from '../../components/ui/field';
import { Input } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';

const schema = z.object({
  email: z.string().trim().min(1, 'required').email('not an email address'),
  password: z.string().min(1, 'required'),
});

export function SignInPage() {
  usePageTitle('Sign in');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm({ resolver: zodResolver(schema), defaultValues: { email: '', password: '' } });
  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.auth.pathFilter()) }),
  );
  const { errors } = form.formState;
  const submit = form.handleSubmit(async (v) => {
    try {
      await signIn.mutateAsync(v);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  return (
    <main id="main" className="flex min-h-screen items-start justify-center bg-slate-50 px-4 pt-[12vh]">
      <form
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-label="Sign in"
        className="w-full max-w-sm space-y-2 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
      >
        <p className="text-lg font-bold tracking-tight">Trellis</p>
        <h1 className="mb-3 text-xl font-semibold">Sign in</h1>
        <Field label="Email" error={errors.email?.message}>
          {(p) => <Input {...p} type="email" autoComplete="username" {...form.register('email')} />}
        </Field>
        <Field label="Password" error={errors.password?.message}>
          {(p) => <Input {...p} type="password" autoComplete="current-password" {...form.register('password')} />}
        </Field>
        <FormError message={serverError(form)} />
        <Button type="submit" className="w-full" disabled={form.formState.isSubmitting}>
          {form.formState.isSubmitting ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
