import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../../lib/money';

/** Budget per client (lazy-loaded: recharts stays out of the first page's code). Amounts are plotted, never summed, as numbers. */
export default function BudgetChart({ data, currency }: { data: { client: string; micros: string; count: number }[]; currency: string }) {
  const points = data.map((d) => ({ ...d, units: Number(d.micros) / 1e6 }));
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', style: 'currency', currency, maximumFractionDigits: 1 });
  return (
    <figure>
      <div className="h-56 w-full" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="client" tick={{ fontSize: 12, fill: '#475569' }} interval={0} tickLine={false} />
            <YAxis tickFormatter={(v: number) => compact.format(v)} tick={{ fontSize: 12, fill: '#475569' }} width={64} tickLine={false} axisLine={false} />
            <Tooltip formatter={(_v, _n, item) => [formatMoney((item.payload as { micros: string }).micros, currency), 'Budget']} />
            <Bar dataKey="units" fill="#1d4ed8" radius={[4, 4, 0, 0]} maxBarSize={48} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">
        {data.map((d) => `${d.client}: ${formatMoney(d.micros, currency)} over ${d.count} campaign(s)`).join('; ')}
      </figcaption>
    </figure>
  );
}
