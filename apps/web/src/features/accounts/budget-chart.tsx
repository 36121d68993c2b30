import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../../lib/money';
import { axisFormatter, axisTicks } from '../../lib/numbers';

/** Budget per client (lazy-loaded: recharts stays out of the first page's code). Amounts are plotted, never summed, as numbers. */
export default function BudgetChart({
  data,
  currency,
}: {
  data: { client: string; micros: string; count: number }[];
  currency: string;
}) {
  const points = [...data]
    .sort((x, y) => Number(BigInt(y.micros) - BigInt(x.micros)))
    .slice(0, 12)
    .map((d) => ({ ...d, units: Number(d.micros) / 1e6 }));
  // steps of a cent at least, so no two ticks read the same
  const ticks = axisTicks(Math.max(0, ...points.map((p) => p.units)), 0.01);
  const money = axisFormatter(ticks, { currency });
  return (
    <figure>
      <div className="w-full" style={{ height: points.length * 34 + 40 }} aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            accessibilityLayer={false}
            data={points}
            layout="vertical"
            margin={{ top: 4, right: 16, bottom: 4, left: 4 }}
          >
            <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e2e8f0" />
            <XAxis
              type="number"
              ticks={ticks}
              domain={[0, ticks.at(-1)!]}
              interval={0}
              tickFormatter={money}
              tick={{ fontSize: 12, fill: '#475569' }}
              tickLine={false}
            />
            <YAxis
              type="category"
              dataKey="client"
              tick={{ fontSize: 12, fill: '#334155' }}
              width={112}
              interval={0}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip
              formatter={(_v, _n, item) => [
                formatMoney((item.payload as { micros: string }).micros, currency),
                'Budget',
              ]}
            />
            <Bar dataKey="units" fill="#1d4ed8" radius={[0, 4, 4, 0]} maxBarSize={22} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">
        {data
          .map(
            (d) =>
              `${d.client}: ${formatMoney(d.micros, currency)} over ${d.count === 1 ? '1 campaign' : `${d.count} campaigns`}`,
          )
          .join('; ')}
      </figcaption>
    </figure>
  );
}
