import { DomainError, type DomainErrorCode } from './errors';
import { levelAllows, type AccountKind, type ClientTier, type Level } from './levels';
import {
  ACTIONS,
  ACTION_NEEDS_CAPABILITY,
  NEW_WORK_ACTIONS,
  STANDARD_CLIENT_MEMBER_ACTIONS,
  roleAllows,
  type Action,
  type Role,
} from './roles';

/** What authorization needs to know about the account an action targets. */
export interface AccountFacts {
  id: string;
  kind: AccountKind;
  level: Level;
  clientTier: ClientTier | null;
  archived: boolean;
  /** Account ids from the root down to this account, this account last. */
  path: readonly string[];
  /** The agency team a client is assigned to (SPEC 2.3), if any. */
  teamId?: string | null;
}

/** Who is acting: a user, their memberships (account id -> role) and whether they run the installation. */
export interface Actor {
  userId: string;
  platformOperator: boolean;
  memberships: ReadonlyMap<string, Role>;
  /** Team memberships (team id -> role): each covers every client of that team (SPEC 2.3). */
  teamMemberships?: ReadonlyMap<string, Role>;
}

export type Grant = { readonly ok: true; readonly role: Role | 'platform-operator' };
export type Refusal = { readonly ok: false; readonly code: DomainErrorCode; readonly message: string };
/** A decision is plain data (no Error is built on the hot path); `refusalError` turns a refusal into one to throw. */
export type Decision = Grant | Refusal;

export const refusalError = (r: Refusal): DomainError => new DomainError(r.code, r.message);

// Decisions are shared constants: authorize() allocates nothing, so it can run millions of times a second.
const refusal = (code: DomainErrorCode, message: string): Refusal => Object.freeze({ ok: false, code, message });
const GRANT: Record<Role | 'platform-operator', Grant> = {
  admin: Object.freeze({ ok: true, role: 'admin' }),
  operator: Object.freeze({ ok: true, role: 'operator' }),
  analyst: Object.freeze({ ok: true, role: 'analyst' }),
  'platform-operator': Object.freeze({ ok: true, role: 'platform-operator' }),
};
const OUT_OF_SCOPE = refusal('OUT_OF_SCOPE', 'Account not found.');
const ARCHIVED = refusal('ACCOUNT_ARCHIVED', 'This account is archived and accepts no new work.');
const STANDARD_CLIENT_LIMIT = refusal(
  'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
  'Members of a standard client may only manage its users and view reports shared with it.',
);
const PREMIUM_CLIENT_OWN = refusal(
  'FORBIDDEN_BY_PREMIUM_CLIENT',
  "A premium client's own members and its archiving are the client's alone; its agency operates it through its own memberships.",
);
/**
 * What only a premium client's own members may do on the client account itself (SPEC 2.2): its membership list is
 * the client's alone, so its agency and holding may not invite to it, re-role or remove its members.
 */
export const PREMIUM_CLIENT_OWN_ACTIONS: ReadonlySet<Action> = new Set<Action>(['members.invite', 'members.manage']);
/**
 * What a client's own members may not do on the client account itself (SPEC 7: reports are "shared by agency members
 * with a client's users"): there only a membership above the client, or a team of its agency, grants it.
 */
export const AGENCY_ONLY_ON_CLIENT_ACTIONS: ReadonlySet<Action> = new Set<Action>(['reports.share']);
const AGENCY_ONLY_ON_CLIENT = refusal(
  'FORBIDDEN_BY_LEVEL',
  "Reports are shared with a client by its agency or holding; the client's own members may not share them.",
);
const BY_ROLE = new Map<Action, Refusal>(
  ACTIONS.map((a) => [a, refusal('FORBIDDEN_BY_ROLE', `Your role does not allow this (${a}).`)]),
);
const BY_LEVEL = new Map<string, Refusal>();
for (const [action, capability] of Object.entries(ACTION_NEEDS_CAPABILITY)) {
  for (const level of [1, 2, 3] as const) {
    BY_LEVEL.set(
      `${action}:${level}`,
      refusal('FORBIDDEN_BY_LEVEL', `A level-${level} account may not do this (${capability}).`),
    );
  }
}

/**
 * What a platform operator may do without a membership (SPEC 1, 5, 10): see the tree, invite to a root, and create
 * a publisher-initiated deal targeted at a buyer account.
 */
function platformOperatorAllows(action: Action, account: AccountFacts): boolean {
  if (action === 'account.view' || action === 'deals.createForPublisher') return true;
  const isRoot = account.path.length === 1;
  return isRoot && (action === 'members.invite' || action === 'members.view');
}

const isStandardClient = (a: AccountFacts) => a.kind === 'client' && a.clientTier === 'standard';
const isPremiumClient = (a: AccountFacts) => a.kind === 'client' && a.clientTier === 'premium';

