import { z } from 'zod';
import { assertSignInAllowed, DomainError, normalizeEmail, SESSION_TTL_MS, SIGN_IN_WINDOW_MS } from '@trellis/domain';
import { sessions, signIn, users } from '@trellis/db';
import { dummyPasswordHash, hashToken, newToken, verifyPassword } from '../../lib/secrets';
import { publicProcedure } from '../../trpc';
import { userOut } from '../shapes';
import { email, password } from '../inputs';

export const signInInput = z.object({ email, password });

/** Same answer, in about the same time, for an unknown email and a wrong password (no user enumeration). */
export const signInRoute = publicProcedure
  .input(signInInput)
  .output(z.object({ token: z.string(), user: userOut }))
  .mutation(async ({ ctx, input }) => {
    const email = normalizeEmail(input.email);
    const keys = { email, address: ctx.clientAddress };
    const now = ctx.now();
    assertSignInAllowed(await signIn.countSignInFailures(ctx.db, keys, new Date(now.getTime() - SIGN_IN_WINDOW_MS)));
    const user = await users.findUserByEmail(ctx.db, email);
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok) {
      await signIn.recordSignInFailure(ctx.db, keys, now);
      throw new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect.');
    }
    await signIn.clearSignInFailures(ctx.db, email, new Date(now.getTime() - SIGN_IN_WINDOW_MS));
    const token = newToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await sessions.insertSession(ctx.db, { tokenHash: hashToken(token), userId: user.id, expiresAt });
    ctx.cookies.set(token, expiresAt);
    const { passwordHash: _h, ...publicUser } = user;
    return { token, user: publicUser };
  });
