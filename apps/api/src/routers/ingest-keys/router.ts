import { router } from '../../trpc';
import { createIngestKeyRoute } from './create';
import { listIngestKeysRoute } from './list';
import { revokeIngestKeyRoute } from './revoke';

export const ingestKeysRouter = router({
  create: createIngestKeyRoute,
  list: listIngestKeysRoute,
  revoke: revokeIngestKeyRoute,
});
