import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { Button } from '../../components/ui/button';
import { Card, CardBody } from '../../components/ui/card';
import { Field, FormError } from '../../components/ui/field';
import { Input } from '../../components/ui/input';
import { SkeletonRows } from '../../components/ui/skeleton';
import { applyServerErrors, serverError } from '../../lib/forms';
import { formatDate } from '../../lib/time';
import { errorCode, errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { usePageTitle } from '../../lib/title';
import { roleWhat } from '../members/members';

type Preview = RouterOutputs['invitations']['preview'];

const STATE_TEXT = {
  accepted: 'This invitation has already been used.',
  revoked: 'This invitation was revoked by an admin.',
  expired: 'This invitation has expired: ask for a new one.',
} as const;
const newUser = z.object({
  name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
  password: z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters'),
});

/** Says which account, which role and who invited; accepts as the signed-in user, or creates the new user. */
export function InvitePage({ token }: { token: string }) {
  usePageTitle('Your invitation');
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useQuery(trpc.auth.me.queryOptions());
  const preview = useQuery({ ...trpc.invitations.preview.queryOptions({ token }), retry: false });
  const form = useForm({ resolver: zodResolver(newUser), defaultValues: { name: '', password: '' } });
  const accept = useMutation(trpc.members.acceptInvitation.mutationOptions());
  const signOut = useMutation(trpc.auth.signOut.mutationOptions({ onSuccess: () => queryClient.clear() }));
  const done = (accountId: string) => {
    void queryClient.invalidateQueries();
    void navigate({ to: '/accounts/$accountId', params: { accountId } });
  };
  const submit = form.handleSubmit(async (v) => {
    try {
      const r = await accept.mutateAsync({ token, name: v.name, password: v.password });
      done(r.membership.accountId);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  const acceptSignedIn = async () => {
    try {
      const r = await accept.mutateAsync({ token });
      done(r.membership.accountId);
    } catch {
      /* shown below */
    }
  };
  const p: Preview | null = preview.data ?? null;
  const signedIn = me.data?.user ?? null;
  const { errors } = form.formState;
  let body;
  if (preview.isPending || me.isPending) body = <SkeletonRows rows={4} />;
  else if (preview.error)
    body = (
      <p role="alert" className="text-sm text-red-800">
        {errorCode(preview.error) === 'NOT_FOUND' ? 'This invitation link is not valid.' : errorMessage(preview.error)}
      </p>
    );
  else if (p && p.state !== 'pending')
    body = (
      <p role="alert" className="text-sm text-slate-800">
        {STATE_TEXT[p.state]}
      </p>
    );
  else if (p && signedIn && signedIn.email.toLowerCase() !== p.email.toLowerCase()) {
    body = (
      <div className="space-y-3 text-sm">
        <p role="alert">
          This invitation is for {p.email}, and you are signed in as {signedIn.email}. Sign out and sign in as {p.email}{' '}
          to accept it.
        </p>
        <Button variant="secondary" onClick={() => signOut.mutate()}>
          Sign out
        </Button>
      </div>
    );
  } else if (p && signedIn) {
    body = (
      <div className="space-y-3">
        <FormError message={errorMessage(accept.error)} />
        <Button onClick={() => void acceptSignedIn()} disabled={accept.isPending}>
          {accept.isPending ? 'Joining…' : `Accept as ${signedIn.email}`}
        </Button>
      </div>
    );
  } else {
    body = (
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Accept invitation" className="space-y-1">
        <p className="mb-3 text-sm text-slate-700">
          {p
            ? `New to Trellis? Choose your name and a password (at least 10 characters). Already have an account as ${p.email}? `
            : 'New to Trellis? Choose your name and a password (at least 10 characters). Already have an account? '}
          <Link to="/" className="text-blue-700 underline">
            Sign in
          </Link>{' '}
          first, then open this link again.
        </p>
        <Field label="Your name" error={errors.name?.message}>
          {(f) => <Input {...f} autoComplete="name" {...form.register('name')} />}
        </Field>
        <Field label="Password" error={errors.password?.message} hint="At least 10 characters; a long phrase is best.">
          {(f) => <Input {...f} type="password" autoComplete="new-password" {...form.register('password')} />}
        </Field>
        <FormError message={serverError(form)} />
        <Button type="submit" className="w-full" disabled={form.formState.isSubmitting}>
          {form.formState.isSubmitting ? 'Joining…' : 'Accept and sign in'}
        </Button>
      </form>
    );
  }
  return (
    <Card className="mx-auto max-w-md">
      <CardBody className="space-y-4">
        <h1 className="text-xl font-semibold">{p ? `Join ${p.accountName} on Trellis` : 'Accept your invitation'}</h1>
        {p && (
          <div className="rounded-md bg-slate-50 p-3 text-sm text-slate-800" data-testid="invitation-about">
            <p>
              {p.invitedBy ? `${p.invitedBy} invited` : 'You are invited as'} <strong>{p.email}</strong> to{' '}
              {p.teamName ? (
                <>
                  the team <strong>{p.teamName}</strong> of{' '}
                </>
              ) : null}
              <strong>{p.accountName}</strong> as <strong>{p.role}</strong>.
            </p>
            <p className="mt-1 text-slate-600">
              {p.accountName} is {p.accountKind === 'agency' ? 'an agency' : `a ${p.accountKind}`}. An {p.role}{' '}
              {roleWhat(p.role, { kind: p.accountKind, clientTier: p.clientTier })}. The link works once, until{' '}
              {formatDate(p.expiresAt)}.
            </p>
          </div>
        )}
        {body}
      </CardBody>
    </Card>
  );
}
