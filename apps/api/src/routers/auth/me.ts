import { z } from 'zod';
import { ACCOUNT_KINDS } from '@trellis/domain';
import { accounts, memberships } from '@trellis/db';
import { publicProcedure } from '../../trpc';
import { role, userOut } from '../shapes';

/** The signed-in user and their memberships, or null when nobody is signed in. */
export const meRoute = publicProcedure
  .input(z.object({}).optional())
  .output(
    z
      .object({
        user: userOut,
        memberships: z.array(z.object({ accountId: z.string(), accountName: z.string(), accountKind: z.enum(ACCOUNT_KINDS), role })),
      })
      .nullable(),
  )
  .query(async ({ ctx }) => {
    if (!ctx.user) return null;
    const mine = await memberships.membershipsOfUser(ctx.db, ctx.user.id);
    const list = await Promise.all(
      [...mine].map(async ([accountId, r]) => {
        const a = (await accounts.findAccount(ctx.db, accountId))!;
        return { accountId, accountName: a.name, accountKind: a.kind, role: r };
      }),
    );
    return { user: ctx.user, memberships: list.sort((a, b) => a.accountName.localeCompare(b.accountName)) };
  });
