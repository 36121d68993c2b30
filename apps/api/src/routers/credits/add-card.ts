import { z } from 'zod';
import { DomainError, validateCard } from '@trellis/domain';
import { credits } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, pinAccount } from '../../trpc';
import { text } from '../inputs';
import { id } from '../shapes';
import { loadClient, paymentMethodOut, toPaymentMethodOut } from './load';

/**
 * Adds a card to a client (admins and operators). The number and CVC are checked (Luhn, expiry, brand) before the
 * provider sees them, handed to the provider once, and never stored, logged or echoed: only brand, last four and
 * expiry are kept, with the provider's opaque reference.
 */
export const addCardRoute = authedProcedure
  .input(
    z.object({
      clientId: id,
      number: text(40),
      expMonth: z.number().int('must be a month, 1-12'),
      expYear: z.number().int('must be a four-digit year'),
      cvc: text(8),
    }),
  )
  .output(paymentMethodOut)
  .mutation(async ({ ctx, input }) => {
    const { account } = await loadClient(ctx, input.clientId, 'paymentMethods.manage');
    const card = validateCard(input, ctx.now());
    const stored = await ctx.payments.addCard({
      digits: card.digits,
      brand: card.brand,
      expMonth: card.expMonth,
      expYear: card.expYear,
      cvc: input.cvc,
    });
    if (!stored.ok)
      throw new DomainError('PAYMENT_DECLINED', 'The card was refused by the payment provider. Try another card.', {
        number: 'refused by the payment provider',
      });
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      const pm = await credits.insertPaymentMethod(trx, {
        rootId: account.rootId,
        clientId: account.id,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        provider: ctx.payments.name,
        providerRef: stored.ref,
        by: ctx.user.id,
        at: ctx.now(),
      });
      const out = toPaymentMethodOut(pm, ctx.now());
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'credits.addCard',
        entityType: 'payment_method',
        entityId: pm.id,
        after: out,
      });
      return out;
    });
  });
