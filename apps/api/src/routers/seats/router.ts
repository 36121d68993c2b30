import { router } from '../../trpc';
import { assignSeatRoute } from './assign';
import { seatDealsRoute } from './deals';
import { seatHistoryRoute } from './history';
import { linkSeatRoute } from './link';
import { listSeatsRoute } from './list';
import { seatTargetsRoute } from './targets';

export const seatsRouter = router({
  link: linkSeatRoute,
  assign: assignSeatRoute,
  list: listSeatsRoute,
  history: seatHistoryRoute,
  deals: seatDealsRoute,
  targets: seatTargetsRoute,
});
