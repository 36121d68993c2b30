import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { DataTable } from '../../components/ui/data-table';
import { ConfirmDialog } from '../../components/ui/dialog';
import { Field, FormError } from '../../components/ui/field';
import { Input, NativeSelect } from '../../components/ui/input';
import { applyServerErrors, serverError } from '../../lib/forms';
import { formatDateTime } from '../../lib/time';
import { errorMessage, useTRPC, type RouterOutputs } from '../../lib/trpc';
import { can, useAccount } from '../accounts/context';

export const ROLES = ['admin', 'operator', 'analyst'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_WHAT: Record<Role, string> = {
  admin:
    'may do everything, including inviting and removing members, creating and archiving sub-accounts, linking seats and connecting',
  operator: 'may create and edit deals and campaigns and assign seats, but not manage members',
  analyst:
    'may view everything and run, save, rename, delete and export reports, but change nothing else: no deals, campaigns, seats, credits, sharing or members',
};

/** A standard client's members, whatever their role, only manage its users and see what its agency shares (SPEC 2.2). */
export const STANDARD_CLIENT_ROLE_WHAT: Record<Role, string> = {
  admin:
    'may invite and remove its users and see the reports its agency shares with it; its agency runs its campaigns, seats, deals and credits',
  operator:
    'may see the reports its agency shares with it, and nothing else: its agency runs its campaigns, seats, deals and credits',
  analyst:
    'may see the reports its agency shares with it, and nothing else: its agency runs its campaigns, seats, deals and credits',
};

/** What a role may do on an account, in the words that fit its kind. */
export function roleWhat(role: Role, account: { kind: string; clientTier: string | null }): string {
  return account.kind === 'client' && account.clientTier === 'standard'
    ? STANDARD_CLIENT_ROLE_WHAT[role]
    : ROLE_WHAT[role];
}

type Member = RouterOutputs['members']['list']['items'][number] & { teamId?: string | null; teamName?: string | null };
const col = createColumnHelper<Member>();

export function MembersScreen() {
  const a = useAccount();
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const members = useQuery(trpc.members.list.queryOptions({ accountId: a.id, limit: 200 }));
  const canManage = can(a, 'members.manage');
  const canInvite = can(a, 'members.invite') && a.archivedAt === null;
  const [change, setChange] = useState<{ member: Member; role: Role } | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const setRole = useMutation(trpc.members.setRole.mutationOptions());
  const remove = useMutation(trpc.members.remove.mutationOptions());
  const myId = me.data?.user.id;
  const columns = useMemo(
    () => [
      col.accessor('name', { header: 'Name', cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor('email', { header: 'Email' }),
      col.accessor((m) => m.teamName ?? '', {
        id: 'scope',
        header: 'Covers',
        cell: (c) =>
          c.row.original.teamName ? (
            <Badge tone="violet">team {c.row.original.teamName}</Badge>
          ) : (
            <span className="text-slate-600">{a.name} and below</span>
          ),
      }),
      col.accessor('role', {
        header: 'Role',
        // on a phone, beside the member's name
        meta: { card: 'figure' },
        cell: (c) => {
          const m = c.row.original;
          return canManage ? (
            <NativeSelect
              aria-label={`Role of ${m.email}`}
              value={m.role}
              className="w-36 shrink-0"
              onChange={(e) => setChange({ member: m, role: e.target.value as Role })}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </NativeSelect>
          ) : (
            m.role
          );
        },
      }),
      col.accessor('createdAt', {
        header: 'Member since',
        cell: (c) => <span className="whitespace-nowrap">{formatDateTime(c.getValue(), a.timeZone)}</span>,
      }),
      ...(canManage
        ? [
            col.display({
              id: 'actions',
              header: () => <span className="sr-only">Actions</span>,
              meta: { card: 'actions' as const },
              cell: (c) => (
                <Button
                  variant="link-danger"
                  onClick={() => setRemoving(c.row.original)}
                  aria-label={`Remove ${c.row.original.email}`}
                >
                  Remove
                </Button>
              ),
            }),
          ]
        : []),
    ],
    [a.name, a.timeZone, canManage],
  );
  const demotingSelf =
    change && change.member.userId === myId && ROLES.indexOf(change.role) > ROLES.indexOf(change.member.role);
  return (
    <>
      <Card>
        <CardHeader
          title="Members"
          description={
            `People with a role on ${a.name} itself${a.kind === 'agency' ? ' or on one of its teams' : ''}.` +
            (a.parentId === null ? '' : ' Members of the accounts above also reach it.')
          }
        />
        <CardBody>
          <FormError message={errorMessage(members.error)} />
          <DataTable
            caption={`Members of ${a.name}`}
            testId="members"
            columns={columns}
            data={members.data?.items}
            loading={members.isPending}
            noun={['member', 'members']}
            filterPlaceholder="Filter members"
            empty={
              'Nobody holds a role on this account itself; members of the accounts above it still reach it.' +
              (canInvite ? ' Invite someone below.' : '')
            }
          />
        </CardBody>
      </Card>
      {canInvite && <InviteMember first={members.isSuccess && members.data.items.length === 0} />}
      {canInvite && <PendingInvitations />}
      <ConfirmDialog
        open={change !== null}
        onOpenChange={(o) => !o && setChange(null)}
        title={change ? `Change ${change.member.name}'s role to ${change.role}?` : ''}
        confirmLabel="Change role"
        danger={Boolean(demotingSelf)}
        testId="role-confirm"
        onConfirm={async () => {
          if (!change) return;
          await setRole.mutateAsync({ membershipId: change.member.id, role: change.role });
          toast.success(`${change.member.name} is now ${change.role}.`);
        }}
      >
        {change && (
          <>
            <p>
              {change.member.name} ({change.member.email}) goes from <strong>{change.member.role}</strong> to{' '}
              <strong>{change.role}</strong> on{' '}
              {change.member.teamName ? `team ${change.member.teamName}` : `${a.name} and every account below it`}: an{' '}
              {change.role} {roleWhat(change.role, a)}.
            </p>
            {demotingSelf && (
              <p className="font-medium text-red-800">
                This is you: you lose these rights yourself at once
                {change.member.role === 'admin' ? ', and cannot make yourself admin again' : ''}.
              </p>
            )}
          </>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(o) => !o && setRemoving(null)}
        title={removing ? `Remove ${removing.name}?` : ''}
        confirmLabel="Remove member"
        onConfirm={async () => {
          if (!removing) return;
          await remove.mutateAsync({ membershipId: removing.id });
          toast.success(`${removing.name} removed.`);
        }}
      >
        {removing && (
          <>
            <p>
              {removing.name} ({removing.email}) loses the {removing.role} role on{' '}
              {removing.teamName ? `team ${removing.teamName}` : `${a.name} and every account below it`}. Their other
              memberships stay.
            </p>
            {removing.userId === myId && (
              <p className="font-medium text-red-800">This is you: you lose access to {a.name} at once.</p>
            )}
          </>
        )}
      </ConfirmDialog>
    </>
  );
}

const inviteSchema = z.object({
  email: z.string().trim().min(1, 'required').email('not an email address'),
  role: z.enum(ROLES),
  teamId: z.string(),
});

/** `first`: the account has no member yet (a new holding): its first invitation is for its admin. */
function InviteMember({ first }: { first: boolean }) {
  const a = useAccount();
  const trpc = useTRPC();
  const teams = useQuery({ ...trpc.teams.list.queryOptions({ agencyId: a.id }), enabled: a.kind === 'agency' });
  const form = useForm({
    resolver: zodResolver(inviteSchema),
    defaultValues: { email: '', role: (first ? 'admin' : 'analyst') as Role, teamId: '' },
  });
  // the member list may arrive after the form: an untouched role follows it
  const rolePicked = useRef(false);
  useEffect(() => {
    if (first && !rolePicked.current) form.setValue('role', 'admin');
  }, [first, form]);
  const invite = useMutation(trpc.members.invite.mutationOptions());
  const submit = form.handleSubmit(async (v) => {
    try {
      await invite.mutateAsync(
        v.teamId
          ? { teamId: v.teamId, email: v.email, role: v.role }
          : { accountId: a.id, email: v.email, role: v.role },
      );
      form.reset({ ...v, email: '' });
      toast.success(`Invitation sent to ${v.email}.`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });
  const { errors } = form.formState;
  const role = form.watch('role');
  return (
    <Card>
      <CardHeader
        title="Invite a member"
        description="They get an email (see the outbox) with a link valid once for 7 days."
      />
      <CardBody className="space-y-3">
        <form
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-label="Invite a member"
          className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-[1fr_10rem_12rem_auto] lg:items-start"
        >
          <Field label="Email" error={errors.email?.message}>
            {(p) => <Input {...p} type="email" autoComplete="off" {...form.register('email')} />}
          </Field>
          <Field label="Role" error={errors.role?.message}>
            {(p) => (
              <NativeSelect {...p} {...form.register('role', { onChange: () => (rolePicked.current = true) })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </NativeSelect>
            )}
          </Field>
          {a.kind === 'agency' && (teams.data?.items.length ?? 0) > 0 ? (
            <Field label="Access to" error={errors.teamId?.message}>
              {(p) => (
                <NativeSelect {...p} {...form.register('teamId')}>
                  <option value="">{a.name} (all its clients)</option>
                  {teams.data!.items.map((t) => (
                    <option key={t.id} value={t.id}>
                      team {t.name} only
                    </option>
                  ))}
                </NativeSelect>
              )}
            </Field>
          ) : (
            <div className="hidden lg:block" />
          )}
          <Button type="submit" className="lg:mt-6" disabled={form.formState.isSubmitting}>
            Send invitation
          </Button>
        </form>
        <p className="text-sm text-slate-600">
          An {role} {roleWhat(role, a)}.
        </p>
        <FormError message={serverError(form)} />
        {invite.data && (
          <p
            className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm break-all text-green-900"
            data-testid="invite-sent"
          >
            Invitation sent to {invite.data.email}.
            {invite.data.link ? (
              <>
                {' '}
                You can also hand over this link, valid once for 7 days:{' '}
                <a className="underline" href={new URL(invite.data.link).pathname} data-testid="invite-link">
                  {invite.data.link}
                </a>
              </>
            ) : (
              ' The link went to them by email; it works once, for 7 days.'
            )}
          </p>
        )}
      </CardBody>
    </Card>
  );
}

function PendingInvitations() {
  const a = useAccount();
  const trpc = useTRPC();
  const invitations = useQuery(trpc.invitations.list.queryOptions({ accountId: a.id }));
  const revoke = useMutation(trpc.invitations.revoke.mutationOptions());
  const [revoking, setRevoking] = useState<{ id: string; email: string; role: string } | null>(null);
  const items = invitations.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Card>
      <CardHeader title="Pending invitations" />
      <CardBody>
        <ul className="divide-y divide-slate-100" data-testid="pending-invitations">
          {items.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <span>
                <span>
                  {i.email} as {i.role}
                </span>
                <span className="text-slate-600">, expires {formatDateTime(i.expiresAt, a.timeZone)}</span>
              </span>
              <Button
                variant="link-danger"
                onClick={() => setRevoking(i)}
                aria-label={`Revoke the invitation of ${i.email}`}
              >
                Revoke
              </Button>
            </li>
          ))}
        </ul>
        <ConfirmDialog
          open={revoking !== null}
          onOpenChange={(o) => !o && setRevoking(null)}
          title={`Revoke the invitation of ${revoking?.email ?? ''}?`}
          confirmLabel="Revoke invitation"
          onConfirm={async () => {
            await revoke.mutateAsync({ invitationId: revoking!.id });
            toast.success('Invitation revoked.');
          }}
        >
          <p>
            The link sent to {revoking?.email} stops working at once; they will not join as {revoking?.role}. You can
            invite them again later.
          </p>
        </ConfirmDialog>
      </CardBody>
    </Card>
  );
}
