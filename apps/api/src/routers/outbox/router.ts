import { router } from '../../trpc';
import { listOutboxRoute } from './list';

export const outboxRouter = router({ list: listOutboxRoute });
