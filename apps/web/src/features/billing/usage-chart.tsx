import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCents } from '../../lib/money';
import { axisFormatter, axisTicks } from '../../lib/numbers';
import { formatChartDay } from '../../lib/time';

/**
 * Credits consumed per day (lazy-loaded), `today` (the client's) marked as the day under way. Amounts are plotted as
 * numbers only; every label is formatted from micros.
 */
export default function UsageChart({
  data,
  currency,
  today,
}: {
  data: { day: string; spentMicros: string }[];
  currency: string;
  today: string;
}) {
  const day = (d: string) => formatChartDay(d, { today, currentYear: Number(today.slice(0, 4)) });
  const points = data.map((d) => ({ ...d, label: day(d.day), units: Number(d.spentMicros) / 1e6 }));
  const ticks = axisTicks(Math.max(0, ...points.map((p) => p.units)), 0.01);
  const money = axisFormatter(ticks, { currency });
  return (
    <figure data-testid="usage-chart">
      <div className="h-56 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} tickLine={false} minTickGap={8} />
            <YAxis
              ticks={ticks}
              domain={[0, ticks.at(-1)!]}
              interval={0}
              tickFormatter={money}
              tick={{ fontSize: 12, fill: '#475569' }}
              width={64}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip
              formatter={(_v, _n, item) => [
                formatCents((item.payload as { spentMicros: string }).spentMicros, currency),
                'Consumed',
              ]}
              labelFormatter={(_l, p) => (p[0]?.payload as { label?: string } | undefined)?.label ?? ''}
            />
            <Bar dataKey="units" fill="#1d4ed8" radius={[3, 3, 0, 0]} maxBarSize={24} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only" data-testid="usage-days">
        {data
          .filter((d) => d.spentMicros !== '0')
          .map((d) => `${day(d.day)}: ${formatCents(d.spentMicros, currency)}`)
          .join('; ') || 'Nothing consumed in these 30 days.'}
      </figcaption>
    </figure>
  );
}
