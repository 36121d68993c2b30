import { router } from '../../trpc';
import { setCorrectionWindowRoute } from './correction-window';
import { ingestSpendRoute } from './ingest';
import { spendStatusRoute } from './status';

export const spendRouter = router({
  ingest: ingestSpendRoute,
  status: spendStatusRoute,
  setCorrectionWindow: setCorrectionWindowRoute,
});
