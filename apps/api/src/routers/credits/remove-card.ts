import { z } from 'zod';
import { DomainError } from '@trellis/domain';
import { credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { assertMay, assertMayOf, authedProcedure, loadVisibleAccountOf, pinAccount } from '../../trpc';
import { id } from '../shapes';
import { paymentMethodOut, toPaymentMethodOut } from './load';

const MISSING = 'Payment method not found.';

/** Removes a card (admins and operators); past top-ups keep referring to it. */
export const removeCardRoute = authedProcedure
  .input(z.object({ paymentMethodId: id }))
  .output(paymentMethodOut)
  .mutation(async ({ ctx, input }) => {
    const pm = await credits.findPaymentMethod(ctx.db, input.paymentMethodId);
    if (!pm || pm.removedAt) throw new DomainError('NOT_FOUND', MISSING);
    const { account, facts } = await loadVisibleAccountOf(ctx, pm.clientId, MISSING);
    assertMayOf(ctx.actor, facts, 'credits.view', MISSING);
    assertMay(ctx.actor, { ...facts, archived: false }, 'paymentMethods.manage');
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account, MISSING);
      await credits.removePaymentMethod(trx, pm.id, ctx.user.id, ctx.now());
      const out = toPaymentMethodOut(pm, ctx.now());
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.removeCard',
        entityType: 'payment_method',
        entityId: pm.id,
        before: out,
      });
      return out;
    });
  });
