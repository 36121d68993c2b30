import { router } from '../../trpc';
import { createPremiumRoute } from './create-premium';
import { listClientsRoute } from './list';
import { clientsOverviewRoute } from './overview';
import { promoteRoute } from './promote';
import { transferRoute } from './transfer';

export const clientsRouter = router({
  createPremium: createPremiumRoute,
  promote: promoteRoute,
  transfer: transferRoute,
  list: listClientsRoute,
  overview: clientsOverviewRoute,
});
