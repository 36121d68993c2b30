import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authorize, DomainError, roleAllows, type Actor } from '@trellis/domain';
import { accounts, memberships, spend, teams } from '@trellis/db';
import type { Context } from '../../context';
import { assertMay, loadVisibleAccount, publicProcedure } from '../../trpc';
import { assertRootAccount } from '../ingest-keys/shape';

export const MAX_RECORDS = 10_000;

export const ingestOut = z.object({
  batchId: z.string(),
  accepted: z.number(),
  /** SPEC 13: higher revisions of stored events, applied; lower ones, counted. */
  corrected: z.number(),
  duplicates: z.number(),
  stale: z.number(),
  rejected: z.array(
    z.object({
      index: z.number(),
      eventId: z.string().nullable(),
      reason: z.enum(spend.REJECT_REASONS),
      detail: z.string().nullable(),
    }),
  ),
});

/**
 * Who may push spend into a root (SPEC 10): that root's ingest key as the bearer, or a session with operator role or
 * better on it. An ingest key of another root reads as the account missing (NOT_FOUND), like any out-of-scope id.
 */
export async function ingestCaller(
  ctx: Context,
  accountId: string,
): Promise<{ rootId: string; keyId: string | null; userId: string | null }> {
  if (ctx.ingestKey) {
    if (ctx.ingestKey.rootId !== accountId) throw new DomainError('NOT_FOUND', 'Account not found.');
    // the key's account is a root still: a premium client's key rests while it is connected to an agency (SPEC 1)
    const account = await accounts.findAccount(ctx.db, accountId);
    if (!account) throw new DomainError('NOT_FOUND', 'Account not found.');
    assertRootAccount(account);
    return { rootId: ctx.ingestKey.rootId, keyId: ctx.ingestKey.id, userId: null };
  }
  if (!ctx.user)
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'Sign in first, or send a live ingest key of this account as the bearer.',
    });
  const actor: Actor = {
    userId: ctx.user.id,
    platformOperator: ctx.user.platformOperator,
    memberships: await memberships.membershipsOfUser(ctx.db, ctx.user.id),
    teamMemberships: await teams.teamMembershipsOfUser(ctx.db, ctx.user.id),
  };
  const { account, facts } = await loadVisibleAccount({ db: ctx.db, actor }, accountId);
  assertMay(actor, facts, 'spend.ingest');
  assertRootAccount(account);
  return { rootId: account.id, keyId: null, userId: ctx.user.id };
}

/**
 * Whether a signed-in user may push spend into some root (operator role or better on it): only such a caller gets the
 * large body of spend.ingest (issue 18). The procedure still checks the root the call names; a caller who may ingest
 * into a root of its own can send that root a body of that size anyway, so naming another root gains it nothing.
 */
export async function mayIngestSomewhere(db: Context['db'], user: { id: string; platformOperator: boolean }) {
  const held = await memberships.membershipsOfUser(db, user.id);
  const actor: Actor = { userId: user.id, platformOperator: user.platformOperator, memberships: held };
  for (const [accountId, role] of held) {
    if (!roleAllows(role, 'spend.ingest')) continue;
    const account = await accounts.findAccount(db, accountId);
    if (account && account.parentId === null && authorize(actor, accounts.toFacts(account), 'spend.ingest').ok)
      return true;
  }
  return false;
}

/**
 * Up to 10,000 spend records into a root account (SPEC 7, 10). Each record is accepted, a duplicate (its eventId
 * already seen in this root: counted, not stored), or rejected with its index and reason; the good ones are stored
 * whatever their neighbours. One transaction, one set-based statement (shared with the CLI).
 */
export const ingestSpendRoute = publicProcedure
  .input(
    z.object({
      accountId: z.uuid({ message: 'must be a valid id' }),
      records: z.array(z.unknown()).max(MAX_RECORDS, `at most ${MAX_RECORDS} records a call`),
    }),
  )
  .output(ingestOut)
  .mutation(async ({ ctx, input }) => {
    const who = await ingestCaller(ctx, input.accountId);
    const res = await ctx.db
      .transaction()
      .execute((trx) => spend.ingestBatch(trx, { ...who, records: input.records, now: ctx.now() }));
    return {
      batchId: res.batchId,
      accepted: res.accepted,
      corrected: res.corrected,
      duplicates: res.duplicates,
      stale: res.stale,
      rejected: res.rejected,
    };
  });
