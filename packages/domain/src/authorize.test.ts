import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { archiveDecision, authorize, type AccountFacts, type Actor } from './authorize';
import type { AccountKind, ClientTier } from './levels';
import { ACTIONS, ROLES, type Action, type Role } from './roles';

// A small tree: holding H > agencies A, B > clients A1 (standard), A2 (premium, connected), B1 (standard);
// a standalone premium client P.
const acct = (
  id: string,
  kind: AccountKind,
  path: string[],
  tier: ClientTier | null = null,
  archived = false,
): AccountFacts => ({
  id,
  kind,
  level: ({ holding: 1, agency: 2, client: 3 } as const)[kind],
  clientTier: tier,
  archived,
  path: [...path, id],
});
const H = acct('H', 'holding', []);
const A = acct('A', 'agency', ['H']);
const B = acct('B', 'agency', ['H']);
const A1 = acct('A1', 'client', ['H', 'A'], 'standard');
const A2 = acct('A2', 'client', ['H', 'A'], 'premium');
const B1 = acct('B1', 'client', ['H', 'B'], 'standard');
const P = acct('P', 'client', [], 'premium');

const actor = (memberships: [string, Role][], platformOperator = false): Actor => ({
  userId: 'u',
  platformOperator,
  memberships: new Map(memberships),
});
const code = (a: Actor, target: AccountFacts, action: Action) => {
  const d = authorize(a, target, action);
  return d.ok ? 'ok' : d.code;
};

describe('authorize: scope', () => {
  it('covers the membership account and all its descendants', () => {
    const agencyAnalyst = actor([['A', 'analyst']]);
    expect(code(agencyAnalyst, A, 'account.view')).toBe('ok');
    expect(code(agencyAnalyst, A1, 'deals.view')).toBe('ok');
    expect(code(agencyAnalyst, A2, 'campaigns.view')).toBe('ok');
  });

  it('hides siblings, their descendants and ancestors', () => {
    const agencyAdmin = actor([['A', 'admin']]);
    expect(code(agencyAdmin, B, 'account.view')).toBe('OUT_OF_SCOPE');
    expect(code(agencyAdmin, B1, 'account.view')).toBe('OUT_OF_SCOPE');
    expect(code(agencyAdmin, H, 'account.view')).toBe('OUT_OF_SCOPE');
    expect(code(agencyAdmin, P, 'account.view')).toBe('OUT_OF_SCOPE');
  });

  it('decides scope before any other rule, so nothing leaks about an account outside it', () => {
    expect(code(actor([['A', 'analyst']]), B1, 'seats.link')).toBe('OUT_OF_SCOPE');
  });

  it('gives a platform operator the tree and invitations to roots, but no tenant data', () => {
    const op = actor([], true);
    expect(code(op, A1, 'account.view')).toBe('ok');
    expect(code(op, H, 'members.invite')).toBe('ok');
    expect(code(op, P, 'members.invite')).toBe('ok');
    expect(code(op, A, 'members.invite')).toBe('OUT_OF_SCOPE');
    for (const action of [
      'deals.view',
      'credits.view',
      'reports.run',
      'campaigns.view',
      'seats.view',
      'audit.view',
    ] as const) {
      expect(code(op, H, action)).toBe('OUT_OF_SCOPE');
    }
  });
});

