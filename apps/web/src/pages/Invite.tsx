import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { navigate } from '../router';
import { useTRPC } from '../trpc';
import { ErrorText, FieldError } from '../ui';

/**
 * An invitation link: shows what it is for; a signed-in user it names accepts with one click, someone new chooses
 * a name and password. An existing user signs in first (accepting never asks for an existing password).
 */
export function InvitePage({ token }: { token: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const me = useQuery(trpc.auth.me.queryOptions());
  const preview = useQuery(trpc.invitations.preview.queryOptions({ token }));
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
  const inv = preview.data;
  const about = inv && (
    <p data-testid="invitation-about">
      {inv.invitedBy ?? 'Someone'} invited {inv.email} to {inv.teamName ? `the team ${inv.teamName} of ` : ''}{inv.accountName} as {inv.role}.
    </p>
  );
  if (me.data) {
    return (
      <div className="card narrow" aria-label="Accept invitation">
        <h1>Accept your invitation</h1>
        {about}
        <ErrorText error={preview.error} />
        <ErrorText error={accept.error} />
        <button type="button" disabled={accept.isPending} onClick={() => accept.mutate({ token })}>
          {accept.isPending ? 'Joining…' : `Accept as ${me.data.user.email}`}
        </button>
      </div>
    );
  }
  return (
    <form className="card narrow" onSubmit={submit} aria-label="Accept invitation">
      <h1>Accept your invitation</h1>
      {about}
      <ErrorText error={preview.error} />
      <p className="muted">New to Trellis? Choose your name and a password (at least 10 characters, not easy to guess). Already have an account for {inv?.email ?? 'this email'}? <a href="/">Sign in</a> first, then open this link again.</p>
      <label>Your name<input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" /><FieldError error={accept.error} field="name" /></label>
      <label>Password<input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" /><FieldError error={accept.error} field="password" /></label>
      <ErrorText error={accept.error} />
      <button type="submit" disabled={accept.isPending}>{accept.isPending ? 'Joining…' : 'Accept and sign in'}</button>
    </form>
  );
}
