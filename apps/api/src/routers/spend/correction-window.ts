import { z } from 'zod';
import { spend } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { accountProcedure } from '../../trpc';
import { assertRootAccount } from '../ingest-keys/shape';

const { min, max } = spend.CORRECTION_WINDOW;

/**
 * Sets how far back a correction of a root's spend may reach (SPEC 13: 0-180 days, default 60), by the root's admins;
 * audited with the window it replaces. A correction of a record that occurred earlier is rejected
 * `correction_window_closed`.
 */
export const setCorrectionWindowRoute = accountProcedure({
  days: z
    .number({ message: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(min, `at least ${min} days`)
    .max(max, `at most ${max} days`),
})
  .output(z.object({ accountId: z.string(), correctionWindowDays: z.number() }))
  .mutation(async ({ ctx, input }) => {
    ctx.may('spend.configure');
    assertRootAccount(ctx.account);
    return ctx.db.transaction().execute(async (trx) => {
      const before = await spend.setCorrectionWindow(trx, ctx.account.id, input.days, ctx.user.id, ctx.now());
      const out = { accountId: ctx.account.id, correctionWindowDays: input.days };
      await recordAudit(trx, ctx, {
        rootId: ctx.account.id,
        accountId: ctx.account.id,
        action: 'spend.setCorrectionWindow',
        entityType: 'spend_settings',
        entityId: ctx.account.id,
        before: { correctionWindowDays: before },
        after: out,
      });
      return out;
    });
  });