describe('authorize: level, role, standard-client limit', () => {
  it.each([
    ['an L3 creating sub-accounts', A1, 'accounts.createSub'],
    ['an L2 linking seats', A, 'seats.link'],
    ['an L3 linking seats', A2, 'seats.link'],
    ['an L3 assigning seats', A2, 'seats.assign'],
  ] as const)('refuses %s by level, even to an admin of the holding', (_l, target, action) => {
    expect(code(actor([['H', 'admin']]), target, action)).toBe('FORBIDDEN_BY_LEVEL');
  });

  it('lets a standalone premium client link its own seats', () => {
    expect(code(actor([['P', 'admin']]), P, 'seats.link')).toBe('ok');
  });

  it('refuses an operator the admin row and an analyst the operator row', () => {
    expect(code(actor([['A', 'operator']]), A, 'members.invite')).toBe('FORBIDDEN_BY_ROLE');
    expect(code(actor([['A', 'operator']]), A, 'deals.edit')).toBe('ok');
    expect(code(actor([['A', 'analyst']]), A, 'deals.edit')).toBe('FORBIDDEN_BY_ROLE');
  });

  it('takes the strongest covering membership', () => {
    const both = actor([
      ['H', 'analyst'],
      ['A', 'admin'],
    ]);
    expect(code(both, A1, 'accounts.archiveSub')).toBe('FORBIDDEN_BY_LEVEL');
    expect(code(both, A, 'members.invite')).toBe('ok');
    expect(code(both, B, 'members.invite')).toBe('FORBIDDEN_BY_ROLE');
  });

  it('refuses new work on an archived account but still shows it', () => {
    const archived = acct('A9', 'agency', ['H'], null, true);
    const admin = actor([['H', 'admin']]);
    expect(code(admin, archived, 'account.view')).toBe('ok');
    expect(code(admin, archived, 'accounts.createSub')).toBe('ACCOUNT_ARCHIVED');
    expect(code(admin, archived, 'members.invite')).toBe('ACCOUNT_ARCHIVED');
  });

  // SPEC 2.2: a standard client's own members, whatever their role.
  const STANDARD_CLIENT_MATRIX: [Action, Record<Role, string>][] = [
    ['account.view', { admin: 'ok', operator: 'ok', analyst: 'ok' }],
    ['members.view', { admin: 'ok', operator: 'ok', analyst: 'ok' }],
    ['members.invite', { admin: 'ok', operator: 'FORBIDDEN_BY_ROLE', analyst: 'FORBIDDEN_BY_ROLE' }],
    ['members.manage', { admin: 'ok', operator: 'FORBIDDEN_BY_ROLE', analyst: 'FORBIDDEN_BY_ROLE' }],
    ['reports.viewShared', { admin: 'ok', operator: 'ok', analyst: 'ok' }],
    [
      'reports.run',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
      },
    ],
    [
      'deals.view',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
      },
    ],
    [
      'seats.view',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
      },
    ],
    [
      'campaigns.view',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
      },
    ],
    [
      'credits.view',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
      },
    ],
    [
      'campaigns.edit',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_ROLE',
      },
    ],
    [
      'credits.topUp',
      {
        admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        operator: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT',
        analyst: 'FORBIDDEN_BY_ROLE',
      },
    ],
    [
      'audit.view',
      { admin: 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT', operator: 'FORBIDDEN_BY_ROLE', analyst: 'FORBIDDEN_BY_ROLE' },
    ],
  ];
  it.each(STANDARD_CLIENT_MATRIX)('limits a standard client member on %s', (action, expected) => {
    for (const role of ROLES) expect.soft(code(actor([['A1', role]]), A1, action), role).toBe(expected[role]);
  });

  it("lets only the agency or holding share reports with a client, never the client's own members (SPEC 7)", () => {
    expect(code(actor([['A2', 'admin']]), A2, 'reports.share')).toBe('FORBIDDEN_BY_LEVEL');
    expect(code(actor([['P', 'admin']]), P, 'reports.share')).toBe('FORBIDDEN_BY_LEVEL');
    expect(code(actor([['A1', 'admin']]), A1, 'reports.share')).toBe('FORBIDDEN_BY_STANDARD_CLIENT_LIMIT');
    expect(code(actor([['A', 'operator']]), A2, 'reports.share')).toBe('ok');
    expect(code(actor([['H', 'admin']]), A1, 'reports.share')).toBe('ok');
    expect(
      code(
        actor([
          ['A2', 'admin'],
          ['A', 'operator'],
        ]),
        A2,
        'reports.share',
      ),
    ).toBe('ok');
    expect(code(actor([['A', 'analyst']]), A2, 'reports.share')).toBe('FORBIDDEN_BY_ROLE');
    expect(
      code({ ...actor([]), teamMemberships: new Map([['T', 'operator']]) }, { ...A2, teamId: 'T' }, 'reports.share'),
    ).toBe('ok');
    expect(code(actor([['A2', 'admin']]), A2, 'reports.run')).toBe('ok');
  });

  it('does not limit a premium client member, nor agency members acting on a standard client', () => {
    expect(code(actor([['A2', 'analyst']]), A2, 'deals.view')).toBe('ok');
    expect(code(actor([['A', 'operator']]), A1, 'campaigns.edit')).toBe('ok');
    expect(
      code(
        actor([
          ['A1', 'admin'],
          ['A', 'analyst'],
        ]),
        A1,
        'deals.view',
      ),
    ).toBe('ok');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the real authorize agrees with a deliberately naive reference on random trees.
// The reference walks parent pointers, and spells the rules out as plain conditions.

interface NaiveAccount {
  id: string;
  parent: string | null;
  kind: AccountKind;
  tier: ClientTier | null;
  archived: boolean;
  team: string | null;
}

function naive(
  accounts: Map<string, NaiveAccount>,
  memberships: [string, Role][],
  platformOperator: boolean,
  targetId: string,
  action: Action,
  teamMemberships: [string, Role][] = [],
): string {
  const target = accounts.get(targetId)!;
  const isRoot = target.parent === null;
  const newWork = [
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
  ];
  if (platformOperator) {
    const opMay =
      action === 'account.view' ||
      action === 'deals.createForPublisher' ||
      (isRoot && (action === 'members.invite' || action === 'members.view'));
    if (opMay) return target.archived && newWork.includes(action) ? 'ACCOUNT_ARCHIVED' : 'ok';
  }
  const isAncestorOrSelf = (a: string, b: string): boolean => {
    if (a === b) return true;
    const parent = accounts.get(b)!.parent;
    return parent !== null && isAncestorOrSelf(a, parent);
  };
  const covering = memberships.filter(([id]) => isAncestorOrSelf(id, targetId));
  const teamCovering = teamMemberships.filter(([team]) => target.team !== null && target.team === team);
  if (covering.length === 0 && teamCovering.length === 0) return 'OUT_OF_SCOPE';
  const level = target.kind === 'holding' ? 1 : target.kind === 'agency' ? 2 : 3;
  if (
    (action === 'accounts.createSub' ||
      action === 'accounts.archiveSub' ||
      action === 'seats.assign' ||
      action === 'teams.manage') &&
    level === 3
  )
    return 'FORBIDDEN_BY_LEVEL';
  if ((action === 'seats.link' || action === 'seats.reclaim') && level !== 1 && !(level === 3 && isRoot))
    return 'FORBIDDEN_BY_LEVEL';
  if (target.archived && newWork.includes(action)) return 'ACCOUNT_ARCHIVED';
  const adminOnly = [
    'members.invite',
    'members.manage',
    'accounts.createSub',
    'accounts.archiveSub',
    'seats.link',
    'seats.reclaim',
    'connections.manage',
    'teams.manage',
    'ingestKeys.manage',
    'spend.configure',
    'audit.view',
  ];
  const readOnly = [
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
  ];
  const roleOk = (role: Role) =>
    action !== 'deals.createForPublisher' &&
    (role === 'admin' || (role === 'operator' && !adminOnly.includes(action)) || readOnly.includes(action));
  const standardLimited = (id: string) =>
    id === targetId &&
    target.kind === 'client' &&
    target.tier === 'standard' &&
    !['account.view', 'members.view', 'members.invite', 'members.manage', 'reports.viewShared'].includes(action);
  // a premium client's own member list: only memberships on the client itself may invite or manage (SPEC 2.2)
  const premiumOwn =
    target.kind === 'client' &&
    target.tier === 'premium' &&
    (action === 'members.invite' || action === 'members.manage');
  const premiumLimited = (id: string) => premiumOwn && id !== targetId;
  // sharing a report with a client is its agency's (SPEC 7): a membership on the client itself never grants it there
  const agencyLimited = (id: string) => id === targetId && target.kind === 'client' && action === 'reports.share';
  if (covering.some(([id, role]) => roleOk(role) && !standardLimited(id) && !premiumLimited(id) && !agencyLimited(id)))
    return 'ok';
  if (!premiumOwn && teamCovering.some(([, role]) => roleOk(role))) return 'ok';
  if (covering.some(([id, role]) => roleOk(role) && standardLimited(id))) return 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT';
  if (premiumOwn && (covering.some(([, role]) => roleOk(role)) || teamCovering.some(([, role]) => roleOk(role))))
    return 'FORBIDDEN_BY_PREMIUM_CLIENT';
  if (covering.some(([id, role]) => roleOk(role) && agencyLimited(id))) return 'FORBIDDEN_BY_LEVEL';
  return 'FORBIDDEN_BY_ROLE';
}

const treeArb = fc
  .record({
    holdings: fc.array(
      fc.array(
        fc.array(
          fc.record({ premium: fc.boolean(), archived: fc.boolean(), team: fc.constantFrom(null, 't1', 't2') }),
          { maxLength: 3 },
        ),
        { maxLength: 3 },
      ),
      { minLength: 1, maxLength: 2 },
    ),
    standalone: fc.array(fc.boolean(), { maxLength: 2 }),
    archivedAgency: fc.boolean(),
  })
  .map(({ holdings, standalone, archivedAgency }) => {
    const accounts = new Map<string, NaiveAccount>();
    holdings.forEach((agencies, h) => {
      const hid = `h${h}`;
      accounts.set(hid, { id: hid, parent: null, kind: 'holding', tier: null, archived: false, team: null });
      agencies.forEach((clients, a) => {
        const aid = `${hid}a${a}`;
        accounts.set(aid, {
          id: aid,
          parent: hid,
          kind: 'agency',
          tier: null,
          archived: archivedAgency && a === 1,
          team: null,
        });
        clients.forEach((c, i) => {
          const cid = `${aid}c${i}`;
          accounts.set(cid, {
            id: cid,
            parent: aid,
            kind: 'client',
            tier: c.premium ? 'premium' : 'standard',
            archived: c.archived,
            team: c.team && `${aid}${c.team}`,
          });
        });
      });
    });
    standalone.forEach((archived, i) =>
      accounts.set(`p${i}`, { id: `p${i}`, parent: null, kind: 'client', tier: 'premium', archived, team: null }),
    );
    return accounts;
  });

function facts(accounts: Map<string, NaiveAccount>, id: string): AccountFacts {
  const path: string[] = [];
  for (let cur: string | null = id; cur !== null; cur = accounts.get(cur)!.parent) path.unshift(cur);
  const a = accounts.get(id)!;
  return {
    id,
    kind: a.kind,
    level: ({ holding: 1, agency: 2, client: 3 } as const)[a.kind],
    clientTier: a.tier,
    archived: a.archived,
    path,
    teamId: a.team,
  };
}

describe('authorize: team memberships (SPEC 2.3)', () => {
  const T1 = { ...A1, teamId: 'team-1' };
  const T2 = { ...A2, teamId: 'team-2' };
  const teamOperator: Actor = {
    userId: 'u',
    platformOperator: false,
    memberships: new Map(),
    teamMemberships: new Map([['team-1', 'operator']]),
  };
  it('covers every client of the team with the team role, and nothing else', () => {
    expect(code(teamOperator, T1, 'campaigns.edit')).toBe('ok');
    expect(code(teamOperator, T1, 'members.invite')).toBe('FORBIDDEN_BY_ROLE');
    expect(code(teamOperator, T2, 'account.view')).toBe('OUT_OF_SCOPE');
    expect(code(teamOperator, A, 'account.view')).toBe('OUT_OF_SCOPE');
    expect(code(teamOperator, A1, 'account.view')).toBe('OUT_OF_SCOPE');
  });
});

describe('authorize against a naive reference', () => {
  it('agrees on every member x account x action of random trees', () => {
    fc.assert(
      fc.property(
        treeArb.chain((accounts) => {
          const ids = [...accounts.keys()];
          const teams = [...new Set([...accounts.values()].flatMap((a) => (a.team ? [a.team] : [])))];
          return fc.record({
            accounts: fc.constant(accounts),
            memberships: fc.uniqueArray(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...ROLES)), {
              maxLength: 4,
              selector: ([id]) => id,
            }),
            teamMemberships: teams.length
              ? fc.uniqueArray(fc.tuple(fc.constantFrom(...teams), fc.constantFrom(...ROLES)), {
                  maxLength: 2,
                  selector: ([id]) => id,
                })
              : fc.constant([] as [string, Role][]),
            platformOperator: fc.boolean(),
          });
        }),
        ({ accounts, memberships, teamMemberships, platformOperator }) => {
          const a: Actor = {
            userId: 'u',
            platformOperator,
            memberships: new Map(memberships),
            teamMemberships: new Map(teamMemberships),
          };
          for (const id of accounts.keys()) {
            const f = facts(accounts, id);
            for (const action of ACTIONS) {
              const d = authorize(a, f, action);
              expect(d.ok ? 'ok' : d.code, `${id} ${action}`).toBe(
                naive(accounts, memberships, platformOperator, id, action, teamMemberships),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // ~150k comparisons: well under a second alone, but it shares two cores with every other package's tests
  }, 30_000);
});

describe("authorize: a premium client's own members are the client's alone (SPEC 2.2)", () => {
  const agencyAdmin = actor([['A', 'admin']]);
  const holdingAdmin = actor([['H', 'admin']]);
  const clientAdmin = actor([['A2', 'admin']]);
  const teamAdmin: Actor = { ...actor([]), teamMemberships: new Map([['T', 'admin']]) };
  const A2inTeam = { ...A2, teamId: 'T' };
  it.each([
    ['the agency admin', agencyAdmin, A2, 'members.invite', 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ['the agency admin', agencyAdmin, A2, 'members.manage', 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ['the holding admin', holdingAdmin, A2, 'members.manage', 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ['a team admin', teamAdmin, A2inTeam, 'members.invite', 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ['the agency admin', agencyAdmin, A2, 'members.view', 'ok'],
    ['the agency admin', agencyAdmin, A2, 'campaigns.edit', 'ok'],
    ['the agency admin (standard client)', agencyAdmin, A1, 'members.manage', 'ok'],
    ["the client's own admin", clientAdmin, A2, 'members.invite', 'ok'],
    ["the client's own admin", clientAdmin, A2, 'members.manage', 'ok'],
    ['another agency', actor([['B', 'admin']]), A2, 'members.manage', 'OUT_OF_SCOPE'],
  ] as const)('%s on %s: %s -> %s', (_l, who, target, action, want) => {
    expect(code(who, target, action)).toBe(want);
  });

  const archive = (who: Actor, target: AccountFacts, parent: AccountFacts | null) => {
    const d = archiveDecision(who, target, parent);
    return d.ok ? 'ok' : d.code;
  };
  it.each([
    ['the agency admin archives its standard client', agencyAdmin, A1, A, 'ok'],
    ['the agency admin archives a connected premium client', agencyAdmin, A2, A, 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ['the holding admin archives a connected premium client', holdingAdmin, A2, A, 'FORBIDDEN_BY_PREMIUM_CLIENT'],
    ["the premium client's own admin archives it", clientAdmin, A2, A, 'ok'],
    ['a platform operator archives a premium client', actor([], true), A2, A, 'ok'],
    ['an outsider archives a premium client', actor([['B', 'admin']]), A2, A, 'OUT_OF_SCOPE'],
    ['an agency admin archives the holding', agencyAdmin, H, null, 'FORBIDDEN_PLATFORM_OPERATOR_ONLY'],
    ['a standalone premium client archives itself', actor([['P', 'admin']]), P, null, 'ok'],
  ] as const)('archive: %s -> %s', (_l, who, target, parent, want) => {
    expect(archive(who, target, parent)).toBe(want);
  });
});
