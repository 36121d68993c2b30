import { router } from '../../trpc';
import { listAuditRoute } from './list';
import { spendDaysRoute } from './spend-days';

export const auditRouter = router({ list: listAuditRoute, spendDays: spendDaysRoute });
