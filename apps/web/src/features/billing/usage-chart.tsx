import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCents } from '../../lib/money';

/** Credits consumed per day (lazy-loaded). Amounts are plotted as numbers only; every label is formatted from micros. */
export default function UsageChart({
  data,
  currency,
}: {
  data: { day: string; spentMicros: string }[];
  currency: string;
}) {
  const points = data.map((d) => ({ ...d, label: d.day.slice(5), units: Number(d.spentMicros) / 1e6 }));
  const compact = new Intl.NumberFormat(undefined, {
    notation: 'compact',
    style: 'currency',
    currency,
    maximumFractionDigits: 1,
  });
  return (
    <figure data-testid="usage-chart">
      <div className="h-56 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#475569' }} tickLine={false} minTickGap={8} />
            <YAxis
              tickFormatter={(v: number) => compact.format(v)}
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
              labelFormatter={(_l, p) => (p[0]?.payload as { day?: string } | undefined)?.day ?? ''}
            />
            <Bar dataKey="units" fill="#1d4ed8" radius={[3, 3, 0, 0]} maxBarSize={24} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only" data-testid="usage-days">
        {data
          .filter((d) => d.spentMicros !== '0')
          .map((d) => `${d.day}: ${formatCents(d.spentMicros, currency)}`)
          .join('; ') || 'Nothing consumed in these 30 days.'}
      </figcaption>
    </figure>
  );
}
