import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCents } from '../../lib/money';
import { axisFormatter, axisTicks, formatCount } from '../../lib/numbers';

export interface ChartPoint {
  label: string;
  spendMicros: string;
  impressions: number;
}

/**
 * Spend (bars) and impressions (line) over time, in one currency (lazy-loaded: recharts stays out of the first
 * page). Amounts are plotted as numbers only for drawing; every figure shown in words comes from the micros.
 */
export default function SpendChart({ points, currency }: { points: ChartPoint[]; currency: string }) {
  const data = points.map((p) => ({ ...p, spend: Number(p.spendMicros) / 1e6 }));
  // our own ticks: steps of a cent and of one impression at least, so no two ticks read the same
  const spendTicks = axisTicks(Math.max(0, ...data.map((p) => p.spend)), 0.01);
  const impTicks = axisTicks(Math.max(0, ...data.map((p) => p.impressions)), 1);
  const money = axisFormatter(spendTicks, { currency });
  const count = axisFormatter(impTicks);
  return (
    <figure data-testid="report-chart">
      <div className="h-72 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 4, left: 4 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 12, fill: '#475569' }} tickLine={false} minTickGap={16} />
            <YAxis
              yAxisId="spend"
              ticks={spendTicks}
              domain={[0, spendTicks.at(-1)!]}
              interval={0}
              tickFormatter={money}
              tick={{ fontSize: 12, fill: '#475569' }}
              width={72}
            />
            <YAxis
              yAxisId="imp"
              orientation="right"
              ticks={impTicks}
              domain={[0, impTicks.at(-1)!]}
              interval={0}
              allowDecimals={false}
              tickFormatter={count}
              tick={{ fontSize: 12, fill: '#475569' }}
              width={56}
            />
            <Tooltip
              formatter={(v, name, item) =>
                name === 'Spend'
                  ? [formatCents((item.payload as ChartPoint).spendMicros, currency), 'Spend']
                  : [formatCount(Number(v)), 'Impressions']
              }
            />
            <Legend />
            <Bar yAxisId="spend" dataKey="spend" name="Spend" fill="#1d4ed8" radius={[3, 3, 0, 0]} maxBarSize={28} />
            <Line
              yAxisId="imp"
              dataKey="impressions"
              name="Impressions"
              stroke="#b45309"
              strokeWidth={2}
              dot={false}
              type="monotone"
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">
        {points
          .map((p) => `${p.label}: ${formatCents(p.spendMicros, currency)}, ${formatCount(p.impressions)} impressions`)
          .join('; ')}
      </figcaption>
    </figure>
  );
}
