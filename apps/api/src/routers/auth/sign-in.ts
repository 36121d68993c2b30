import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  assertSignInAllowed,
  DomainError,
  normalizeEmail,
  SESSION_TTL_MS,
  SIGN_IN_LIMITS,
  SIGN_IN_WINDOW_MS,
  throttleAddress,
} from '@trellis/domain';
import { sessions, signIn, users } from '@trellis/db';
import { dummyPasswordHash, hashToken, newToken, verifyPassword } from '../../lib/secrets';
import { publicProcedure } from '../../trpc';
import { userOut } from '../shapes';
import { email, password } from '../inputs';

export const signInInput = z.object({ email, password });

/**
 * Same answer, in about the same time, for an unknown email and a wrong password (no user enumeration). The attempt
 * is reserved in the database before the password is hashed, so parallel or batched guesses are counted one by one
 * and those past the limit are refused without being evaluated (SPEC 12).
 */
export const signInRoute = publicProcedure
  .input(signInInput)
  .output(z.object({ token: z.string(), user: userOut }))
  .mutation(async ({ ctx, input }) => {
    const email = normalizeEmail(input.email);
    const keys = { email, address: throttleAddress(ctx.clientAddress) };
    const now = ctx.now();
    const since = new Date(now.getTime() - SIGN_IN_WINDOW_MS);
    assertSignInAllowed(await signIn.reserveAttempt(ctx.db, keys, now, since, SIGN_IN_LIMITS.perAddressAndEmail));
    const user = await users.findUserByEmail(ctx.db, email);
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash())).catch(
      async (e: unknown) => {
        // Refused by the busy hashing queue: not evaluated, so it does not count against anyone.
        if (e instanceof TRPCError && e.code === 'TOO_MANY_REQUESTS') await signIn.returnAttempt(ctx.db, keys);
        throw e;
      },
    );
    if (!user || !ok) throw new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect.');
    await signIn.releaseAttempt(ctx.db, keys, since);
    const token = newToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await sessions.insertSession(ctx.db, { tokenHash: hashToken(token), userId: user.id, expiresAt });
    ctx.cookies.set(token, expiresAt);
    const { passwordHash: _h, ...publicUser } = user;
    return { token, user: publicUser };
  });
