import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { Skeleton } from '../../components/ui/skeleton';
import { Money } from '../../components/money';
import { useTRPC } from '../../lib/trpc';
import { useAccount } from '../accounts/context';
import { formatDayRange } from '../../lib/time';
import { presetDays, shiftDay } from './range';

/** The change from `before` to `now` in tenths of a percent, in integers (null when there was nothing before). */
export function changePermille(now: bigint, before: bigint): number | null {
  if (before === 0n) return null;
  return Number(((now - before) * 1000n) / before);
}

/**
 * The overview's spend lines, per currency (never summed across them): the last 7 full days against the 7 before (the
 * days Billing's runway averages), and today so far apart, so a morning does not read as a drop.
 */
export function SpendSummary() {
  const a = useAccount();
  const trpc = useTRPC();
  const today = presetDays('today', a.timeZone);
  const last = { from: shiftDay(today.from, -7), to: shiftDay(today.from, -1) };
  const previous = { from: shiftDay(today.from, -14), to: shiftDay(today.from, -8) };
  const now = useQuery(trpc.reports.run.queryOptions({ accountId: a.id, ...last, groupBy: [] }));
  const before = useQuery(trpc.reports.run.queryOptions({ accountId: a.id, ...previous, groupBy: [] }));
  const sofar = useQuery(trpc.reports.run.queryOptions({ accountId: a.id, ...today, groupBy: [] }));
  const totals = [now, before, sofar].flatMap((q) => q.data?.totals ?? []);
  const currencies = [...new Set(totals.map((t) => t.currency))].sort();
  const days = (d: { from: string; to: string }) =>
    formatDayRange(d.from, d.to, { currentYear: Number(today.from.slice(0, 4)) });
  const spend = (q: typeof now, c: string) => BigInt(q.data?.totals.find((t) => t.currency === c)?.spendMicros ?? '0');
  return (
    <Card>
      <CardHeader
        title="Spend, last 7 full days"
        description={`${days(last)} against ${days(previous)}, and today so far (${a.timeZone})`}
        actions={
          <Link
            to="/accounts/$accountId/reports"
            params={{ accountId: a.id }}
            // exactly the card's days (the Reports preset "Last 7 days" includes today; this card does not)
            search={{ preset: 'custom', from: last.from, to: last.to }}
            className="text-sm text-blue-800 underline"
            data-testid="spend-summary-report"
          >
            Open these 7 days in Reports
          </Link>
        }
      />
      <CardBody>
        {now.isPending || before.isPending || sofar.isPending ? (
          <Skeleton className="h-6 w-64" />
        ) : currencies.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="spend-summary">
            {a.level === 3 && a.parentId === null
              ? 'No spend today or in the 14 days before on its seats or deals.'
              : a.level === 3
                ? "No spend today or in the 14 days before on this client's own deals or on seats it linked " +
                  'itself (its agency reports the rest; its cost shows under Billing).'
                : 'No spend today or in the 14 days before.'}
          </p>
        ) : (
          <ul className="space-y-1" data-testid="spend-summary">
            {currencies.map((c) => {
              const x = spend(now, c);
              const y = spend(before, c);
              const pm = changePermille(x, y);
              return (
                <li key={c} className="text-sm">
                  <Money className="text-lg font-semibold tabular-nums" micros={x} currency={c} />{' '}
                  <span className="text-slate-600">
                    against <Money micros={y} currency={c} /> the 7 days before
                    {pm === null ? '' : ` (${pm >= 0 ? '+' : ''}${(pm / 10).toFixed(1)} %)`}; today so far{' '}
                    <Money micros={spend(sofar, c)} currency={c} />
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </CardBody>
    </Card>
  );
}
