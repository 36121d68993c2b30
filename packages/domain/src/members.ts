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
export function keepsItsLastAdmin(account: { parentId: string | null; kind: string; clientTier: string | null }): boolean {
  return account.parentId === null || (account.kind === 'client' && account.clientTier === 'premium');
}

/** Nobody may remove or demote the last admin of a root account (SPEC 3). */
export function assertKeepsAnAdmin(change: MembershipChange): void {
  const losesAdmin = change.currentRole === 'admin' && change.nextRole !== 'admin';
  if (change.onRoot && losesAdmin && change.rootAdminCount <= 1) {
    throw new DomainError(
      'LAST_ROOT_ADMIN',
      'This is the last admin of the account; make someone else admin first.',
    );
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

/** Only a pending invitation can be revoked. */
export function assertRevocable(inv: InvitationFacts, now: Date): void {
  assertInvitationUsable(inv, now);
}

/** Failed sign-ins allowed per window before sign-in is refused for a while (per email and per address). */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const SIGN_IN_MAX_FAILURES_PER_EMAIL = 5;
export const SIGN_IN_MAX_FAILURES_PER_ADDRESS = 30;

export function assertSignInAllowed(failures: { byEmail: number; byAddress: number }): void {
  if (failures.byEmail >= SIGN_IN_MAX_FAILURES_PER_EMAIL || failures.byAddress >= SIGN_IN_MAX_FAILURES_PER_ADDRESS) {
    throw new DomainError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins; try again in 15 minutes.');
  }
}
