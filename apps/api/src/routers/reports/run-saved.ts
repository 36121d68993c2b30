import { z } from 'zod';
import { authedProcedure } from '../../trpc';
import { parsedBy } from '../shapes';
import { planSaved } from './plan';
import { execute } from './run';
import { reportOut, runSavedInput } from './shape';

/**
 * reports.runSaved: a saved report, for its account's members, or for the users of a client it is shared with
 * (the sharer's visibility restricted to the client's own rows). `from`/`to` pick other days without changing it,
 * `compare` compares it with the previous period even when it was saved without.
 */
export const runSavedRoute = authedProcedure
  .input(runSavedInput)
  .output(parsedBy(reportOut.extend({ name: z.string() })))
  .query(async ({ ctx, input }) => {
    const planned = await planSaved(ctx, input);
    return { ...(await execute(ctx, planned)), name: planned.reportName };
  });
