import {
  authorize,
  checkComparison,
  dayIn,
  DomainError,
  filtersCanReturnClient,
  presetRange,
  refusalError,
  ROW_VISIBILITY,
  validateReportQuery,
  type AccountFacts,
  type Actor,
  type Comparison,
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
  /** With a comparison: the same report over the previous period (`previousPeriod`). */
  previous: reports.ReportPlan | null;
  /**
   * A client's own report under SPEC 7's L3 rule, run by someone who may see its credits: the client, whose charged
   * spend in the report's days is shown beside it (what the rule leaves out is still on its bill).
   */
  chargedFor: AccountWithPath | null;
}

type Ctx = { db: Db; actor: Actor; now: () => Date };

/** Today's day in a time zone (YYYY-MM-DD). */
export const todayIn = (timeZone: string, now: Date): string => dayIn(timeZone, now);

type Query = { from: string; to: string; groupBy: readonly ReportDimension[]; filters: ReportFilters };

function checked(q: Query) {
  return validateReportQuery({ from: q.from, to: q.to, groupBy: q.groupBy, filters: q.filters });
}

/** The same report over the previous period, when a comparison is asked for (checked like any report's days). */
function previousOf(plan: reports.ReportPlan, compare: Comparison | undefined): reports.ReportPlan | null {
  if (compare === undefined) return null;
  const p = checkComparison(plan, plan.groupBy, (prev) => void checked({ ...plan, ...prev }));
  return { ...plan, from: p.from, to: p.to };
}

/** A client's own report (the L3 rule) for someone who may see its credits: the client; else null. */
function chargedOf(actor: Actor, a: AccountWithPath, facts: AccountFacts): AccountWithPath | null {
  if (a.kind !== 'client' || ROW_VISIBILITY[a.level].rows !== 'own_deals_or_own_seats') return null;
  return authorize(actor, facts, 'credits.view').ok ? a : null;
}

/** The plan of a report run on account A by the actor: A's visibility (SPEC 7), A's zone. */
function planOn(actor: Actor, a: AccountWithPath, q: Query, compare: Comparison | undefined): PlannedReport {
  const query = checked(q);
  const plan: reports.ReportPlan = {
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
  };
  return {
    rootId: a.rootId,
    plan,
    previous: previousOf(plan, compare),
    chargedFor: chargedOf(actor, a, accounts.toFacts(a)),
  };
}

/** reports.run: any role on A; not a standard client's own members (they only get shared reports). */
export async function planRun(ctx: Ctx, input: RunInput): Promise<PlannedReport> {
  const { account, facts } = await loadVisibleAccount(ctx, input.accountId);
  const d = authorize(ctx.actor, facts, 'reports.run');
  if (!d.ok) throw refusalError(d);
  return planOn(
    ctx.actor,
    account,
    { from: input.from, to: input.to, groupBy: input.groupBy, filters: filtersOf(input.filters) },
    input.compare,
  );
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
      ...planOn(
        ctx.actor,
        owner,
        { ...range, groupBy: query.groupBy, filters: filtersOf(query.filters) },
        input.compare ?? query.compare,
      ),
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
  const plan: reports.ReportPlan = {
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
  };
  return {
    rootId: client.rootId,
    reportName: report.name,
    via: 'share',
    plan,
    previous: previousOf(plan, input.compare ?? query.compare),
    // a shared report is the agency's view of the client's rows, not the L3 rule: nothing of the credits beside it
    chargedFor: null,
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
