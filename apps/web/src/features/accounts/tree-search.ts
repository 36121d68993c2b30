import { z } from 'zod';

/** The tree's search params: the name filter and whether archived accounts show. */
export const treeSearch = z.object({
  q: z.string().max(200).optional().catch(undefined),
  archived: z.boolean().optional().catch(undefined),
});
