import { router } from '../../trpc';
import { deleteReportRoute, renameReportRoute } from './manage';
import { runReportRoute } from './run';
import { runSavedRoute } from './run-saved';
import { saveReportRoute } from './save';
import { savedReportsRoute } from './saved';
import { shareReportRoute, unshareReportRoute } from './share';
import { sharedReportsRoute } from './shared';

export const reportsRouter = router({
  run: runReportRoute,
  save: saveReportRoute,
  saved: savedReportsRoute,
  rename: renameReportRoute,
  delete: deleteReportRoute,
  runSaved: runSavedRoute,
  share: shareReportRoute,
  unshare: unshareReportRoute,
  shared: sharedReportsRoute,
});
