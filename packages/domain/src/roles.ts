import type { LevelCapability } from './levels';

/** Roles a membership can carry (SPEC 3), strongest first. */
export const ROLES = ['admin', 'operator', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/** Every action the product authorizes on an account. */
export const ACTIONS = [
  'account.view',
  'members.view',
  'deals.view',
  'seats.view',
  'campaigns.view',
  'credits.view',
  'connections.view',
  'reports.run',
  'reports.save',
  'reports.viewShared',
  'deals.edit',
  'campaigns.edit',
  'seats.assign',
  'reports.share',
  'credits.topUp',
  'paymentMethods.manage',
  'members.invite',
  'members.manage',
  'accounts.createSub',
  'accounts.archiveSub',
  'seats.link',
  'seats.reclaim',
  'connections.manage',
  'teams.manage',
  'ingestKeys.manage',
  'audit.view',
  'deals.createForPublisher',
  'spend.ingest',
  'spend.configure',
] as const;
export type Action = (typeof ACTIONS)[number];

type Row = { readonly actions: readonly Action[]; readonly roles: Record<Role, boolean> };

/** The role table of SPEC 3, one entry per row of the spec (plus the audit rule of SPEC 8). */
export const ROLE_TABLE = {
  'view the account, its tree, its deals, seats, campaigns, credits': {
    actions: [
      'account.view',
      'members.view',
      'deals.view',
      'seats.view',
      'campaigns.view',
      'credits.view',
      'connections.view',
    ],
    roles: { admin: true, operator: true, analyst: true },
  },
  // analysts too: saving, renaming and deleting a report of their own account changes no deal, seat, campaign,
  // credit or member (deleting one that is shared with clients also unshares it: that needs reports.share)
  'run, save and export reports': {
    actions: ['reports.run', 'reports.save', 'reports.viewShared'],
    roles: { admin: true, operator: true, analyst: true },
  },
  'create or edit deals, campaigns; assign seats to sub-accounts; share reports': {
    actions: ['deals.edit', 'campaigns.edit', 'seats.assign', 'reports.share'],
    roles: { admin: true, operator: true, analyst: false },
  },
  'top up credits; manage payment methods': {
    actions: ['credits.topUp', 'paymentMethods.manage'],
    roles: { admin: true, operator: true, analyst: false },
  },
  'invite, change, remove members; create and archive sub-accounts; link seats; connect and disconnect; ingest keys': {
    actions: [
      'members.invite',
      'members.manage',
      'accounts.createSub',
      'accounts.archiveSub',
      'seats.link',
      'seats.reclaim',
      'connections.manage',
      'teams.manage',
      'ingestKeys.manage',
      // SPEC 13: a root's correction window, set by its admins
      'spend.configure',
    ],
    roles: { admin: true, operator: false, analyst: false },
  },
  'see the audit entries of the account and its descendants (SPEC 8)': {
    actions: ['audit.view'],
    roles: { admin: true, operator: false, analyst: false },
  },
  'create a publisher-initiated deal for a buyer account (platform operators only, SPEC 5)': {
    actions: ['deals.createForPublisher'],
    roles: { admin: false, operator: false, analyst: false },
  },
  'push spend to a root account and see its ingestion status (SPEC 10: operator role or better)': {
    actions: ['spend.ingest'],
    roles: { admin: true, operator: true, analyst: false },
  },
} as const satisfies Record<string, Row>;

const ROW_OF_ACTION = new Map<Action, Row>();
for (const row of Object.values(ROLE_TABLE) as Row[]) for (const a of row.actions) ROW_OF_ACTION.set(a, row);

export function roleAllows(role: Role, action: Action): boolean {
  return ROW_OF_ACTION.get(action)?.roles[role] ?? false;
}

/** The roles that allow an action, strongest first: who on an account is told of something they may act on or see. */
export function rolesAllowing(action: Action): Role[] {
  return ROLES.filter((role) => roleAllows(role, action));
}

/** The level capability an action needs on the account it is performed on, if any (SPEC 2.1). */
export const ACTION_NEEDS_CAPABILITY: Partial<Record<Action, LevelCapability>> = {
  'accounts.createSub': 'createSubAccounts',
  'accounts.archiveSub': 'createSubAccounts',
  'seats.link': 'linkSeats',
  'seats.reclaim': 'linkSeats',
  'teams.manage': 'createSubAccounts',
  'seats.assign': 'assignSeatsToSubAccounts',
  'deals.edit': 'createDeals',
};

/**
 * What the members of a standard client account itself may do, whatever their role (SPEC 2.2): manage the users of
 * that account and view the reports shared with it. Everything else (report configuration, seats, deals, campaigns,
 * credits) is refused. Their role still applies on top.
 */
export const STANDARD_CLIENT_MEMBER_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'account.view',
  'members.view',
  'members.invite',
  'members.manage',
  'reports.viewShared',
]);

/** Actions that start new work, refused on an archived account (SPEC 2). */
export const NEW_WORK_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'accounts.createSub',
  'deals.edit',
  'campaigns.edit',
  'seats.assign',
  'seats.link',
  'seats.reclaim',
  'deals.createForPublisher',
  'credits.topUp',
  'paymentMethods.manage',
  'members.invite',
]);

export const roleRank = (r: Role): number => ROLES.indexOf(r);
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
