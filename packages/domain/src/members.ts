import { DomainError } from './errors';
import type { Role } from './roles';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function validatePassword(password: string): void {
  if (password.length < PASSWORD_MIN) {
    throw new DomainError('INVALID_INPUT', `Password must be at least ${PASSWORD_MIN} characters.`, {
      password: `at least ${PASSWORD_MIN} characters`,
    });
  }
  if (password.length > PASSWORD_MAX) {
    throw new DomainError('INVALID_INPUT', `Password must be at most ${PASSWORD_MAX} characters.`, {
      password: `at most ${PASSWORD_MAX} characters`,
    });
  }
}

export interface MembershipChange {
  /** Role the membership has now. */
  currentRole: Role;
  /** Role after the change; null when the membership is removed. */
  nextRole: Role | null;
  /** Whether the membership is on an account whose last admin is kept (a root account; see `keepsItsLastAdmin`). */
  onRoot: boolean;
  /** How many admin memberships the root account has now, this one included. */
  rootAdminCount: number;
}

/**
 * Accounts whose last admin nobody may remove or demote (SPEC 3): a root account, and a premium client even while it is
 * connected under an agency, since its own membership list is the client's alone and it must leave with an admin
 * (SPEC 2.2).
 */
export function keepsItsLastAdmin(account: {
  parentId: string | null;
  kind: string;
  clientTier: string | null;
}): boolean {
  return account.parentId === null || (account.kind === 'client' && account.clientTier === 'premium');
}

/** Nobody may remove or demote the last admin of a root account (SPEC 3). */
export function assertKeepsAnAdmin(change: MembershipChange): void {
  const losesAdmin = change.currentRole === 'admin' && change.nextRole !== 'admin';
  if (change.onRoot && losesAdmin && change.rootAdminCount <= 1) {
    throw new DomainError('LAST_ROOT_ADMIN', 'This is the last admin of the account; make someone else admin first.');
  }
}

export type InvitationState =
  | { kind: 'pending'; expiresAt: Date }
  | { kind: 'accepted'; at: Date }
  | { kind: 'revoked'; at: Date }
  | { kind: 'expired'; at: Date };

export interface InvitationFacts {
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

export function invitationState(inv: InvitationFacts, now: Date): InvitationState {
  if (inv.acceptedAt) return { kind: 'accepted', at: inv.acceptedAt };
  if (inv.revokedAt) return { kind: 'revoked', at: inv.revokedAt };
  if (inv.expiresAt.getTime() <= now.getTime()) return { kind: 'expired', at: inv.expiresAt };
  return { kind: 'pending', expiresAt: inv.expiresAt };
}

/** Invitations are single-use, expire after 7 days and can be revoked (SPEC 3). */
export function assertInvitationUsable(inv: InvitationFacts, now: Date): void {
  const state = invitationState(inv, now);
  switch (state.kind) {
    case 'pending':
      return;
    case 'accepted':
      throw new DomainError('INVITATION_USED', 'This invitation has already been used.');
    case 'revoked':
      throw new DomainError('INVITATION_REVOKED', 'This invitation was revoked.');
    case 'expired':
      throw new DomainError('INVITATION_EXPIRED', 'This invitation has expired; ask for a new one.');
    default: {
      const never: never = state;
      throw new Error(`unhandled invitation state ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Who accepts an invitation (SPEC 3, 12). Accepting never checks a password, so it is no password oracle:
 * - signed in as the invited email: that user accepts, the session stays;
 * - signed in as anyone else: refused, naming the invited email;
 * - signed out, the email has no account yet: a new user is created with the name and password given;
 * - signed out, the email has an account: that user must sign in first (the sign-in throttle guards the password).
 */
export type Acceptance = { kind: 'signed-in-user' } | { kind: 'new-user' };

export function decideAcceptance(f: {
  invitedEmail: string;
  signedInEmail: string | null;
  emailHasAccount: boolean;
}): Acceptance {
  if (f.signedInEmail !== null) {
    if (normalizeEmail(f.signedInEmail) === normalizeEmail(f.invitedEmail)) return { kind: 'signed-in-user' };
    throw new DomainError(
      'INVITATION_FOR_ANOTHER_USER',
      `This invitation is for ${f.invitedEmail}; sign out and sign in as that user`,
    );
  }
  if (f.emailHasAccount)
    throw new DomainError('INVITATION_NEEDS_SIGN_IN', `Sign in as ${f.invitedEmail} to accept this invitation`);
  return { kind: 'new-user' };
}

/** Only a pending invitation can be revoked. */
export function assertRevocable(inv: InvitationFacts, now: Date): void {
  assertInvitationUsable(inv, now);
}

/**
 * Password guessing (SPEC 12). Every attempt is counted, before the password is hashed, against three counters of a
 * 15-minute window: the (address, email) pair, the email, and the address. `attempts` include the one being decided.
 * - A pair gets 5 attempts a window: one address cannot keep guessing one email.
 * - Past the first few attempts on an email (from anywhere), or on one address (at any email), only an address's
 *   first attempt at that email in the window goes on: many addresses cannot share a long guessing run on one
 *   email, and one address cannot guess long at many emails.
 * So a lockout is per (address, email) after the first few failures: a guesser never locks another user, at
 * another address, out of the right password.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const SIGN_IN_LIMITS = { perAddressAndEmail: 5, perEmail: 10, perAddress: 30 } as const satisfies Record<
  string,
  number
>;

export interface SignInAttempts {
  pair: number;
  email: number;
  address: number;
}

export function signInAttemptAllowed(a: SignInAttempts): boolean {
  if (a.pair > SIGN_IN_LIMITS.perAddressAndEmail) return false;
  const firstAtThisEmail = a.pair === 1;
  return firstAtThisEmail || (a.email <= SIGN_IN_LIMITS.perEmail && a.address <= SIGN_IN_LIMITS.perAddress);
}

/**
 * The address a sign-in attempt is counted under: an IPv4 address as it is (also when IPv4-mapped), an IPv6 address
 * by its /64 network, since one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function throttleAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('%')[0]!.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export function assertSignInAllowed(a: SignInAttempts): void {
  if (!signInAttemptAllowed(a)) {
    throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins; try again in 15 minutes.');
  }
}
