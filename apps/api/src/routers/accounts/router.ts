import { router } from '../../trpc';
import { archiveAccountRoute } from './archive';
import { createAccountRoute } from './create';
import { createHoldingRoute } from './create-holding';
import { getAccountRoute } from './get';
import { treeRoute } from './tree';

export const accountsRouter = router({
  createHolding: createHoldingRoute,
  create: createAccountRoute,
  get: getAccountRoute,
  tree: treeRoute,
  archive: archiveAccountRoute,
});
