import { randomUUID } from 'node:crypto';
import type { Role } from '@trellis/domain';
import type { Db, Trx } from '../connect';

export interface Team {
  id: string;
  rootId: string;
  agencyId: string;
  name: string;
  createdAt: Date;
}

const toTeam = (r: { id: string; root_id: string; agency_id: string; name: string; created_at: Date }): Team => ({
  id: r.id,
  rootId: r.root_id,
  agencyId: r.agency_id,
  name: r.name,
  createdAt: r.created_at,
});

export async function insertTeam(
  trx: Trx,
  t: { rootId: string; agencyId: string; name: string; nameKey: string },
): Promise<Team> {
  const r = await trx
    .insertInto('teams')
    .values({ id: randomUUID(), root_id: t.rootId, agency_id: t.agencyId, name: t.name, name_key: t.nameKey })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTeam(r);
}

export async function teamNameTaken(db: Db | Trx, agencyId: string, nameKey: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('teams')
      .select('id')
      .where('agency_id', '=', agencyId)
      .where('name_key', '=', nameKey)
      .executeTakeFirst()) !== undefined
  );
}

export async function findTeam(db: Db | Trx, id: string): Promise<Team | undefined> {
  const r = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toTeam(r);
}

/** Teams of an agency with their clients and members. */
export async function teamsOfAgency(db: Db, agencyId: string) {
  const teams = await db
    .selectFrom('teams')
    .selectAll()
    .where('agency_id', '=', agencyId)
    .orderBy('name_key')
    .execute();
  if (teams.length === 0) return [];
  const ids = teams.map((t) => t.id);
  const clients = await db
    .selectFrom('accounts')
    .select(['id', 'name', 'team_id'])
    .where('team_id', 'in', ids)
    .orderBy('name_key')
    .execute();
  const members = await db
    .selectFrom('team_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.id', 'm.team_id', 'm.role', 'u.email', 'u.name'])
    .where('m.team_id', 'in', ids)
    .orderBy('u.email')
    .execute();
  return teams.map((t) => ({
    ...toTeam(t),
    clients: clients.filter((c) => c.team_id === t.id).map((c) => ({ id: c.id, name: c.name })),
    members: members
      .filter((m) => m.team_id === t.id)
      .map((m) => ({ id: m.id, email: m.email, name: m.name, role: m.role })),
  }));
}

/** A user's team memberships (team id -> role): the facts authorization reads. */
export async function teamMembershipsOfUser(db: Db | Trx, userId: string): Promise<Map<string, Role>> {
  const rows = await db
    .selectFrom('team_memberships')
    .select(['team_id', 'role'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [r.team_id, r.role]));
}

/** A user's team memberships with their team and agency, in name order: what the user's landing names. */
export async function teamMembershipsWithAgencies(db: Db | Trx, userId: string) {
  const rows = await db
    .selectFrom('team_memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .innerJoin('accounts as a', 'a.id', 't.agency_id')
    .select(['t.id as teamId', 't.name as teamName', 'a.id as agencyId', 'a.name as agencyName', 'm.role'])
    .where('m.user_id', '=', userId)
    .where('a.archived_at', 'is', null)
    .orderBy('a.name')
    .orderBy('t.name')
    .execute();
  return rows;
}

export async function insertTeamMembership(
  trx: Trx,
  m: { rootId: string; teamId: string; userId: string; role: Role },
) {
  return trx
    .insertInto('team_memberships')
    .values({ id: randomUUID(), root_id: m.rootId, team_id: m.teamId, user_id: m.userId, role: m.role })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function teamMembershipOf(db: Db | Trx, teamId: string, userId: string) {
  return db
    .selectFrom('team_memberships')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** A team membership with its team, shaped like an account membership of the team's agency. */
export async function findTeamMembership(db: Db | Trx, id: string) {
  const r = await db
    .selectFrom('team_memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select([
      'm.id',
      'm.root_id',
      'm.team_id',
      'm.user_id',
      'm.role',
      'm.created_at',
      't.agency_id',
      't.name as team_name',
    ])
    .where('m.id', '=', id)
    .executeTakeFirst();
  return (
    r && {
      id: r.id,
      rootId: r.root_id,
      accountId: r.agency_id,
      userId: r.user_id,
      role: r.role,
      createdAt: r.created_at,
      teamId: r.team_id,
      teamName: r.team_name,
    }
  );
}

export async function setTeamMembershipRole(trx: Trx, id: string, role: Role): Promise<void> {
  await trx.updateTable('team_memberships').set({ role }).where('id', '=', id).execute();
}

export async function deleteTeamMembership(trx: Trx, id: string): Promise<void> {
  await trx.deleteFrom('team_memberships').where('id', '=', id).execute();
}

/** The clients assigned to any of the teams. */
export async function clientIdsOfTeams(db: Db | Trx, teamIds: readonly string[]): Promise<string[]> {
  if (teamIds.length === 0) return [];
  return (await db.selectFrom('accounts').select('id').where('team_id', 'in', teamIds).execute()).map((r) => r.id);
}
