import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { DSP_LABEL, DSPS } from '../labels';
import { Link } from '../router';
import { useTRPC, type RouterOutputs } from '../trpc';
import { Empty, ErrorText, FieldError, fmtTime, Section } from '../ui';
import type { Account } from './Account';

type Seat = RouterOutputs['seats']['list']['items'][number];

export function SeatsTab({ account }: { account: Account }) {
  const trpc = useTRPC();
  const seats = useQuery(trpc.seats.list.queryOptions({ accountId: account.id }));
  const canLink = account.allowedActions.includes('seats.link');
  return (
    <>
      {canLink && <LinkSeat account={account} />}
      <Section title="Seats mapped here and below">
        <ErrorText error={seats.error} />
        {seats.isSuccess && seats.data.items.length === 0 && (
          <Empty>{canLink ? 'No seats yet. Link a DSP seat above.' : 'No seats are mapped to this account or below it. Seats are linked at level 1 and assigned down the tree.'}</Empty>
        )}
        <table className="table" data-testid="seats">
          <tbody>
            {seats.data?.items.map((s) => <SeatRow key={s.id} seat={s} />)}
          </tbody>
        </table>
      </Section>
    </>
  );
}

function LinkSeat({ account }: { account: Account }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [dsp, setDsp] = useState<(typeof DSPS)[number]>('dv360');
  const [seatId, setSeatId] = useState('');
  const [name, setName] = useState('');
  const link = useMutation(
    trpc.seats.link.mutationOptions({
      onSuccess: () => {
        setSeatId('');
        setName('');
        void queryClient.invalidateQueries(trpc.seats.pathFilter());
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    link.mutate({ accountId: account.id, dsp, seatId, ...(name.trim() ? { name } : {}) });
  };
  return (
    <Section title="Link a DSP seat">
      <form className="row" onSubmit={submit} aria-label="Link a seat">
        <label>
          DSP
          <select name="dsp" value={dsp} onChange={(e) => setDsp(e.target.value as typeof dsp)}>
            {DSPS.map((d) => <option key={d} value={d}>{DSP_LABEL[d]}</option>)}
          </select>
        </label>
        <label>Seat id<input name="seatId" value={seatId} onChange={(e) => setSeatId(e.target.value)} /><FieldError error={link.error} field="seatId" /></label>
        <label>Label (optional)<input name="seatName" value={name} onChange={(e) => setName(e.target.value)} /></label>
        <button type="submit" disabled={link.isPending}>Link seat</button>
      </form>
      <ErrorText error={link.error} />
    </Section>
  );
}

function SeatRow({ seat }: { seat: Seat }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState('');
  const targets = useQuery(trpc.seats.targets.queryOptions({ seatId: seat.id }));
  const history = useQuery({ ...trpc.seats.history.queryOptions({ seatId: seat.id }), enabled: open });
  const assign = useMutation(
    trpc.seats.assign.mutationOptions({
      onSuccess: () => {
        setTarget('');
        void queryClient.invalidateQueries(trpc.seats.pathFilter());
        void queryClient.invalidateQueries(trpc.audit.pathFilter());
      },
    }),
  );
  const label = `${DSP_LABEL[seat.dsp as keyof typeof DSP_LABEL] ?? seat.dsp} ${seat.seatId}`;
  return (
    <>
      <tr data-testid={`seat-${seat.seatId}`}>
        <td><strong>{label}</strong>{seat.name && <div className="muted small">{seat.name}</div>}</td>
        <td>mapped to <Link to={`/accounts/${seat.holder.id}/seats`}>{seat.holder.name}</Link> <span className="muted small">since {fmtTime(seat.heldSince)}</span></td>
        <td>
          {targets.data && targets.data.items.length > 0 ? (
            <form className="row" aria-label={`Assign ${label}`} onSubmit={(e) => { e.preventDefault(); if (target) assign.mutate({ seatId: seat.id, accountId: target }); }}>
              <select aria-label={`New holder of ${label}`} value={target} onChange={(e) => setTarget(e.target.value)}>
                <option value="">Assign to…</option>
                {targets.data.items.map((t) => (
                  <option key={t.id} value={t.id}>{t.name}{t.move === 'assign-down' ? '' : ' (take back)'}</option>
                ))}
              </select>
              <button type="submit" disabled={!target || assign.isPending}>Assign</button>
            </form>
          ) : (
            <span className="muted small">{targets.isSuccess ? 'No move you may make' : ''}</span>
          )}
          <ErrorText error={assign.error} />
        </td>
        <td><button className="link" onClick={() => setOpen(!open)}>{open ? 'Hide history' : 'History'}</button></td>
      </tr>
      {open && (
        <tr>
          <td colSpan={4}>
            <ErrorText error={history.error} />
            <ul className="list small" data-testid={`history-${seat.seatId}`}>
              {history.data?.items.map((h, i) => (
                <li key={i}>{h.accountName}: from {fmtTime(h.effectiveFrom)}{h.effectiveTo ? ` to ${fmtTime(h.effectiveTo)}` : ' (current)'}</li>
              ))}
            </ul>
          </td>
        </tr>
      )}
    </>
  );
}
