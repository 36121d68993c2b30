import {
  BarChart3,
  Building2,
  Cable,
  CreditCard,
  DatabaseZap,
  FileClock,
  Handshake,
  LayoutDashboard,
  Megaphone,
  MonitorSmartphone,
  Share2,
  Users,
  type LucideIcon,
} from 'lucide-react';
import type { RouterOutputs } from '../../lib/trpc';

export type AccountView = RouterOutputs['accounts']['get'] & { platformOperator: boolean };
export type Action = AccountView['allowedActions'][number];

/** Why a section is not shown: the rule that says no (SPEC 3: level, role, standard-client limit). */
export type Access = { ok: true } | { ok: false; rule: 'level' | 'role' | 'standard-client' | 'kind'; message: string };

const OK: Access = { ok: true };
const isStandardClient = (a: AccountView) => a.kind === 'client' && a.clientTier === 'standard';

/** Access decided by one action of the account's allowedActions, with the refusal that names the rule. */
export function byAction(a: AccountView, action: Action, what: string, roleNeeded = 'an operator or admin'): Access {
  if (a.allowedActions.includes(action)) return OK;
  if (isStandardClient(a) && !a.platformOperator) {
    return {
      ok: false,
      rule: 'standard-client',
      message: `${what} of a standard client are run by its agency: members of the client account itself manage its users only.`,
    };
  }
  return {
    ok: false,
    rule: 'role',
    message: `${what} need ${roleNeeded} role on this account or above it; your role does not allow it.`,
  };
}

export interface SectionDef {
  /** The path segment under /accounts/$accountId ('' for the overview). */
  key: string;
  label: string;
  icon: LucideIcon;
  /** Shown in the sidebar, and reachable by URL, only when this says ok; otherwise the page names the rule. */
  access: (a: AccountView) => Access;
}

/**
 * The account's sections, in sidebar order. To add a screen (Billing, Reports, ...): add an entry here with its
 * visibility rule, and a route file src/routes/accounts/$accountId/<key>.tsx (see apps/web/README.md).
 */
export const SECTIONS: SectionDef[] = [
  { key: '', label: 'Overview', icon: LayoutDashboard, access: () => OK },
  {
    key: 'clients',
    label: 'Clients',
    icon: Building2,
    access: (a) =>
      a.kind === 'client'
        ? {
            ok: false,
            rule: 'level',
            message: 'A client (level 3) has no clients below it: clients sit under agencies.',
          }
        : OK,
  },
  {
    key: 'connections',
    label: 'Connections',
    icon: Cable,
    access: (a) => byAction(a, 'connections.view', 'Connections', 'a'),
  },
  {
    key: 'campaigns',
    label: 'Campaigns',
    icon: Megaphone,
    access: (a) => byAction(a, 'campaigns.view', 'Campaigns', 'a'),
  },
  { key: 'seats', label: 'Seats', icon: MonitorSmartphone, access: (a) => byAction(a, 'seats.view', 'DSP seats', 'a') },
  { key: 'deals', label: 'Deals', icon: Handshake, access: (a) => byAction(a, 'deals.view', 'Deals', 'a') },
  { key: 'members', label: 'Members', icon: Users, access: (a) => byAction(a, 'members.view', 'Members', 'a') },
  {
    key: 'audit',
    label: 'Audit',
    icon: FileClock,
    access: (a) => byAction(a, 'audit.view', 'The audit trail and its entries', 'the admin'),
  },
  {
    key: 'billing',
    label: 'Billing',
    icon: CreditCard,
    access: (a) =>
      a.kind !== 'client'
        ? { ok: false, rule: 'kind', message: 'Credits belong to clients: open one of the clients to see its billing.' }
        : byAction(a, 'credits.view', 'Billing and credits', 'a'),
  },
  { key: 'reports', label: 'Reports', icon: BarChart3, access: (a) => byAction(a, 'reports.run', 'Reports', 'a') },
  {
    key: 'shared-reports',
    label: 'Shared reports',
    icon: Share2,
    access: (a) =>
      a.kind !== 'client'
        ? {
            ok: false,
            rule: 'kind',
            message: 'Reports are shared with client accounts: open a client to see what it receives.',
          }
        : byAction(a, 'reports.viewShared', 'Shared reports', 'a'),
  },
  {
    key: 'ingestion',
    label: 'Ingestion',
    icon: DatabaseZap,
    access: (a) =>
      a.id !== a.rootId
        ? {
            ok: false,
            rule: 'level',
            message:
              'Ingestion belongs to the root account (the holding, or a standalone premium client): its spend ' +
              'arrives there, with the ingest keys of that root.',
          }
        : // SPEC 10: operators push spend and see the status; the keys and the correction window are the admins'
          byAction(a, 'spend.ingest', 'Ingestion status and ingest keys'),
  },
];

export const sectionByKey = (key: string) => SECTIONS.find((s) => s.key === key)!;
