import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Card, CardBody, CardHeader } from '../../components/ui/card';
import { Skeleton } from '../../components/ui/skeleton';
import { Money } from '../../components/money';
import { useTRPC } from '../../lib/trpc';
import { useAccount } from '../accounts/context';
import { presetDays } from './range';

const DAY = 86_400_000;
const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The change from `before` to `now` in tenths of a percent, in integers (null when there was nothing before). */
export function changePermille(now: bigint, before: bigint): number | null {
  if (before === 0n) return null;
  return Number(((now - before) * 1000n) / before);
}

/** The overview's spend line: the last 7 days against the 7 before, per currency (never summed across them). */
export function SpendSummary() {
  const a = useAccount();
  const trpc = useTRPC();
  const last = presetDays('last7', a.timeZone);
  const previous = { from: shift(last.from, -7), to: shift(last.from, -1) };
  const now = useQuery(trpc.reports.run.queryOptions({ accountId: a.id, ...last, groupBy: [] }));
  const before = useQuery(trpc.reports.run.queryOptions({ accountId: a.id, ...previous, groupBy: [] }));
  const currencies = [...new Set([...(now.data?.totals ?? []), ...(before.data?.totals ?? [])].map((t) => t.currency))].sort();
  return (
    <Card>
      <CardHeader title="Spend, last 7 days" description={`${last.from} – ${last.to} against ${previous.from} – ${previous.to} (${a.timeZone})`} actions={<Link to="/accounts/$accountId/reports" params={{ accountId: a.id }} className="text-sm text-blue-800 underline">Open reports</Link>} />
      <CardBody>
        {now.isPending || before.isPending ? (
          <Skeleton className="h-6 w-64" />
        ) : currencies.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="spend-summary">
            {a.level === 3 ? "No spend in the last 14 days on this client's own deals or on seats it linked itself (its agency reports the rest; its cost shows under Billing)." : 'No spend in the last 14 days.'}
          </p>
        ) : (
          <ul className="space-y-1" data-testid="spend-summary">
            {currencies.map((c) => {
              const x = BigInt(now.data?.totals.find((t) => t.currency === c)?.spendMicros ?? '0');
              const y = BigInt(before.data?.totals.find((t) => t.currency === c)?.spendMicros ?? '0');
              const pm = changePermille(x, y);
              return (
                <li key={c} className="text-sm">
                  <Money className="text-lg font-semibold tabular-nums" micros={x} currency={c} />{' '}
                  <span className="text-slate-600">
                    against <Money micros={y} currency={c} /> the 7 days before{pm === null ? '' : ` (${pm >= 0 ? '+' : ''}${(pm / 10).toFixed(1)} %)`}
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
