import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { navigate } from '../router';
import { useTRPC } from '../trpc';
import { ErrorText, FieldError } from '../ui';

export function InvitePage({ token }: { token: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const accept = useMutation(
    trpc.members.acceptInvitation.mutationOptions({
      onSuccess: (r) => {
        void queryClient.invalidateQueries();
        navigate(`/accounts/${r.membership.accountId}`);
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate({ token, name, password });
  };
  return (
    <form className="card narrow" onSubmit={submit} aria-label="Accept invitation">
      <h1>Accept your invitation</h1>
      <p className="muted">New to Trellis? Choose your name and a password (at least 10 characters). Already have an account? Enter its password.</p>
      <label>Your name<input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" /><FieldError error={accept.error} field="name" /></label>
      <label>Password<input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" /><FieldError error={accept.error} field="password" /></label>
      <ErrorText error={accept.error} />
      <button type="submit" disabled={accept.isPending}>{accept.isPending ? 'Joining…' : 'Accept and sign in'}</button>
    </form>
  );
}
