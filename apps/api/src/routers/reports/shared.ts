import { z } from 'zod';
import { REPORT_DIMENSIONS } from '@trellis/domain';
import { reports } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { savedQueryIn } from './shape';

const sharedOut = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      /** The account that shared it (the client's agency, its holding, or the client itself). */
      sharedFrom: z.string(),
      sharedAt: z.string(),
      groupBy: z.array(z.enum(REPORT_DIMENSIONS)),
      range: savedQueryIn.shape.range,
    }),
  ),
  nextCursor: z.null(),
});

/**
 * reports.shared: the reports shared with a client, for its users (a standard client's members included: viewing
 * them is one of the two things they may do). Only the report's name, groupings and range: not its configuration.
 */
export const sharedReportsRoute = accountProcedure()
  .output(sharedOut)
  .query(async ({ ctx }) => {
    ctx.may('reports.viewShared');
    if (ctx.account.kind !== 'client') return { items: [], nextCursor: null };
    const rows = await reports.sharedWith(ctx.db, ctx.account.id);
    return {
      items: rows.map((r) => {
        const q = savedQueryIn.parse(r.query);
        return {
          id: r.id,
          name: r.name,
          sharedFrom: r.accountName,
          sharedAt: r.sharedAt.toISOString(),
          groupBy: q.groupBy,
          range: q.range,
        };
      }),
      nextCursor: null,
    };
  });
