import { DomainError } from './errors';
import { validateAccountName } from './hierarchy';
import type { AccountKind } from './levels';
import { parseMicros } from './deals';
import { dayNumber } from './reports';

export const CAMPAIGN_STATUSES = ['active', 'paused'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * Every campaign belongs to exactly one client, chosen at creation (SPEC 6). An agency is told to create a client
 * first when it has none, or to pick one of its clients otherwise.
 */
export function assertCampaignOwner(account: { kind: AccountKind; name: string }, activeClients: number): void {
  if (account.kind === 'client') return;
  if (account.kind === 'agency' && activeClients === 0) {
    throw new DomainError(
      'CAMPAIGN_NEEDS_CLIENT',
      `${account.name} has no clients yet: create a client first, then its campaigns.`,
      { clientId: 'create a client first' },
    );
  }
  throw new DomainError('CAMPAIGN_NEEDS_CLIENT', 'A campaign belongs to a client: choose one of the clients.', {
    clientId: 'choose a client',
  });
}

/** A campaign's client is fixed: any attempt to change it is refused, never ignored. */
export function assertOwnerUnchanged(update: Record<string, unknown>): void {
  if ('clientId' in update) {
    throw new DomainError(
      'CAMPAIGN_OWNER_IMMUTABLE',
      "A campaign's client is fixed when it is created and cannot be changed.",
      { clientId: 'cannot be changed' },
    );
  }
}

export interface CampaignInput {
  name: string;
  budgetMicros?: number | string | bigint | null;
  /** The flight's first and last day (YYYY-MM-DD, in the client's zone, both inclusive); null: open. */
  startsOn?: string | null;
  endsOn?: string | null;
}

export interface ValidCampaign {
  name: string;
  budgetMicros: bigint | null;
  startsOn: string | null;
  endsOn: string | null;
}

/** A campaign's name (1-120 characters), a budget of whole non-negative micros, and a flight that does not end before it starts. */
export function validateCampaign(input: CampaignInput): ValidCampaign {
  const name = validateAccountName(input.name);
  const budgetMicros =
    input.budgetMicros === undefined || input.budgetMicros === null
      ? null
      : parseMicros(input.budgetMicros, 'budgetMicros');
  const startsOn = flightDay(input.startsOn, 'startsOn');
  const endsOn = flightDay(input.endsOn, 'endsOn');
  if (startsOn !== null && endsOn !== null && endsOn < startsOn)
    throw new DomainError('INVALID_INPUT', 'endsOn: the flight ends before it starts', {
      endsOn: 'the flight ends before it starts',
    });
  return { name, budgetMicros, startsOn, endsOn };
}

function flightDay(day: string | null | undefined, field: string): string | null {
  if (day === undefined || day === null) return null;
  const n = dayNumber(day);
  if (n === null || day < '2000-01-01' || day > '2199-12-31')
    throw new DomainError('INVALID_INPUT', `${field}: must be a day from 2000-01-01 to 2199-12-31`, {
      [field]: 'must be a day from 2000-01-01 to 2199-12-31',
    });
  return day;
}

/** Two campaigns of one client never share a name (trimmed, case-insensitive): a second Create is refused. */
export function assertCampaignNameFree(name: string, taken: { name: string } | undefined): void {
  if (taken)
    throw new DomainError('NAME_TAKEN', `This client already has a campaign named "${taken.name}".`, {
      name: 'this client already has a campaign of that name',
    });
}

/**
 * How a campaign's spend compares with its budget (SPEC 6, issue 19): `no_budget`; `spent` (the budget is used up);
 * with a complete flight, `not_started`, `ended`, or the spend against the budget spread evenly over the flight's days
 * up to today (`ahead` above 110 % of that, `behind` below 90 %, else `on_track`); without one, `unscheduled`.
 * Percentages are whole percent, rounded down, computed in integers.
 */
export type PacingState =
  'no_budget' | 'spent' | 'not_started' | 'ended' | 'ahead' | 'on_track' | 'behind' | 'unscheduled';

export interface Pacing {
  state: PacingState;
  /** Spend as a percentage of the budget (null without a budget). */
  spentPercent: number | null;
  /** What an even spend would have spent by the end of today (null without a budget and a complete flight). */
  expectedMicros: bigint | null;
}

export function campaignPacing(c: {
  budgetMicros: bigint | null;
  spentMicros: bigint;
  startsOn: string | null;
  endsOn: string | null;
  /** Today in the client's zone, YYYY-MM-DD. */
  today: string;
}): Pacing {
  if (c.budgetMicros === null) return { state: 'no_budget', spentPercent: null, expectedMicros: null };
  const spentPercent = c.budgetMicros === 0n ? 100 : Number((c.spentMicros * 100n) / c.budgetMicros);
  const start = c.startsOn === null ? null : dayNumber(c.startsOn);
  const end = c.endsOn === null ? null : dayNumber(c.endsOn);
  const today = dayNumber(c.today)!;
  if (start === null || end === null) {
    const state = c.spentMicros >= c.budgetMicros ? 'spent' : 'unscheduled';
    return { state, spentPercent, expectedMicros: null };
  }
  const days = BigInt(end - start + 1);
  const elapsed = BigInt(Math.min(Math.max(today - start + 1, 0), end - start + 1));
  const expectedMicros = (c.budgetMicros * elapsed) / days;
  if (c.spentMicros >= c.budgetMicros) return { state: 'spent', spentPercent, expectedMicros };
  if (today < start) return { state: 'not_started', spentPercent, expectedMicros };
  if (today > end) return { state: 'ended', spentPercent, expectedMicros };
  // ahead: spent > 110 % of expected; behind: spent < 90 % of expected (integers: no float touches money)
  const state =
    c.spentMicros * 10n > expectedMicros * 11n
      ? 'ahead'
      : c.spentMicros * 10n < expectedMicros * 9n
        ? 'behind'
        : 'on_track';
  return { state, spentPercent, expectedMicros };
}

/** Every deal a campaign uses must be usable by its client (SPEC 5). */
export function assertDealsUsable(deals: readonly { id: string; name: string; usable: boolean }[]): void {
  const bad = deals.find((d) => !d.usable);
  if (bad)
    throw new DomainError('DEAL_NOT_USABLE', `The deal "${bad.name}" is not usable by this client.`, {
      dealIds: 'not usable by this client',
    });
}

/** Why a campaign is paused when its client disconnects from the agency whose (or whose holding's) deals it used. */
/**
 * Why a campaign was paused at a disconnect. It names no agency: the client's next agency must never learn the names
 * of its former ones (SPEC 2.2), and the deals themselves are taken off the campaign.
 */
export const PAUSED_BY_DISCONNECT_REASON =
  'Paused: the client left the agency whose deals this campaign used; those deals were taken off it.';
