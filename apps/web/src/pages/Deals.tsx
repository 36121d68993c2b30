import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DEAL_TYPE_LABEL, DEAL_TYPES, DSP_LABEL, DSPS } from '../labels';
import { microsToUnits, unitsToMicros } from '../money';
import { Link } from '../router';
import { errorCode, useTRPC, type RouterOutputs } from '../trpc';
import { Empty, ErrorText, FieldError, fmtTime, Section, useCursorPages } from '../ui';
import type { Account } from './Account';

type Deal = RouterOutputs['deals']['get'];
const flight = (d: Deal) => (d.startsAt || d.endsAt ? `${d.startsAt ? new Date(d.startsAt).toLocaleDateString() : '…'} – ${d.endsAt ? new Date(d.endsAt).toLocaleDateString() : '…'}` : 'open');
const dspNames = (d: Deal) => d.dsps.map((x) => DSP_LABEL[x as keyof typeof DSP_LABEL] ?? x).join(', ');

export function DealsTab({ account }: { account: Account }) {
  const trpc = useTRPC();
  const { cursorInput, Pager } = useCursorPages();
  const list = useQuery(trpc.deals.list.queryOptions({ accountId: account.id, limit: 50, ...cursorInput }));
  return (
    <>
      {account.allowedActions.includes('deals.edit') && account.archivedAt === null && <CreateDeal account={account} />}
      <Section title="Deals this account may use">
        <ErrorText error={list.error} />
        {list.isSuccess && list.data.items.length === 0 && <Empty>No deals yet.{account.allowedActions.includes('deals.edit') ? ' Create one above; it is shared with every account below this one.' : ''}</Empty>}
        <table className="table" data-testid="deals">
          <tbody>
            {list.data?.items.map((d) => (
              <tr key={d.id}>
                <td><Link to={`/deals/${d.id}`}>{d.name}</Link><div className="muted small">{d.dealId}</div></td>
                <td>{d.publisher}</td>
                <td>{DEAL_TYPE_LABEL[d.type]}</td>
                <td className="nowrap">{microsToUnits(d.cpmMicros)} {d.currency} CPM</td>
                <td>{dspNames(d)}</td>
                <td className="small">{flight(d)}</td>
                <td>
                  {d.source === 'owned' ? <span className="badge owned">owned</span> : <span className="badge inherited">inherited from {d.owner.name}</span>}
                  {d.publisherInitiated && <span className="badge">publisher-initiated</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager nextCursor={list.data?.nextCursor} />
      </Section>
    </>
  );
}

function CreateDeal({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const multi = account.level === 1;
  const empty = { name: '', publisher: '', type: DEAL_TYPES[0]!, cpm: '', currency: account.currency, startsAt: '', endsAt: '', dealId: '' };
  const [f, setF] = useState(empty);
  const [dsps, setDsps] = useState<string[]>(['dv360']);
  const [cpmError, setCpmError] = useState<string | null>(null);
  const create = useMutation(
    trpc.deals.create.mutationOptions({
      onSuccess: () => {
        setF(empty);
        void queryClient.invalidateQueries(trpc.deals.pathFilter());
        void queryClient.invalidateQueries(trpc.audit.pathFilter());
      },
    }),
  );
  const set = (k: keyof typeof empty) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const micros = unitsToMicros(f.cpm);
    setCpmError(micros === null ? 'a non-negative amount with at most 6 decimals' : null);
    if (micros === null) return;
    create.mutate({
      accountId: account.id,
      name: f.name,
      publisher: f.publisher,
      type: f.type,
      cpmMicros: micros,
      currency: f.currency,
      dsps,
      ...(f.startsAt ? { startsAt: new Date(`${f.startsAt}T00:00:00Z`).toISOString() } : {}),
      ...(f.endsAt ? { endsAt: new Date(`${f.endsAt}T23:59:59Z`).toISOString() } : {}),
      ...(f.dealId.trim() ? { dealId: f.dealId.trim() } : {}),
    });
  };
  return (
    <Section title="Create a deal">
      <form className="row" onSubmit={submit} aria-label="Create a deal">
        <label>Deal name<input name="dealName" value={f.name} onChange={set('name')} /><FieldError error={create.error} field="name" /></label>
        <label>Publisher<input name="publisher" value={f.publisher} onChange={set('publisher')} /><FieldError error={create.error} field="publisher" /></label>
        <label>
          Type
          <select name="dealType" value={f.type} onChange={set('type')}>
            {DEAL_TYPES.map((t) => <option key={t} value={t}>{DEAL_TYPE_LABEL[t]}</option>)}
          </select>
        </label>
        <label>CPM ({f.currency})<input name="cpm" value={f.cpm} onChange={set('cpm')} size={8} inputMode="decimal" />{cpmError && <span className="field-error">{cpmError}</span>}<FieldError error={create.error} field="cpmMicros" /></label>
        <label>Currency<input name="dealCurrency" value={f.currency} onChange={(e) => setF({ ...f, currency: e.target.value.toUpperCase() })} size={4} /><FieldError error={create.error} field="currency" /></label>
        <label>Starts<input name="startsAt" type="date" value={f.startsAt} onChange={set('startsAt')} /></label>
        <label>Ends<input name="endsAt" type="date" value={f.endsAt} onChange={set('endsAt')} /><FieldError error={create.error} field="endsAt" /></label>
        <label>Deal id (optional)<input name="dealId" value={f.dealId} onChange={set('dealId')} /><FieldError error={create.error} field="dealId" /></label>
        <div className="checks" role="group" aria-label="DSPs">
          {multi ? 'DSPs:' : 'DSP:'}
          {DSPS.map((d) => (
            <label key={d}>
              <input
                type={multi ? 'checkbox' : 'radio'}
                name="dsps"
                checked={dsps.includes(d)}
                onChange={(e) => setDsps(multi ? (e.target.checked ? [...dsps, d] : dsps.filter((x) => x !== d)) : [d])}
              />
              {DSP_LABEL[d]}
            </label>
          ))}
          <FieldError error={create.error} field="dsps" />
        </div>
        <button type="submit" disabled={create.isPending}>Create deal</button>
      </form>
      {!multi && <p className="muted small">Only level-1 deals may span several DSPs.</p>}
      <ErrorText error={create.error} />
    </Section>
  );
}

export function DealPage({ dealId }: { dealId: string }) {
  const trpc = useTRPC();
  const deal = useQuery(trpc.deals.get.queryOptions({ dealId }));
  if (deal.isPending) return <p className="muted">Loading…</p>;
  if (deal.error) {
    return ['NOT_FOUND', 'BAD_REQUEST'].includes(errorCode(deal.error) ?? '') ? (
      <p>This deal does not exist or is not yours to see. <Link to="/">Back to your accounts</Link></p>
    ) : (
      <ErrorText error={deal.error} />
    );
  }
  const d = deal.data;
  return (
    <Section title={d.name}>
      <dl className="terms" data-testid="deal-terms">
        <dt>Deal id</dt><dd>{d.dealId}</dd>
        <dt>Owner</dt><dd><Link to={`/accounts/${d.owner.id}/deals`}>{d.owner.name}</Link>{d.publisherInitiated && ' (publisher-initiated)'}</dd>
        <dt>Publisher</dt><dd>{d.publisher}</dd>
        <dt>Type</dt><dd>{DEAL_TYPE_LABEL[d.type]}</dd>
        <dt>CPM</dt><dd>{microsToUnits(d.cpmMicros)} {d.currency}</dd>
        <dt>DSPs</dt><dd>{dspNames(d)}</dd>
        <dt>Flight</dt><dd>{flight(d)}</dd>
        <dt>Created</dt><dd>{fmtTime(d.createdAt)}</dd>
      </dl>
    </Section>
  );
}
