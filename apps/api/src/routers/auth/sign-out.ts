import { z } from 'zod';
import { sessions } from '@trellis/db';
import { publicProcedure } from '../../trpc';

export const signOutRoute = publicProcedure
  .input(z.object({}).optional())
  .output(z.object({ ok: z.literal(true) }))
  .mutation(async ({ ctx }) => {
    if (ctx.sessionTokenHash) await sessions.deleteSession(ctx.db, ctx.sessionTokenHash);
    ctx.cookies.clear();
    return { ok: true as const };
  });
