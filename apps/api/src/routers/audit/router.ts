import { router } from '../../trpc';
import { listAuditRoute } from './list';

export const auditRouter = router({ list: listAuditRoute });
