import { z } from 'zod';
import { archiveDecision, assertArchivable, DomainError, refusalError } from '@trellis/domain';
import { accounts } from '@trellis/db';
import { recordAudit } from '../../lib/audit';
import { authedProcedure, loadVisibleAccount, pinAccount } from '../../trpc';
import { accountOut, id, toAccountOut } from '../shapes';

/**
 * Archives an account (never deletes it). A sub-account is archived by an admin of its parent (SPEC 3: "create and
 * archive sub-accounts"), a root account by a platform operator, a premium client only by a platform operator or its
 * own admins, never by its agency (SPEC 2.2). Its children must be archived first.
 */
export const archiveAccountRoute = authedProcedure
  .input(z.object({ accountId: id }))
  .output(accountOut)
  .mutation(async ({ ctx, input }) => {
    const { account } = await loadVisibleAccount(ctx, input.accountId);
    const parent = account.parentId ? (await accounts.findAccount(ctx.db, account.parentId))! : null;
    const d = archiveDecision(ctx.actor, accounts.toFacts(account), parent && accounts.toFacts(parent));
    if (!d.ok && d.code === 'FORBIDDEN_BY_SCOPE')
      throw new DomainError('FORBIDDEN_BY_SCOPE', `Only an admin of "${parent!.name}" may archive this account.`);
    if (!d.ok) throw refusalError(d);
    return ctx.db.transaction().execute(async (trx) => {
      // the checks above read the tree before this transaction: the account stays where it is, or is found moved
      await pinAccount(trx, ctx, account);
      await accounts.lockAccount(trx, account.id);
      const fresh = (await accounts.findAccount(trx, account.id))!;
      if (fresh.archivedAt) throw new DomainError('ACCOUNT_ARCHIVED', 'This account is already archived.');
      assertArchivable(await accounts.countActiveChildren(trx, account.id));
      const archived = await accounts.archiveAccount(trx, account.id, ctx.now());
      const out = toAccountOut(archived);
      await recordAudit(trx, ctx, {
        rootId: account.rootId,
        accountId: account.id,
        action: 'account.archive',
        entityType: 'account',
        entityId: account.id,
        before: toAccountOut(fresh),
        after: out,
      });
      return out;
    });
  });
