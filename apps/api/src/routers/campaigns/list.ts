import { campaigns } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { campaignOut, page, toCampaignOut } from '../shapes';

/** Campaigns of the clients at or below the account. */
export const listCampaignsRoute = accountProcedure()
  .output(page(campaignOut))
  .query(async ({ ctx }) => {
    ctx.may('campaigns.view');
    return { items: (await campaigns.campaignsUnder(ctx.db, ctx.account.id)).map(toCampaignOut), nextCursor: null };
  });
