import { describe, expect, it } from 'vitest';
import { ACTIONS, ROLE_TABLE, roleAllows, rolesAllowing, type Action } from './roles';

// SPEC 3, row by row: the actions of the row, then admin, operator, analyst.
const SPEC_3: [string, Action[], boolean, boolean, boolean][] = [
  [
    'view the account, its tree, its deals, seats, campaigns, credits',
    ['account.view', 'deals.view', 'seats.view', 'campaigns.view', 'credits.view', 'members.view', 'connections.view'],
    true,
    true,
    true,
  ],
  ['run, save and export reports', ['reports.run', 'reports.save', 'reports.viewShared'], true, true, true],
  [
    'create or edit deals, campaigns; assign seats to sub-accounts; share reports',
    ['deals.edit', 'campaigns.edit', 'seats.assign', 'reports.share'],
    true,
    true,
    false,
  ],
  ['top up credits; manage payment methods', ['credits.topUp', 'paymentMethods.manage'], true, true, false],
  [
    'invite, change, remove members; create and archive sub-accounts; link seats; connect and disconnect; ingest keys',
    [
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
    ],
    true,
    false,
    false,
  ],
  ['see audit entries (SPEC 8: admins)', ['audit.view'], true, false, false],
  [
    'create a publisher-initiated deal (platform operators only, no member role)',
    ['deals.createForPublisher'],
    false,
    false,
    false,
  ],
  [
    'push spend and see ingestion status (SPEC 10: operator or better on the root)',
    ['spend.ingest'],
    true,
    true,
    false,
  ],
];

describe('role table (SPEC 3)', () => {
  it.each(SPEC_3)('%s', (_row, actions, admin, operator, analyst) => {
    for (const action of actions) {
      expect.soft(roleAllows('admin', action), `${action} admin`).toBe(admin);
      expect.soft(roleAllows('operator', action), `${action} operator`).toBe(operator);
      expect.soft(roleAllows('analyst', action), `${action} analyst`).toBe(analyst);
    }
  });

  it('names who may act, strongest first: admins connect; every role sees shared reports', () => {
    expect(rolesAllowing('connections.manage')).toEqual(['admin']);
    expect(rolesAllowing('reports.share')).toEqual(['admin', 'operator']);
    expect(rolesAllowing('reports.viewShared')).toEqual(['admin', 'operator', 'analyst']);
    expect(rolesAllowing('deals.createForPublisher')).toEqual([]);
  });

  it('places every action in exactly one row', () => {
    const listed = SPEC_3.flatMap((r) => r[1]);
    expect([...listed].sort()).toEqual([...ACTIONS].sort());
    const inTable = Object.values(ROLE_TABLE).flatMap((r) => [...r.actions]);
    expect(inTable.length).toBe(new Set(inTable).size);
  });
});
