import { initTRPC, TRPCError } from '@trpc/server';
import { z, ZodError } from 'zod';
import {
  authorize,
  DomainError,
  refusalError,
  isDomainError,
  type AccountFacts,
  type Action,
  type Actor,
  type DomainErrorCode,
  type Role,
} from '@trellis/domain';
import {
  accounts,
  isDatabaseUnavailable,
  memberships,
  pgErrorCode,
  teams,
  UNIQUE_VIOLATION,
  type AccountWithPath,
  type Trx,
} from '@trellis/db';
import type { Context } from './context';

/** The one table that turns a domain refusal into a transport error (SPEC 9). */
const CODE_OF: Record<DomainErrorCode, TRPCError['code']> = {
  FORBIDDEN_BY_LEVEL: 'FORBIDDEN',
  FORBIDDEN_BY_ROLE: 'FORBIDDEN',
  FORBIDDEN_BY_STANDARD_CLIENT_LIMIT: 'FORBIDDEN',
  FORBIDDEN_BY_SCOPE: 'FORBIDDEN',
  FORBIDDEN_BY_PREMIUM_CLIENT: 'FORBIDDEN',
  FORBIDDEN_PLATFORM_OPERATOR_ONLY: 'FORBIDDEN',
  OUT_OF_SCOPE: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_INPUT: 'BAD_REQUEST',
  INVALID_PARENT: 'BAD_REQUEST',
  NAME_TAKEN: 'CONFLICT',
  ACCOUNT_ARCHIVED: 'CONFLICT',
  ACCOUNT_HAS_ACTIVE_CHILDREN: 'CONFLICT',
  LAST_ROOT_ADMIN: 'CONFLICT',
  INVITATION_EXPIRED: 'CONFLICT',
  INVITATION_USED: 'CONFLICT',
  INVITATION_REVOKED: 'CONFLICT',
  INVITATION_FOR_ANOTHER_USER: 'FORBIDDEN',
  INVITATION_NEEDS_SIGN_IN: 'CONFLICT',
  ALREADY_MEMBER: 'CONFLICT',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  TOO_MANY_ATTEMPTS: 'TOO_MANY_REQUESTS',
  SEAT_ALREADY_LINKED: 'CONFLICT',
  SEAT_ONE_PER_DSP: 'CONFLICT',
  SEAT_ALREADY_THERE: 'CONFLICT',
  FORBIDDEN_BY_SEAT_RULE: 'FORBIDDEN',
  DEAL_ID_TAKEN: 'CONFLICT',
  CONNECTION_INVALID: 'CONFLICT',
  CONNECTION_EXPIRED: 'CONFLICT',
  CLIENT_ALREADY_CONNECTED: 'CONFLICT',
  FORBIDDEN_FOR_STANDARD_CLIENT: 'FORBIDDEN',
  CAMPAIGN_OWNER_IMMUTABLE: 'BAD_REQUEST',
  CAMPAIGN_NEEDS_CLIENT: 'BAD_REQUEST',
  DEAL_NOT_USABLE: 'BAD_REQUEST',
  INSUFFICIENT_CREDIT: 'CONFLICT',
  PAYMENT_DECLINED: 'PAYMENT_REQUIRED',
  INSUFFICIENT_FUNDS: 'PAYMENT_REQUIRED',
  CARD_INVALID: 'BAD_REQUEST',
  IDEMPOTENCY_CONFLICT: 'CONFLICT',
  REFUND_TOO_LARGE: 'BAD_REQUEST',
  CHANGED_MEANWHILE: 'CONFLICT',
};

function fieldErrorsOf(cause: unknown): Record<string, string> | undefined {
  if (cause instanceof ZodError) {
    const out: Record<string, string> = {};
    for (const issue of cause.issues) out[issue.path.join('.') || '(input)'] ??= issue.message;
    return out;
  }
  if (isDomainError(cause)) return cause.fields ? { ...cause.fields } : undefined;
  return undefined;
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const fields = fieldErrorsOf(error.cause);
    const message =
      error.code === 'INTERNAL_SERVER_ERROR'
        ? 'Something went wrong on our side; nothing was changed.'
        : error.cause instanceof ZodError && fields
          ? Object.entries(fields)
              .map(([k, v]) => `${k}: ${v}`)
              .join('; ')
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        /** The rule that refused, e.g. FORBIDDEN_BY_LEVEL. */
        // Out of scope reads exactly like missing (SPEC 12): the same code, message and rule on the wire.
        rule: isDomainError(error.cause)
          ? error.cause.code === 'OUT_OF_SCOPE'
            ? 'NOT_FOUND'
            : error.cause.code
          : null,
        fieldErrors: fields ?? null,
      },
    };
  },
});

/**
 * PostgreSQL data exceptions that only a bad value in a request can cause: text too long (22001), a number out of
 * range (22003), a malformed or out-of-range date (22007, 22008), a NUL or unencodable character (22021, 22P05),
 * a value of the wrong syntax, e.g. no uuid (22P02).
 */
const BAD_DATA: ReadonlySet<string> = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05']);

