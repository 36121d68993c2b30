import { z } from 'zod';
import {
  DomainError,
  nameKey,
  newChildShape,
  validateAccountName,
  validateCurrency,
  validateTimeZone,
} from '@trellis/domain';
import { accounts } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, assertMay, loadVisibleAccount } from '../../trpc';
import { accountOut, id, toAccountOut } from '../shapes';
import { nameInput } from './create-holding';
import { text } from '../inputs';

export const createAccountInput = z.object({
  parentId: id,
  name: nameInput,
  kind: z.enum(['agency', 'client'], { message: "kind must be 'agency' or 'client'" }),
  currency: text(10).optional(),
  timeZone: text(100).optional(),
});

/** Creates an agency under a holding, or a standard client under an agency; currency and zone default to the parent's. */
export const createAccountRoute = authedProcedure
  .input(createAccountInput)
  .output(accountOut)
  .mutation(async ({ ctx, input }) => {
    const { account: parent, facts } = await loadVisibleAccount(ctx, input.parentId);
    assertMay(ctx.actor, facts, 'accounts.createSub');
    const shape = newChildShape(parent, input.kind);
    const name = validateAccountName(input.name);
    const currency = validateCurrency(input.currency ?? parent.currency);
    const timeZone = validateTimeZone(input.timeZone ?? parent.timeZone);
    return ctx.db.transaction().execute(async (trx) => {
      await accounts.lockAccount(trx, parent.id);
      const fresh = await accounts.findAccount(trx, parent.id);
      if (fresh?.archivedAt)
        throw new DomainError('ACCOUNT_ARCHIVED', 'The parent account is archived and accepts no new work.');
      if (await accounts.siblingNameTaken(trx, parent.id, nameKey(name))) {
        throw new DomainError('NAME_TAKEN', `"${parent.name}" already has a sub-account named "${name}".`, {
          name: 'already taken',
        });
      }
      const created = await accounts.insertAccount(trx, {
        parent,
        ...shape,
        kind: input.kind,
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
