import { z } from 'zod';
import {
  assertMayResume,
  assertOwnerUnchanged,
  CAMPAIGN_STATUSES,
  DomainError,
  validateCampaign,
} from '@trellis/domain';
import { campaigns, credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, assertMayOf, authedProcedure, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { campaignOut, id, toCampaignOut } from '../shapes';
import { day, micros, text } from '../inputs';
import { assertDealsUsableBy, claimName } from './checks';

/**
 * Renames, pauses or resumes a campaign, or changes its budget, flight or deals (replaced by `dealIds`, each usable by
 * the client). A `clientId` is refused with a clear error, never ignored (SPEC 6); any other unknown field is refused
 * too. A new name must be free among the client's campaigns. Resuming re-checks that its deals are still usable.
 */
export const updateCampaignRoute = authedProcedure
  .input(
    z.strictObject({
      campaignId: id,
      name: text(120).optional(),
      status: z.enum(CAMPAIGN_STATUSES).optional(),
      budgetMicros: micros().nullable().optional(),
      startsOn: day.nullable().optional(),
      endsOn: day.nullable().optional(),
      dealIds: z.array(id).max(50).optional(),
      clientId: z.unknown().optional(),
    }),
  )
  .output(campaignOut)
  .mutation(async ({ ctx, input }) => {
    assertOwnerUnchanged(input);
    const found = await campaigns.findCampaign(ctx.db, input.campaignId);
    if (!found) throw new DomainError('NOT_FOUND', 'Campaign not found.');
    const { account, facts } = await loadVisibleAccountOf(ctx, found.clientId, 'Campaign not found.');
    assertMayOf(ctx.actor, facts, 'campaigns.view', 'Campaign not found.');
    assertMay(ctx.actor, facts, 'campaigns.edit');
    const v = validateCampaign({
      name: input.name ?? found.name,
      budgetMicros: input.budgetMicros === undefined ? (found.budgetMicros?.toString() ?? null) : input.budgetMicros,
      startsOn: input.startsOn === undefined ? found.startsOn : input.startsOn,
      endsOn: input.endsOn === undefined ? found.endsOn : input.endsOn,
    });
    const dealIds = input.dealIds && [...new Set(input.dealIds)];
    if (dealIds) await assertDealsUsableBy(ctx.db, account.path, dealIds);
    if (input.status === 'active' && found.status === 'paused') {
      // a campaign paused for lack of credit resumes only once the balance is above zero (SPEC 6)
      assertMayResume(found, (await credits.findCreditAccount(ctx.db, found.clientId))?.balanceMicros ?? 0n);
    }
    if (input.status === 'active' && !dealIds && found.dealIds.length)
      await assertDealsUsableBy(ctx.db, account.path, found.dealIds);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account, 'Campaign not found.');
      if (v.name !== found.name) await claimName(trx, account.id, v.name, found.id);
      const updated = await campaigns.updateCampaign(trx, found.id, {
        name: v.name,
        budgetMicros: v.budgetMicros,
        startsOn: v.startsOn,
        endsOn: v.endsOn,
        ...(dealIds ? { dealIds } : {}),
        ...(input.status
          ? { status: input.status, pausedReason: input.status === 'paused' ? 'Paused by a member.' : null }
          : {}),
        at: ctx.now(),
      });
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'campaign.update',
        entityType: 'campaign',
        entityId: found.id,
        before: toCampaignOut(found),
        after: toCampaignOut(updated),
      });
      return toCampaignOut(updated);
    });
  });
