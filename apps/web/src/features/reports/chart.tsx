import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCents } from '../../lib/money';

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
  const compactMoney = new Intl.NumberFormat(undefined, {
    notation: 'compact',
    style: 'currency',
    currency,
    maximumFractionDigits: 1,
  });
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  return (
    <figure data-testid="report-chart">
      <div className="h-72 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 4, left: 4 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 12, fill: '#475569' }} tickLine={false} minTickGap={16} />
            <YAxis
              yAxisId="spend"
              tickFormatter={(v: number) => compactMoney.format(v)}
              tick={{ fontSize: 12, fill: '#475569' }}
              width={72}
            />
            <YAxis
              yAxisId="imp"
              orientation="right"
              tickFormatter={(v: number) => compact.format(v)}
              tick={{ fontSize: 12, fill: '#475569' }}
              width={56}
            />
            <Tooltip
              formatter={(v, name, item) =>
                name === 'Spend'
                  ? [formatCents((item.payload as ChartPoint).spendMicros, currency), 'Spend']
                  : [compact.format(Number(v)), 'Impressions']
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
          .map((p) => `${p.label}: ${formatCents(p.spendMicros, currency)}, ${p.impressions} impressions`)
          .join('; ')}
      </figcaption>
    </figure>
  );
}
