import { z } from 'zod';
import { assertPlatformOperator, DomainError, nameKey, validateAccountName, validateCurrency, validateTimeZone } from '@trellis/domain';
import { accounts } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { nameInput } from '../accounts/create-holding';
import { accountOut, toAccountOut } from '../shapes';

/** A platform operator creates a premium client: a standalone level-3 account, its own root (SPEC 2, 2.2). */
export const createPremiumRoute = authedProcedure
  .input(z.object({ name: nameInput, currency: z.string().max(10), timeZone: z.string().max(100) }))
  .output(accountOut)
  .mutation(async ({ ctx, input }) => {
    assertPlatformOperator(ctx.actor);
    const name = validateAccountName(input.name);
    const currency = validateCurrency(input.currency);
    const timeZone = validateTimeZone(input.timeZone);
    return ctx.db.transaction().execute(async (trx) => {
      if (await accounts.siblingNameTaken(trx, null, nameKey(name))) {
        throw new DomainError('NAME_TAKEN', `An account named "${name}" already exists at the top level.`, { name: 'already taken' });
      }
      const created = await accounts.insertAccount(trx, { parent: null, kind: 'client', level: 3, clientTier: 'premium', name, nameKey: nameKey(name), currency, timeZone });
      const out = toAccountOut(created);
      await recordAudit(trx, ctx, { rootId: created.rootId, accountId: created.id, action: 'account.create', entityType: 'account', entityId: created.id, after: out });
      return out;
    });
  });
