import { DomainError } from './errors';
import { validateAccountName } from './hierarchy';
import type { AccountKind } from './levels';
import { parseMicros } from './deals';

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
}

export function validateCampaign(input: CampaignInput): { name: string; budgetMicros: bigint | null } {
  const name = validateAccountName(input.name);
  const budgetMicros =
    input.budgetMicros === undefined || input.budgetMicros === null
      ? null
      : parseMicros(input.budgetMicros, 'budgetMicros');
  return { name, budgetMicros };
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
