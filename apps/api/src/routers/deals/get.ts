import { z } from 'zod';
import { authorize, DomainError } from '@trellis/domain';
import { accounts, deals } from '@trellis/db';
import { authedProcedure } from '../../trpc';
import { dealOut, id, toDealOut } from '../shapes';

/**
 * One deal with its terms, for those who may use it (members at the owner or below) and the owner's ancestors.
 * Anyone else, a sibling branch above all, gets NOT_FOUND: they never learn the deal exists (SPEC 5).
 */
export const getDealRoute = authedProcedure
  .input(z.object({ dealId: id }))
  .output(dealOut)
  .query(async ({ ctx, input }) => {
    const deal = await deals.findDeal(ctx.db, input.dealId);
    if (!deal) throw new DomainError('NOT_FOUND', 'Deal not found.');
    const owner = (await accounts.findAccount(ctx.db, deal.ownerAccountId))!;
    if (authorize(ctx.actor, accounts.toFacts(owner), 'deals.view').ok) return toDealOut(deal);
    // a member of an account below the owner uses the deal, so sees it
    const below = [...(await accounts.pathsOf(ctx.db, [...ctx.actor.memberships.keys()]))].filter(([, path]) =>
      path.includes(owner.id),
    );
    for (const [accountId] of below) {
      const a = (await accounts.findAccount(ctx.db, accountId))!;
      if (authorize(ctx.actor, accounts.toFacts(a), 'deals.view').ok) return toDealOut(deal);
    }
    throw new DomainError('NOT_FOUND', 'Deal not found.');
  });
