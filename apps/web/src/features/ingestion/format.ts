import { plural } from '../../lib/utils';

/** Readable names of the reject reasons of SPEC 7 (the api's `spend.REJECT_REASONS`); an unknown one shows as itself. */
const REASON_LABEL: Record<string, string> = {
  malformed: 'Malformed record',
  negative_number: 'Negative number',
  clicks_above_impressions: 'More clicks than impressions',
  occurred_in_future: 'Dated in the future',
  unknown_seat: 'Unknown seat',
  seat_not_mapped: 'Seat not mapped at that time',
  deal_not_usable: 'Deal not usable',
  campaign_not_covered: 'Campaign not covered',
  currency_mismatch: 'Currency mismatch',
  conflicting_revision: 'Same revision, other figures',
  correction_changes_identity: 'Correction changes the record',
  correction_window_closed: 'Too old to correct',
};

export const reasonLabel = (reason: string) => REASON_LABEL[reason] ?? reason;

/** A lag in seconds as people say it: "none", "45 s", "3 min 5 s", "2 h 4 min", "3 d 2 h". */
export function formatLag(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return 'none';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

/** The bounds of a root's correction window in days (SPEC 13; the api's `spend.CORRECTION_WINDOW`). */
export const CORRECTION_WINDOW = { min: 0, max: 180 } as const;

/** The correction window as a sentence: "Corrections accepted for records up to 60 days old". */
export function correctionWindowText(days: number): string {
  if (days === 0) return 'Corrections not accepted: the correction window is closed (0 days)';
  return `Corrections accepted for records up to ${plural(days, 'day')} old`;
}

/** What a form's text says about a window, or the problem with it: whole days, within the bounds. */
export function parseWindowDays(raw: string): { ok: true; days: number } | { ok: false; error: string } {
  const s = raw.trim();
  if (s === '') return { ok: false, error: 'required' };
  if (!/^\d+$/.test(s)) return { ok: false, error: 'a whole number of days, e.g. 60' };
  const days = Number(s);
  if (days < CORRECTION_WINDOW.min || days > CORRECTION_WINDOW.max)
    return { ok: false, error: `between ${CORRECTION_WINDOW.min} and ${CORRECTION_WINDOW.max} days` };
  return { ok: true, days };
}
