import { router } from '../../trpc';
import { disconnectRoute } from './disconnect';
import { listConnectionsRoute } from './list';
import { disconnectPreviewRoute } from './preview';
import { requestConnectionRoute } from './request';
import { acceptConnectionRoute, declineConnectionRoute } from './respond';
import { searchTargetsRoute } from './search-targets';
import { withdrawConnectionRoute } from './withdraw';

export const connectionsRouter = router({
  request: requestConnectionRoute,
  accept: acceptConnectionRoute,
  decline: declineConnectionRoute,
  withdraw: withdrawConnectionRoute,
  disconnect: disconnectRoute,
  disconnectPreview: disconnectPreviewRoute,
  list: listConnectionsRoute,
  searchTargets: searchTargetsRoute,
});
