import { z } from 'zod';
import {
  assertPlatformOperator,
  DomainError,
  nameKey,
  validateAccountName,
  validateCurrency,
  validateTimeZone,
} from '@trellis/domain';
import { accounts } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure } from '../../trpc';
import { accountOut, toAccountOut } from '../shapes';
import { text } from '../inputs';

export const nameInput = text(120);
export const rootAccountInput = z.object({ name: nameInput, currency: text(10), timeZone: text(100) });

/**
 * A platform operator creates a root account: a holding (level 1), or a premium client (a standalone level 3).
 * Root names are unique among roots.
 */
export function createRootAccountRoute(
  shape: { kind: 'holding'; level: 1; clientTier: null } | { kind: 'client'; level: 3; clientTier: 'premium' },
) {
  return authedProcedure
    .input(rootAccountInput)
    .output(accountOut)
    .mutation(async ({ ctx, input }) => {
      assertPlatformOperator(ctx.actor);
      const name = validateAccountName(input.name);
      const currency = validateCurrency(input.currency);
      const timeZone = validateTimeZone(input.timeZone);
      return ctx.db.transaction().execute(async (trx) => {
        if (await accounts.siblingNameTaken(trx, null, nameKey(name))) {
          throw new DomainError('NAME_TAKEN', `An account named "${name}" already exists at the top level.`, {
            name: 'already taken',
          });
        }
        const created = await accounts.insertAccount(trx, {
          parent: null,
          ...shape,
          name,
          nameKey: nameKey(name),
          currency,
          timeZone,
        });
        const out = toAccountOut(created);
        await recordAudit(trx, ctx, {
          rootId: created.rootId,
          accountId: created.id,
          action: 'account.create',
          entityType: 'account',
          entityId: created.id,
          after: out,
        });
        return out;
      });
    });
}

export const createHoldingRoute = createRootAccountRoute({ kind: 'holding', level: 1, clientTier: null });
