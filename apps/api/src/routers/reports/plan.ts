import {
  authorize,
  DomainError,
  filtersCanReturnClient,
  presetRange,
  refusalError,
  ROW_VISIBILITY,
  validateReportQuery,
  type Actor,
  type ReportDimension,
  type ReportFilters,
} from '@trellis/domain';
import { accounts, memberships, reports, teams, type AccountWithPath, type Db, type Trx, type User } from '@trellis/db';
import { loadVisibleAccount } from '../../trpc';
import { filtersOf, savedQueryIn, type RunInput, type RunSavedInput, type SavedQuery } from './shape';

/**
 * Turns a report request into a plan for the database: who may run it (SPEC 3, 2.2), whose visibility applies
 * (SPEC 7), which time zone, which days. Shared by the reports.* procedures and the CSV export.
 */
export interface PlannedReport {
  plan: reports.ReportPlan;
  /** The root whose watermark says how complete the data is. */
  rootId: string;
}

type Ctx = { db: Db; actor: Actor; now: () => Date };

/** Today's day in a time zone (YYYY-MM-DD). */
export const todayIn = (timeZone: string, now: Date): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

function checked(q: { from: string; to: string; groupBy: readonly ReportDimension[]; filters: ReportFilters }) {
  return validateReportQuery({ from: q.from, to: q.to, groupBy: q.groupBy, filters: q.filters });
}

/** The plan of a report run on account A by the actor: A's visibility (SPEC 7), A's zone. */
function planOn(
  actor: Actor,
  a: AccountWithPath,
  q: { from: string; to: string; groupBy: readonly ReportDimension[]; filters: ReportFilters },
): PlannedReport {
  const query = checked(q);
  return {
    rootId: a.rootId,
    plan: {
      viewerId: a.id,
      rule: ROW_VISIBILITY[a.level],
      onlyAccountId: null,
      // A premium client's own members see all its history; whoever reaches it from above, only its current connection's.
      cutSelf: a.kind === 'client' && !actor.memberships.has(a.id),
      timeZone: a.timeZone,
      from: query.from,
      to: query.to,
      groupBy: query.groupBy,
      filters: query.filters,
    },
  };
}

/** reports.run: any role on A; not a standard client's own members (they only get shared reports). */
export async function planRun(ctx: Ctx, input: RunInput): Promise<PlannedReport> {
  const { account, facts } = await loadVisibleAccount(ctx, input.accountId);
  const d = authorize(ctx.actor, facts, 'reports.run');
  if (!d.ok) throw refusalError(d);
  return planOn(ctx.actor, account, {
    from: input.from,
    to: input.to,
    groupBy: input.groupBy,
    filters: filtersOf(input.filters),
  });
}

const NOT_FOUND = 'Report not found.';

/**
 * A saved report, as its owner account's members see it (reports.run on that account), or as a client it is shared
 * with sees it: the sharer's visibility restricted to the client's own rows, in the client's time zone.
 */
export async function loadSaved(ctx: Ctx, reportId: string) {
  const report = await reports.findSaved(ctx.db, reportId);
  if (!report) throw new DomainError('NOT_FOUND', NOT_FOUND);
  const owner = await accounts.findAccount(ctx.db, report.accountId);
  if (!owner) throw new DomainError('NOT_FOUND', NOT_FOUND);
  const query = savedQueryIn.parse(report.query);
  return { report, owner, query };
}

function rangeOf(
  query: SavedQuery,
  timeZone: string,
  now: Date,
  over: { from?: string | undefined; to?: string | undefined },
) {
  const base = 'preset' in query.range ? presetRange(query.range.preset, todayIn(timeZone, now)) : query.range;
  return { from: over.from ?? base.from, to: over.to ?? base.to };
}

export async function planSaved(
  ctx: Ctx,
  input: RunSavedInput,
): Promise<PlannedReport & { reportName: string; via: 'owner' | 'share' }> {
  const { report, owner, query } = await loadSaved(ctx, input.reportId);
  const ownerFacts = accounts.toFacts(owner);
  if (input.clientId === undefined && authorize(ctx.actor, ownerFacts, 'reports.run').ok) {
    const range = rangeOf(query, owner.timeZone, ctx.now(), input);
    return {
      ...planOn(ctx.actor, owner, { ...range, groupBy: query.groupBy, filters: filtersOf(query.filters) }),
      reportName: report.name,
      via: 'owner',
    };
  }
  // Through a share: the clients it is shared with that the actor may view shared reports of.
  const clientIds = await reports.shareClients(ctx.db, report);
  const candidates: AccountWithPath[] = [];
  for (const cid of clientIds) {
    if (input.clientId !== undefined && cid !== input.clientId) continue;
    const c = await accounts.findAccount(ctx.db, cid);
    if (c && authorize(ctx.actor, accounts.toFacts(c), 'reports.viewShared').ok) candidates.push(c);
  }
  if (candidates.length === 0) throw new DomainError('NOT_FOUND', NOT_FOUND);
  if (candidates.length > 1)
    throw new DomainError('INVALID_INPUT', 'This report is shared with several of your clients; name one.', {
      clientId: 'name the client to run it for',
    });
  const client = candidates[0]!;
  const range = rangeOf(query, client.timeZone, ctx.now(), input);
  const q = checked({ ...range, groupBy: query.groupBy, filters: filtersOf(query.filters) });
  return {
    rootId: client.rootId,
    reportName: report.name,
    via: 'share',
    plan: {
      viewerId: owner.id,
      rule: ROW_VISIBILITY[owner.level],
      onlyAccountId: client.id,
      // the sharer reaches the client from above: SPEC 2.2's cut applies to the client's rows
      cutSelf: true,
      timeZone: client.timeZone,
      from: q.from,
      to: q.to,
      groupBy: q.groupBy,
      filters: q.filters,
    },
  };
}

/** The actor of a session user (what authedProcedure builds), for the CSV export. */
export async function actorOf(db: Db, user: User): Promise<Actor> {
  return {
    userId: user.id,
    platformOperator: user.platformOperator,
    memberships: await memberships.membershipsOfUser(db, user.id),
    teamMemberships: await teams.teamMembershipsOfUser(db, user.id),
  };
}

/**
 * The clients a saved report of `accountId` can be shared with, given its filters (SPEC 7: a shared report shows the
 * client's own rows, so a client its filters leave out would only ever see an empty report), less those it already is.
 */
export async function shareableClients(
  db: Db | Trx,
  accountId: string,
  query: SavedQuery,
  sharedWith: readonly string[] = [],
  clientsBelow?: Awaited<ReturnType<typeof reports.clientsBelow>>,
): Promise<{ id: string; name: string }[]> {
  const filters = filtersOf(query.filters);
  const below = clientsBelow ?? (await reports.clientsBelow(db, accountId));
  const owners = await reports.campaignClients(db, filters.campaign ?? []);
  return below
    .filter((c) => !sharedWith.includes(c.id) && filtersCanReturnClient(filters, c.path, owners))
    .map((c) => ({ id: c.id, name: c.name }));
}
