import { router } from '../../trpc';
import { ingestSpendRoute } from './ingest';
import { spendStatusRoute } from './status';

export const spendRouter = router({
  ingest: ingestSpendRoute,
  status: spendStatusRoute,
});
