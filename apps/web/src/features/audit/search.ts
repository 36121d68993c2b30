import { z } from 'zod';

const uuid = z.uuid().optional().catch(undefined);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);

/** The audit trail's filters (sent to the API, which filters and pages), the spend view, and cursor pages, in the URL. */
export const auditSearch = z.object({
  action: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/)
    .optional()
    .catch(undefined),
  /** A member's user id. */
  member: uuid,
  /** An account of the subtree. */
  account: uuid,
  from: day,
  to: day,
  /** `days`: the worker's spend debits, per day. */
  spend: z.enum(['days']).optional().catch(undefined),
  pages: z.array(z.string().max(200)).max(100).optional().catch(undefined),
});
export type AuditSearch = z.infer<typeof auditSearch>;
