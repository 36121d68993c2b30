import { z } from 'zod';
import { ACCOUNT_KINDS } from '@trellis/domain';
import { memberships, teams } from '@trellis/db';
import { publicProcedure } from '../../trpc';
import { role, userOut } from '../shapes';

/** The signed-in user and their memberships, or null when nobody is signed in. */
export const meRoute = publicProcedure
  .input(z.object({}).optional())
  .output(
    z
      .object({
        user: userOut,
        memberships: z.array(
          z.object({ accountId: z.string(), accountName: z.string(), accountKind: z.enum(ACCOUNT_KINDS), role }),
        ),
        // memberships granted to a team: each covers the team's clients, in the agency's name
        teams: z.array(
          z.object({ teamId: z.string(), teamName: z.string(), agencyId: z.string(), agencyName: z.string(), role }),
        ),
      })
      .nullable(),
  )
  .query(async ({ ctx }) => {
    if (!ctx.user) return null;
    return {
      user: ctx.user,
      memberships: await memberships.membershipsWithAccounts(ctx.db, ctx.user.id),
      teams: await teams.teamMembershipsWithAgencies(ctx.db, ctx.user.id),
    };
  });