/** What a caller reads while the database is down, restarting or too slow to answer (issue 21). */
export const DATABASE_UNAVAILABLE = 'The database is not answering right now; try again in a moment.';

/** Turns domain refusals, constraint races and an unavailable database into their tRPC codes, with a readable message. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (isDomainError(cause)) throw new TRPCError({ code: CODE_OF[cause.code], message: cause.message, cause });
  if (isDatabaseUnavailable(cause))
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE, cause });
  if (pgErrorCode(cause) === UNIQUE_VIOLATION) {
    throw new TRPCError({ code: 'CONFLICT', message: 'That already exists; reload and try again.', cause });
  }
  if (BAD_DATA.has(pgErrorCode(cause) ?? '')) {
    // A safety net only: the input blocks in routers/inputs.ts should refuse such a value before any query.
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'A value in the request cannot be stored (invalid text, number or date).',
      cause,
    });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
  const actor: Actor = {
    userId: ctx.user.id,
    platformOperator: ctx.user.platformOperator,
    memberships: await memberships.membershipsOfUser(ctx.db, ctx.user.id),
    teamMemberships: await teams.teamMembershipsOfUser(ctx.db, ctx.user.id),
  };
  return next({ ctx: { ...ctx, user: ctx.user, actor } });
});

/** Loads an account the actor may at least see; anything else is NOT_FOUND, never FORBIDDEN (SPEC 9). */
export async function loadVisibleAccount(
  ctx: { db: Context['db']; actor: Actor },
  accountId: string,
): Promise<{ account: AccountWithPath; facts: AccountFacts }> {
  const account = await accounts.findAccount(ctx.db, accountId);
  if (!account) throw new DomainError('NOT_FOUND', 'Account not found.');
  const facts = accounts.toFacts(account);
  const view = authorize(ctx.actor, facts, 'account.view');
  if (!view.ok) throw refusalError(view);
  return { account, facts };
}

/** loadVisibleAccount for an account reached through another record: any refusal reads as that record missing. */
export async function loadVisibleAccountOf(
  ctx: { db: Context['db']; actor: Actor },
  accountId: string,
  missing: string,
) {
  try {
    return await loadVisibleAccount(ctx, accountId);
  } catch (e) {
    if (isDomainError(e)) throw new DomainError('NOT_FOUND', missing);
    throw e;
  }
}

/**
 * Inside a write transaction, holds an account that was checked before it where it is (a move waits for the end of
 * the transaction, and this waits for a move under way), and reads it again. If it moved meanwhile (a disconnect,
 * connection or transfer), the checks made on the old tree no longer hold: NOT_FOUND (`missing`) when it is out of the
 * caller's sight now, CHANGED_MEANWHILE (try again) otherwise. Returns the account as it is now.
 */
export async function pinAccount(
  trx: Trx,
  ctx: { actor: Actor },
  account: Pick<AccountWithPath, 'id' | 'rootId' | 'parentId'>,
  missing = 'Account not found.',
): Promise<AccountWithPath> {
  await accounts.lockAgainstMove(trx, [account.id]);
  const now = await accounts.findAccount(trx, account.id);
  if (now && now.rootId === account.rootId && now.parentId === account.parentId) return now;
  if (!now || !authorize(ctx.actor, accounts.toFacts(now), 'account.view').ok)
    throw new DomainError('NOT_FOUND', missing);
  throw new DomainError(
    'CHANGED_MEANWHILE',
    'This account moved to another organisation meanwhile; reload and try again.',
  );
}

/** Throws the refusal unless the actor may perform the action on the account; returns the granting role. */
export function assertMay(actor: Actor, facts: AccountFacts, action: Action): Role | 'platform-operator' {
  const d = authorize(actor, facts, action);
  if (!d.ok) throw refusalError(d);
  return d.role;
}

/**
 * assertMay on an account reached through another record (after loadVisibleAccountOf): a platform operator sees every
 * account but is out of scope for most actions, and that refusal must read exactly as the record missing (SPEC 12).
 */
export function assertMayOf(
  actor: Actor,
  facts: AccountFacts,
  action: Action,
  missing: string,
): Role | 'platform-operator' {
  const d = authorize(actor, facts, action);
  if (!d.ok) throw d.code === 'OUT_OF_SCOPE' ? new DomainError('NOT_FOUND', missing) : refusalError(d);
  return d.role;
}

/**
 * A procedure on one account: its input is `accountId` plus the given fields, all validated first; ctx is then
 * narrowed to the account after the scope check, with `may(action)` to assert the rest.
 */
export function accountProcedure<T extends z.ZodRawShape = Record<never, never>>(shape?: T) {
  return authedProcedure
    .input(z.object({ accountId: z.uuid({ message: 'must be a valid id' }), ...(shape ?? ({} as T)) }))
    .use(async ({ ctx, input, next }) => {
      const { account, facts } = await loadVisibleAccount(ctx, (input as { accountId: string }).accountId);
      return next({ ctx: { ...ctx, account, facts, may: (action: Action) => assertMay(ctx.actor, facts, action) } });
    });
}
