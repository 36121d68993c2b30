import { z } from 'zod';
import { audit } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { day, id, limit } from '../inputs';
import { auditDays, pick } from './list';

const spendDayOut = z.object({
  day: z.string(),
  runs: z.number(),
  debits: z.number(),
  spend: z.array(z.object({ currency: z.string(), spentMicros: z.string(), overageMicros: z.string() })),
});

/**
 * audit.spendDays: the worker's spend debits, which the trail leaves out, one row per day of the account's zone,
 * newest first: how many runs, how many records debited, and the spend per currency. `cursor` is the last day seen.
 */
export const spendDaysRoute = accountProcedure()
  .input(
    z
      .object({ accountId: id, cursor: day.optional(), limit: limit(92, 31), ...auditDays })
      .strict()
      .refine((i) => i.from === undefined || i.to === undefined || i.from <= i.to, {
        message: 'must not be after the end of the range',
        path: ['from'],
      }),
  )
  .output(z.object({ items: z.array(spendDayOut), nextCursor: z.string().nullable() }))
  .query(async ({ ctx, input }) => {
    ctx.may('audit.view');
    const rows = await audit.spendDays(ctx.db, ctx.account.id, {
      timeZone: ctx.account.timeZone,
      limit: input.limit + 1,
      days: { timeZone: ctx.account.timeZone, ...pick(input) },
      fullHistoryOf: [...ctx.actor.memberships.keys()],
      ...(input.cursor ? { beforeDay: input.cursor } : {}),
    });
    const more = rows.length > input.limit;
    const kept = more ? rows.slice(0, input.limit) : rows;
    return {
      items: kept.map((d) => ({
        day: d.day,
        runs: d.runs,
        debits: d.debits,
        spend: d.spend.map((s) => ({
          currency: s.currency,
          spentMicros: s.spentMicros.toString(),
          overageMicros: s.overageMicros.toString(),
        })),
      })),
      nextCursor: more ? kept.at(-1)!.day : null,
    };
  });
