import { z } from 'zod';
import { authorize, DomainError } from '@trellis/domain';
import { accounts, deals, type AccountWithPath, type Db } from '@trellis/db';
import type { Actor } from '@trellis/domain';
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
    if (await mayViewDeal(ctx, owner)) return toDealOut(deal);
    throw new DomainError('NOT_FOUND', 'Deal not found.');
  });

/** The actor may view a deal of this owner: on the owner or above it, or as a member of an account below it. */
export async function mayViewDeal(ctx: { db: Db; actor: Actor }, owner: AccountWithPath): Promise<boolean> {
  if (authorize(ctx.actor, accounts.toFacts(owner), 'deals.view').ok) return true;
  // a member of an account below the owner uses the deal, so sees it
  const below = [...(await accounts.pathsOf(ctx.db, [...ctx.actor.memberships.keys()]))].filter(([, path]) =>
    path.includes(owner.id),
  );
  for (const [accountId] of below) {
    const a = (await accounts.findAccount(ctx.db, accountId))!;
    if (authorize(ctx.actor, accounts.toFacts(a), 'deals.view').ok) return true;
  }
  return false;
}
