import { formatDayRange } from '../../lib/time';
import type { RouterOutputs } from '../../lib/trpc';

type Entry = RouterOutputs['credits']['ledger']['items'][number];
export type CorrectionPart = NonNullable<Entry['correction']>['reasons'][number];
export type CorrectionReason = CorrectionPart['reason'];

/** What a correction of each reason is called when it lowers spend (a credit) and when it raises it (a debit). */
const WORDS = {
  invalid_traffic: {
    credit: 'Invalid-traffic credit',
    debit: 'Invalid traffic restated higher',
    none: 'Invalid traffic, no change in spend',
  },
  overdelivery: {
    credit: 'Overdelivery credit',
    debit: 'Overdelivery restated higher',
    none: 'Overdelivery, no change in spend',
  },
  restatement: { credit: 'Restated lower', debit: 'Restated higher', none: 'Restated, no change in spend' },
} as const satisfies Record<CorrectionReason, Record<'credit' | 'debit' | 'none', string>>;

/** A credit gives money back (the spend went down), a debit takes more; "none" changed the figures, not the money. */
export function correctionDirection(micros: string): 'credit' | 'debit' | 'none' {
  const m = BigInt(micros);
  return m < 0n ? 'credit' : m > 0n ? 'debit' : 'none';
}

/**
 * One reason of a `spend_correction` ledger entry (SPEC 13) in words, without its amount (shown beside it, to the
 * cent): "Invalid-traffic credit, 12 events of 3–5 Dec", "Restated higher, 1 event of 4 Dec". Days are the client's
 * days, as the API gives them; `currentYear` leaves the year out when the days are in it.
 */
export function describeCorrection(
  part: Pick<CorrectionPart, 'reason' | 'events' | 'firstDay' | 'lastDay' | 'micros'>,
  opts: { locale?: string; currentYear?: number } = {},
): string {
  const what = WORDS[part.reason][correctionDirection(part.micros)];
  const events = `${part.events.toLocaleString(opts.locale)} ${part.events === 1 ? 'event' : 'events'}`;
  return `${what}, ${events} of ${formatDayRange(part.firstDay, part.lastDay, opts)}`;
}
