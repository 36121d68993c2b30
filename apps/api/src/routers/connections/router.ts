import { router } from '../../trpc';
import { disconnectRoute } from './disconnect';
import { listConnectionsRoute } from './list';
import { requestConnectionRoute } from './request';
import { acceptConnectionRoute, declineConnectionRoute } from './respond';

export const connectionsRouter = router({
  request: requestConnectionRoute,
  accept: acceptConnectionRoute,
  decline: declineConnectionRoute,
  disconnect: disconnectRoute,
  list: listConnectionsRoute,
});
