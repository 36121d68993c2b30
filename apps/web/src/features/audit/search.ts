import { z } from 'zod';

/** The audit trail's filters and cursor pages, in the URL. */
export const auditSearch = z.object({
  action: z.string().max(100).optional().catch(undefined),
  member: z.string().max(320).optional().catch(undefined),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional()
    .catch(undefined),
  pages: z.array(z.string().max(40)).max(100).optional().catch(undefined),
});
export type AuditSearch = z.infer<typeof auditSearch>;
