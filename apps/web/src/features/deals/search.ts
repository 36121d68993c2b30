import { z } from 'zod';

/** The deals list's filter and cursor pages, in the URL. */
export const dealsSearch = z.object({
  q: z.string().max(200).optional().catch(undefined),
  pages: z.array(z.string().max(200)).max(100).optional().catch(undefined),
});
export type DealsSearch = z.infer<typeof dealsSearch>;
