import { z } from 'zod';
import { ACTIONS, allowedActions, archiveDecision, authorize, ACCOUNT_KINDS } from '@trellis/domain';
import { accounts } from '@trellis/db';
import { accountProcedure } from '../../trpc';
import { accountOut, toAccountOut } from '../shapes';

/** One account, the ancestors the caller may see (for breadcrumbs) and what the caller may do on it. */
export const getAccountRoute = accountProcedure()
  .output(
    accountOut.extend({
      ancestors: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(ACCOUNT_KINDS) })),
      allowedActions: z.array(z.enum(ACTIONS)),
      /** Whether the caller may archive this account (decided on its parent, SPEC 3). */
      canArchive: z.boolean(),
    }),
  )
  .query(async ({ ctx }) => {
    const ancestorIds = ctx.account.path.slice(0, -1);
    const ancestors = [];
    for (const ancestorId of ancestorIds) {
      const a = (await accounts.findAccount(ctx.db, ancestorId))!;
      if (authorize(ctx.actor, accounts.toFacts(a), 'account.view').ok)
        ancestors.push({ id: a.id, name: a.name, kind: a.kind });
    }
    const parentId = ctx.account.parentId;
    const parent = parentId ? await accounts.findAccount(ctx.db, parentId) : undefined;
    const canArchive =
      ctx.account.archivedAt === null &&
      archiveDecision(ctx.actor, ctx.facts, parent ? accounts.toFacts(parent) : null).ok;
    return {
      ...toAccountOut(ctx.account),
      ancestors,
      allowedActions: allowedActions(ctx.actor, ctx.facts, ACTIONS),
      canArchive,
    };
  });
