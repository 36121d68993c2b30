import { router } from '../../trpc';
import { createCampaignRoute } from './create';
import { listCampaignsRoute } from './list';
import { updateCampaignRoute } from './update';

export const campaignsRouter = router({
  create: createCampaignRoute,
  list: listCampaignsRoute,
  update: updateCampaignRoute,
});
