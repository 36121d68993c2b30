import { z } from 'zod';
import { assertCampaignOwner, validateCampaign } from '@trellis/domain';
import { accounts, campaigns } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, authedProcedure, loadVisibleAccount, pinAccount } from '../../trpc';
import { campaignOut, id, toCampaignOut } from '../shapes';
import { day, micros, text } from '../inputs';
import { assertDealsUsableBy, claimName } from './checks';

/** A campaign belongs to one client, chosen here and never changed (SPEC 6); its deals must be usable by that client. */
export const createCampaignRoute = authedProcedure
  .input(
    z.object({
      clientId: id,
      name: text(120),
      budgetMicros: micros().nullable().optional(),
      /** The flight's first and last day, in the client's zone. */
      startsOn: day.nullable().optional(),
      endsOn: day.nullable().optional(),
      dealIds: z.array(id).max(50).optional(),
    }),
  )
  .output(campaignOut)
  .mutation(async ({ ctx, input }) => {
    const { account, facts } = await loadVisibleAccount(ctx, input.clientId);
    assertCampaignOwner(account, account.kind === 'agency' ? await accounts.countActiveClients(ctx.db, account.id) : 0);
    assertMay(ctx.actor, facts, 'campaigns.edit');
    const c = validateCampaign({
      name: input.name,
      budgetMicros: input.budgetMicros ?? null,
      startsOn: input.startsOn ?? null,
      endsOn: input.endsOn ?? null,
    });
    const dealIds = [...new Set(input.dealIds ?? [])];
    await assertDealsUsableBy(ctx.db, account.path, dealIds);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      // a second Create of the same name (a double click, a retry) is refused, not a duplicate
      await claimName(trx, account.id, c.name);
      const created = await campaigns.insertCampaign(trx, {
        rootId: account.rootId,
        clientId: account.id,
        name: c.name,
        budgetMicros: c.budgetMicros,
        startsOn: c.startsOn,
        endsOn: c.endsOn,
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
