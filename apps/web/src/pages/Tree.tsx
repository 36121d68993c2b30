import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, navigate } from '../router';
import { useTRPC, type RouterOutputs } from '../trpc';
import { Empty, ErrorText, FieldError, KindBadges, Section } from '../ui';

type Node = Extract<RouterOutputs['accounts']['tree'], unknown[]>[number];

export function TreePage({ platformOperator }: { platformOperator: boolean }) {
  const trpc = useTRPC();
  const [includeArchived, setIncludeArchived] = useState(false);
  const tree = useQuery(trpc.accounts.tree.queryOptions({ includeArchived }));
  const forest = Array.isArray(tree.data) ? tree.data : tree.data ? [tree.data] : [];
  return (
    <>
      <Section
        title="Accounts"
        actions={
          <label className="inline">
            <input type="checkbox" checked={includeArchived} onChange={(e) => setIncludeArchived(e.target.checked)} /> Show archived
          </label>
        }
      >
        {tree.isPending && <p className="muted">Loading…</p>}
        <ErrorText error={tree.error} />
        {tree.isSuccess && forest.length === 0 && (
          <Empty>
            {platformOperator
              ? 'No accounts yet. Create the first holding below, then invite its first admin from its page.'
              : 'You are not a member of any account yet. Ask an admin to invite you.'}
          </Empty>
        )}
        <ul className="tree" data-testid="account-tree">
          {forest.map((n) => <TreeNode key={n.id} node={n} />)}
        </ul>
      </Section>
      {platformOperator && <CreateHolding />}
      {platformOperator && <CreatePremiumClient />}
    </>
  );
}

function TreeNode({ node }: { node: Node }) {
  return (
    <li>
      <Link to={`/accounts/${node.id}`} className={node.archived ? 'archived-name' : ''}>{node.name}</Link>{' '}
      <KindBadges kind={node.kind} level={node.level} clientTier={node.clientTier} archived={node.archived} />
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => <TreeNode key={c.id} node={c} />)}
        </ul>
      )}
    </li>
  );
}

function CreateHolding() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [timeZone, setTimeZone] = useState('Europe/Copenhagen');
  const create = useMutation(
    trpc.accounts.createHolding.mutationOptions({
      onSuccess: (created) => {
        void queryClient.invalidateQueries(trpc.accounts.pathFilter());
        navigate(`/accounts/${created.id}`);
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, currency, timeZone });
  };
  return (
    <Section title="Create a holding">
      <form className="row" onSubmit={submit} aria-label="Create a holding">
        <label>Name<input name="name" value={name} onChange={(e) => setName(e.target.value)} /><FieldError error={create.error} field="name" /></label>
        <label>Currency<input name="currency" value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} size={4} /><FieldError error={create.error} field="currency" /></label>
        <label>Time zone<input name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} /><FieldError error={create.error} field="timeZone" /></label>
        <button type="submit" disabled={create.isPending}>Create holding</button>
      </form>
      <ErrorText error={create.error} />
    </Section>
  );
}

function CreatePremiumClient() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation(
    trpc.clients.createPremium.mutationOptions({
      onSuccess: (created) => {
        void queryClient.invalidateQueries(trpc.accounts.pathFilter());
        navigate(`/accounts/${created.id}`);
      },
    }),
  );
  return (
    <Section title="Create a premium client">
      <p className="muted small">A direct customer with every level-3 feature; it may connect to one agency later.</p>
      <form className="row" aria-label="Create a premium client" onSubmit={(e) => { e.preventDefault(); create.mutate({ name, currency: 'EUR', timeZone: 'Europe/Copenhagen' }); }}>
        <label>Name<input name="premiumName" value={name} onChange={(e) => setName(e.target.value)} /><FieldError error={create.error} field="name" /></label>
        <button type="submit" disabled={create.isPending}>Create premium client</button>
      </form>
      <ErrorText error={create.error} />
    </Section>
  );
}
