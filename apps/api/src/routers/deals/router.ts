import { router } from '../../trpc';
import { createDealRoute } from './create';
import { dealDeliveryRoute } from './delivery';
import { getDealRoute } from './get';
import { listDealsRoute } from './list';

export const dealsRouter = router({
  create: createDealRoute,
  list: listDealsRoute,
  get: getDealRoute,
  delivery: dealDeliveryRoute,
});