/**
 * Effective permission (SPEC 3) = scope AND level capability AND role AND the standard-client limits.
 * Any of them says no and the answer is no, naming the rule; scope is decided first, since outside it the account
 * does not exist for the caller.
 */
export function authorize(actor: Actor, account: AccountFacts, action: Action): Decision {
  if (actor.platformOperator && platformOperatorAllows(action, account)) {
    return account.archived && NEW_WORK_ACTIONS.has(action) ? ARCHIVED : GRANT['platform-operator'];
  }

  const teamRole = account.teamId ? actor.teamMemberships?.get(account.teamId) : undefined;
  let covered = teamRole !== undefined;
  for (let i = 0; !covered && i < account.path.length; i++) covered = actor.memberships.has(account.path[i]!);
  if (!covered) return OUT_OF_SCOPE;

  const capability = ACTION_NEEDS_CAPABILITY[action];
  if (
    capability !== undefined &&
    !levelAllows(capability, {
      level: account.level,
      standaloneClient: account.level === 3 && account.path.length === 1,
    })
  ) {
    return BY_LEVEL.get(`${action}:${account.level}`)!;
  }
  if (account.archived && NEW_WORK_ACTIONS.has(action)) {
    return ARCHIVED;
  }

  let best: Role | undefined;
  let limitedByStandardClient = false;
  const premiumOwnOnly = isPremiumClient(account) && PREMIUM_CLIENT_OWN_ACTIONS.has(action);
  let limitedByPremiumClient = false;
  let limitedToAgency = false;
  for (const id of account.path) {
    const role = actor.memberships.get(id);
    if (role === undefined || !roleAllows(role, action)) continue;
    if (premiumOwnOnly && id !== account.id) {
      limitedByPremiumClient = true;
      continue;
    }
    if (id === account.id && isStandardClient(account) && !STANDARD_CLIENT_MEMBER_ACTIONS.has(action)) {
      limitedByStandardClient = true;
      continue;
    }
    if (id === account.id && account.kind === 'client' && AGENCY_ONLY_ON_CLIENT_ACTIONS.has(action)) {
      limitedToAgency = true;
      continue;
    }
    best = role;
    break;
  }
  // A team membership acts like a membership of the agency, on that team's clients only.
  if (best === undefined && teamRole !== undefined && roleAllows(teamRole, action)) {
    if (premiumOwnOnly) limitedByPremiumClient = true;
    else best = teamRole;
  }
  if (best !== undefined) return GRANT[best];
  if (limitedByStandardClient) return STANDARD_CLIENT_LIMIT;
  if (limitedByPremiumClient) return PREMIUM_CLIENT_OWN;
  if (limitedToAgency) return AGENCY_ONLY_ON_CLIENT;
  return BY_ROLE.get(action)!;
}

const ONLY_PLATFORM_OPERATOR = refusal(
  'FORBIDDEN_PLATFORM_OPERATOR_ONLY',
  'Only a platform operator may archive a root account.',
);

/**
 * Who may archive an account (SPEC 2, 2.2, 3): a sub-account by an admin of its parent (`accounts.archiveSub` there),
 * a root account by a platform operator, and a premium client, connected or not, by a platform operator or its own
 * admins only: never by its agency or holding. `parent` is the account's parent (null for a root).
 */
export function archiveDecision(actor: Actor, account: AccountFacts, parent: AccountFacts | null): Decision {
  if (actor.platformOperator && (parent === null || isPremiumClient(account))) return GRANT['platform-operator'];
  if (isPremiumClient(account)) {
    if (actor.memberships.get(account.id) === 'admin') return GRANT.admin;
    const view = authorize(actor, account, 'account.view');
    return view.ok ? PREMIUM_CLIENT_OWN : view;
  }
  if (parent === null) return ONLY_PLATFORM_OPERATOR;
  const d = authorize(actor, parent, 'accounts.archiveSub');
  return !d.ok && d.code === 'OUT_OF_SCOPE'
    ? refusal('FORBIDDEN_BY_SCOPE', 'Only an admin of the parent account may archive this account.')
    : d;
}

/** authorize, throwing the refusal. Returns the role that granted the action. */
export function assertAuthorized(actor: Actor, account: AccountFacts, action: Action): Role | 'platform-operator' {
  const d = authorize(actor, account, action);
  if (!d.ok) throw refusalError(d);
  return d.role;
}

/** Every action the actor may take on the account: lets a client hide what it may not offer. */
export function allowedActions(actor: Actor, account: AccountFacts, actions: readonly Action[]): Action[] {
  return actions.filter((a) => authorize(actor, account, a).ok);
}

/** A membership of the platform operator role cannot be granted; this guards operator-only procedures. */
export function assertPlatformOperator(actor: Actor): void {
  if (!actor.platformOperator) {
    throw new DomainError('FORBIDDEN_PLATFORM_OPERATOR_ONLY', 'Only a platform operator may do this.');
  }
}
