import { formatCents, formatMoney } from '../lib/money';

/**
 * An amount as people read money: to the cent, the exact micros in its tooltip when they differ ("€2,765.67",
 * exactly "€2,765.666895"). Ledgers, reports and summaries use it; the API and the CSV export keep every digit.
 */
export function Money({
  micros,
  currency,
  className,
}: {
  micros: string | bigint;
  currency: string;
  className?: string;
}) {
  const shown = formatCents(micros, currency);
  const exact = formatMoney(micros, currency);
  return (
    <span className={className} title={exact === shown ? undefined : `exactly ${exact}`}>
      {shown}
    </span>
  );
}
