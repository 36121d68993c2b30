import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { credits } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { day } from '../inputs';
import { id } from '../shapes';
import { loadClient, micros } from './load';

const usageDay = day.refine((s) => s >= '1970-01-01' && s <= '2199-12-31', 'must be between 1970 and 2199');

/** Credits consumed per day, from `from` to `to` inclusive, days in the client's time zone (SPEC 6, 10). */
export const usageRoute = authedProcedure
  .input(z.object({ clientId: id, from: usageDay, to: usageDay }))
  .output(
    z.object({
      timeZone: z.string(),
      currency: z.string(),
      items: z.array(z.object({ day: z.string(), spentMicros: micros })),
    }),
  )
  .query(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'credits.view');
    const span = (Date.parse(input.to) - Date.parse(input.from)) / 86_400_000;
    if (span < 0)
      throw new DomainError('INVALID_INPUT', 'to: must not be before from', { to: 'must not be before from' });
    if (span > 400)
      throw new DomainError('INVALID_INPUT', 'to: at most 400 days after from', { to: 'at most 400 days after from' });
    const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
    const items = await credits.usagePerDay(ctx.db, account.id, account.timeZone, input.from, input.to, since);
    return {
      timeZone: account.timeZone,
      currency: account.currency,
      items: items.map((i) => ({ day: i.day, spentMicros: i.spentMicros.toString() })),
    };
  });
