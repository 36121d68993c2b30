import { z } from 'zod';
import { assertCampaignOwner, assertDealsUsable, dealUsableBy, validateCampaign } from '@trellis/domain';
import { accounts, campaigns, deals } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, authedProcedure, loadVisibleAccount, pinAccount } from '../../trpc';
import { campaignOut, id, toCampaignOut } from '../shapes';
import { micros, text } from '../inputs';

/** A campaign belongs to one client, chosen here and never changed (SPEC 6); its deals must be usable by that client. */
export const createCampaignRoute = authedProcedure
  .input(
    z.object({
      clientId: id,
      name: text(120),
      budgetMicros: micros().nullable().optional(),
      dealIds: z.array(id).max(50).optional(),
    }),
  )
  .output(campaignOut)
  .mutation(async ({ ctx, input }) => {
    const { account, facts } = await loadVisibleAccount(ctx, input.clientId);
    assertCampaignOwner(account, account.kind === 'agency' ? await accounts.countActiveClients(ctx.db, account.id) : 0);
    assertMay(ctx.actor, facts, 'campaigns.edit');
    const c = validateCampaign({ name: input.name, budgetMicros: input.budgetMicros ?? null });
    const dealIds = [...new Set(input.dealIds ?? [])];
    const found = await Promise.all(dealIds.map(async (d) => ({ id: d, deal: await deals.findDeal(ctx.db, d) })));
    // a deal the client may not use reads the same whether it exists elsewhere or not
    assertDealsUsable(
      found.map(({ id: d, deal }) => ({
        id: d,
        name: deal && dealUsableBy({ ownerId: deal.ownerAccountId, ownerPath: [] }, account.path) ? deal.name : d,
        usable: !!deal && dealUsableBy({ ownerId: deal.ownerAccountId, ownerPath: [] }, account.path),
      })),
    );
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      const created = await campaigns.insertCampaign(trx, {
        rootId: account.rootId,
        clientId: account.id,
        name: c.name,
        budgetMicros: c.budgetMicros,
        dealIds,
        by: ctx.user.id,
        at: ctx.now(),
      });
      const out = toCampaignOut(created);
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'campaign.create',
        entityType: 'campaign',
        entityId: created.id,
        after: out,
      });
      return out;
    });
  });
