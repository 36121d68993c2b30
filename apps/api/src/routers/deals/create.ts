import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, DEAL_TYPES, DomainError, refusalError, validateDeal } from '@trellis/domain';
import { deals } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { accountProcedure, pinAccount } from '../../trpc';
import { dealOut, toDealOut } from '../shapes';
import { instant, micros, text } from '../inputs';

export const createDealInput = {
  name: text(120),
  publisher: text(120),
  type: z.enum(DEAL_TYPES, { message: `type must be one of ${DEAL_TYPES.join(', ')}` }),
  cpmMicros: micros(),
  currency: text(10),
  dsps: z.array(text(40)).max(10),
  startsAt: instant.optional(),
  endsAt: instant.optional(),
  dealId: text(200, { min: 0 }).optional(),
};

/**
 * Creates a deal owned by the account (SPEC 5). A platform operator, who is no member, may create one on a
 * publisher's behalf targeted at a buyer account: a publisher-initiated deal owned by that account.
 */
export const createDealRoute = accountProcedure(createDealInput)
  .output(dealOut)
  .mutation(async ({ ctx, input }) => {
    const asMember = authorize(ctx.actor, ctx.facts, 'deals.edit');
    const publisherInitiated = !asMember.ok && ctx.actor.platformOperator;
    if (!asMember.ok && !publisherInitiated) throw refusalError(asMember);
    if (publisherInitiated) ctx.may('deals.createForPublisher');
    const deal = validateDeal(
      {
        name: input.name,
        publisher: input.publisher,
        type: input.type,
        cpmMicros: input.cpmMicros,
        currency: input.currency,
        dsps: input.dsps,
        startsAt: input.startsAt ? new Date(input.startsAt) : null,
        endsAt: input.endsAt ? new Date(input.endsAt) : null,
        dealId: input.dealId?.trim() || `TRL-${randomBytes(6).toString('hex').toUpperCase()}`,
      },
      ctx.account,
    );
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, ctx.account);
      // unique within the branch, not the organisation: a sibling's deal is never revealed (SPEC 5, 12)
      if (await deals.dealIdTakenInBranch(trx, ctx.account.id, deal.dealId)) {
        throw new DomainError(
          'DEAL_ID_TAKEN',
          `A deal with id ${deal.dealId} already exists for this account, above or below it.`,
          { dealId: 'already used' },
        );
      }
      const created = await deals.insertDeal(trx, {
        ...deal,
        rootId: ctx.account.rootId,
        ownerAccountId: ctx.account.id,
        publisherInitiated,
        createdBy: ctx.user.id,
        createdAt: ctx.now(),
      });
      const out = toDealOut(created);
      await recordAudit(trx, ctx, {
        rootId: created.rootId,
        accountId: ctx.account.id,
        action: publisherInitiated ? 'deal.createForPublisher' : 'deal.create',
        entityType: 'deal',
        entityId: created.id,
        after: out,
      });
      return out;
    });
  });
