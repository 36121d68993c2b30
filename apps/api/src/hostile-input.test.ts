import type { Server } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { pgErrorCode, type Db } from '@trellis/db';
import { createApp } from './app';
import { appRouter } from './root';
import { anonymous, grant, memberOf, holdingWithAdmin, userWithCaller, TEST_PASSWORD, type Caller } from './testing';
import { encodeCursor } from './routers/inputs';

/**
 * SPEC 9: no request, however malformed, crashes a process or leaves a half-written change. A corpus of hostile
 * values goes through EVERY procedure of the router (the list is read off `appRouter` itself, so a procedure added
 * later fails the completeness test until it has a base input in BASE below): each field of a valid-looking input
 * in turn, then the whole input, as a holding admin (or the platform operator) and anonymously, through
 * createCaller; then a few malformed requests per procedure over real HTTP. Every answer must be a 4xx code (or
 * success, for a value that is harmless, e.g. an extra key), never INTERNAL_SERVER_ERROR; every refusal that got
 * past input validation must leave the tenant tables exactly as they were.
 */
const t = useTestDatabase({ resetEach: false });

// The 4xx codes of SPEC 9, plus PAYMENT_REQUIRED (a declined card, credits).
const ALLOWED = new Set([
  'ok',
  'BAD_REQUEST',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'CONFLICT',
  'TOO_MANY_REQUESTS',
  'PAYLOAD_TOO_LARGE',
  'PAYMENT_REQUIRED',
]);

const deep = (n: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};
const proto = () =>
  JSON.parse(
    '{"__proto__": {"isAdmin": true, "platformOperator": true}, "constructor": {"prototype": {"x": 1}}}',
  ) as unknown;

/** Values that must never reach the database as they are, or that probe type confusion. */
const HOSTILE: [string, unknown][] = [
  ['NUL inside', 'a\u0000b'],
  ['NUL alone', '\u0000'],
  ['bell and escape', 'x\u0007\u001b[31my'],
  ['DEL and C1', 'x\u007f\u0085y'],
  ['line breaks', 'a\r\nb'],
  ['10 kB string', 'x'.repeat(10_000)],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate inside', 'a\udfffb'],
  ['empty string', ''],
  ['spaces', '   '],
  ['SQL', "'; drop table accounts; --"],
  ['markup', '<script>alert(1)</script>'],
  ['unknown enum value', 'superuser'],
  ['2^63 as number', 9223372036854775808],
  ['2^63 as string', '9223372036854775808'],
  ['20 nines', '99999999999999999999'],
  ['-2^63-1 as string', '-9223372036854775809'],
  ['negative number', -1],
  ['negative string', '-1'],
  ['fraction', 1.5],
  ['fraction string', '1.5'],
  ['NaN string', 'NaN'],
  ['1e309 string', '1e309'],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['NaN', Number.NaN],
  ['zero', 0],
  ['huge int', Number.MAX_VALUE],
  ['true', true],
  ['null', null],
  ['empty object', {}],
  ['empty array', []],
  ['array of strings', ['a', 'b']],
  ['deeply nested object', deep(2_000)],
  ['100,000 levels deep (JSON.parse takes it; a recursive walk does not)', deep(100_000)],
  ['__proto__ object', proto()],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['uuid of nothing', '7b0c4d5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e'],
  ['uuid plus NUL', '7b0c4d5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e\u0000'],
  ['impossible date', '2026-02-30T00:00:00Z'],
  ['year zero', '0000-01-01T00:00:00Z'],
  ['year one', '0001-01-01T00:00:00+14:00'],
  ['the last instant', '9999-12-31T23:59:59.999Z'],
  ['regex-valid cursor of no date', '2026-99-99T99:99:99Z_zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
  ['regex-valid cursor of no uuid', '2026-01-01T00:00:00.000Z_------------------------------------'],
  ['base64 garbage', 'bm90IGpzb24gYXQgYWxs'],
  ['base64 JSON of the wrong shape', encodeCursor({ at: 'yesterday', id: 'me', email: 1 })],
  ['path', '../../../etc/passwd'],
];

/** Whole inputs that are not objects, or objects of the wrong kind. */
const WHOLE = (base: unknown): [string, unknown][] => [
  ['no input', undefined],
  ['null', null],
  ['a string', 'x'],
  ['a number', 42],
  ['an array', []],
  ['the input in an array', [base]],
  ['an empty object', {}],
  ['deep nesting', deep(5_000)],
  ['extra keys', { ...(base as object), extra: 'x', isAdmin: true }],
  ['__proto__ keys', Object.assign(proto() as object, base as object)],
];

type World = Awaited<ReturnType<typeof seed>>;
interface Base {
  /** Who calls it besides anonymous: the holding admin unless said otherwise. */
  as?: 'admin' | 'operator';
  /** A fresh session per call (for procedures that end the session). */
  freshSession?: boolean;
  input: (w: World) => unknown;
}

/**
 * A valid-looking input per procedure, on fixtures of its own where it changes things. A NEW PROCEDURE MUST ADD ITS
 * ENTRY HERE (the completeness test below fails until it does).
 */
const BASE: Record<string, Base> = {
  'auth.signIn': { input: () => ({ email: 'signin@x.test', password: TEST_PASSWORD }) },
  'auth.signOut': { freshSession: true, input: () => ({}) },
  'auth.me': { input: () => ({}) },
  'accounts.createHolding': {
    as: 'operator',
    input: () => ({ name: 'New Holding', currency: 'EUR', timeZone: 'UTC' }),
  },
  'accounts.create': {
    input: (w) => ({
      parentId: w.holding.id,
      name: 'New Agency',
      kind: 'agency',
      currency: 'EUR',
      timeZone: 'Europe/Copenhagen',
    }),
  },
  'accounts.get': { input: (w) => ({ accountId: w.A.id }) },
  'accounts.tree': { input: (w) => ({ accountId: w.holding.id, includeArchived: false }) },
  'accounts.archive': { input: (w) => ({ accountId: w.archiveMe.id }) },
  'members.invite': { input: (w) => ({ accountId: w.A.id, email: 'invitee@x.test', role: 'analyst' }) },
  'members.acceptInvitation': {
    input: (w) => ({ token: w.inviteToAccept.token, name: 'New Person', password: 'a long new password 42' }),
  },
  'members.list': { input: (w) => ({ accountId: w.A.id, limit: 1, cursor: w.cursors.members }) },
  'members.setRole': { input: (w) => ({ membershipId: w.roleMe.id, role: 'operator' }) },
  'members.remove': { input: (w) => ({ membershipId: w.removeMe.id }) },
  'invitations.revoke': { input: (w) => ({ invitationId: w.inviteToRevoke.id }) },
  'invitations.list': { input: (w) => ({ accountId: w.A.id }) },
  'audit.list': { input: (w) => ({ accountId: w.holding.id, limit: 1, cursor: w.cursors.audit }) },
  'audit.spendDays': { input: (w) => ({ accountId: w.holding.id, limit: 1, from: '2026-01-01', to: '2026-01-31' }) },
  'outbox.list': { input: (w) => ({ limit: 1, cursor: w.cursors.outbox }) },
  'seats.link': { input: (w) => ({ accountId: w.holding.id, dsp: 'xandr', seatId: 'seat-new', name: 'Seat name' }) },
  'seats.assign': { input: (w) => ({ seatId: w.seat.id, accountId: w.A.id }) },
  'seats.list': { input: (w) => ({ accountId: w.holding.id }) },
  'seats.history': { input: (w) => ({ seatId: w.seat.id }) },
  'seats.deals': { input: (w) => ({ seatId: w.seat.id, at: '2026-06-01T00:00:00Z' }) },
  'seats.targets': { input: (w) => ({ seatId: w.seat.id }) },
  'deals.create': {
    input: (w) => ({
      accountId: w.A.id,
      name: 'Deal',
      publisher: 'Publisher',
      type: 'private_auction',
      cpmMicros: '1500000',
      currency: 'EUR',
      dsps: ['dv360'],
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-12-31T00:00:00Z',
      dealId: 'HOSTILE-1',
    }),
  },
  'deals.list': { input: (w) => ({ accountId: w.holding.id, limit: 1, cursor: w.cursors.deals }) },
  'deals.get': { input: (w) => ({ dealId: w.deal.id }) },
  'deals.delivery': { input: (w) => ({ dealId: w.deal.id, from: '2026-01-01', to: '2026-01-31' }) },
  'clients.createPremium': { as: 'operator', input: () => ({ name: 'New Premium', currency: 'EUR', timeZone: 'UTC' }) },
  'clients.promote': { as: 'operator', input: (w) => ({ accountId: w.promoteMe.id }) },
  'clients.transfer': { as: 'operator', input: (w) => ({ accountId: w.transferMe.id, agencyId: w.B.id }) },
  'clients.list': { input: (w) => ({ accountId: w.A.id, includeArchived: true }) },
  'clients.overview': { input: (w) => ({ accountId: w.A.id, from: '2026-01-01', to: '2026-01-31' }) },
  'connections.request': { input: (w) => ({ clientId: w.requestMe.id, agencyId: w.A.id }) },
  'connections.accept': { input: (w) => ({ connectionId: w.toAccept.id }) },
  'connections.decline': { input: (w) => ({ connectionId: w.toDecline.id }) },
  'connections.withdraw': { input: (w) => ({ connectionId: w.toWithdraw.id }) },
  'connections.disconnect': { input: (w) => ({ clientId: w.disconnectMe.id }) },
  'connections.disconnectPreview': { input: (w) => ({ clientId: w.disconnectMe.id }) },
  'connections.list': { input: (w) => ({ accountId: w.A.id }) },
  'connections.searchTargets': { input: (w) => ({ fromAccountId: w.A.id, q: 'B' }) },
  'teams.create': { input: (w) => ({ agencyId: w.A.id, name: 'New Team' }) },
  'teams.assignClient': { input: (w) => ({ teamId: w.team.id, clientId: w.C1.id }) },
  'teams.list': { input: (w) => ({ agencyId: w.A.id }) },
  'campaigns.create': {
    input: (w) => ({
      clientId: w.C1.id,
      name: 'Campaign',
      budgetMicros: '5000000',
      startsOn: '2026-01-01',
      endsOn: '2026-01-31',
      dealIds: [w.deal.id],
    }),
  },
  'campaigns.list': { input: (w) => ({ accountId: w.C1.id }) },
  'invitations.preview': { input: (w) => ({ token: w.inviteToRevoke.token }) },
  'credits.addCard': {
    input: (w) => ({ clientId: w.C1.id, number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' }),
  },
  'credits.removeCard': { input: (w) => ({ paymentMethodId: w.removeCard.id }) },
  'credits.cards': { input: (w) => ({ clientId: w.C1.id }) },
  'credits.topUp': {
    input: (w) => ({
      clientId: w.C1.id,
      amountMicros: '5000000',
      paymentMethodId: w.card.id,
      idempotencyKey: 'hostile-1',
    }),
  },
  'credits.topUps': { input: (w) => ({ clientId: w.C1.id }) },
  'credits.refund': { input: (w) => ({ topUpId: w.topUp.id, amountMicros: '1000000', reason: 'Refund' }) },
  'credits.adjust': {
    as: 'operator',
    input: (w) => ({ clientId: w.C1.id, amountMicros: '-1000', reason: 'Adjustment' }),
  },
  'credits.setLowBalance': { input: (w) => ({ clientId: w.C1.id, thresholdMicros: '1000000' }) },
  'credits.balance': { input: (w) => ({ clientId: w.C1.id }) },
  'credits.ledger': { input: (w) => ({ clientId: w.C1.id, limit: 1, cursor: w.cursors.ledger }) },
  'credits.usage': { input: (w) => ({ clientId: w.C1.id, from: '2026-01-01', to: '2026-01-31' }) },
  'ingestKeys.create': { input: (w) => ({ accountId: w.holding.id, name: 'Feed' }) },
  'ingestKeys.list': { input: (w) => ({ accountId: w.holding.id }) },
  'ingestKeys.revoke': { input: (w) => ({ keyId: w.ingestKey.id }) },
  'spend.ingest': {
    input: (w) => ({
      accountId: w.holding.id,
      records: [
        {
          eventId: 'h-1',
          occurredAt: '2026-06-01T10:00:00Z',
          dsp: 'dv360',
          seatId: 'seat-1',
          dealId: null,
          auctionType: 'open_auction',
          campaignId: null,
          impressions: 10,
          clicks: 1,
          spendMicros: 1000,
          currency: 'EUR',
        },
      ],
    }),
  },
  'spend.status': { input: (w) => ({ accountId: w.holding.id }) },
  'spend.setCorrectionWindow': { input: (w) => ({ accountId: w.holding.id, days: 30 }) },
  'reports.run': {
    input: (w) => ({
      accountId: w.holding.id,
      from: '2026-01-01',
      to: '2026-01-31',
      groupBy: ['day', 'account'],
      filters: { auctionType: ['open_auction'], dsp: ['dv360'], account: [w.A.id] },
      compare: 'previous_period',
    }),
  },
  'reports.save': {
    input: (w) => ({
      accountId: w.A.id,
      name: 'Weekly',
      query: {
        groupBy: ['day'],
        filters: { dsp: ['dv360'] },
        range: { preset: 'lastMonth' },
        compare: 'previous_period',
      },
    }),
  },
  'reports.saved': { input: (w) => ({ accountId: w.A.id }) },
  'reports.rename': { input: (w) => ({ reportId: w.changeMeReport.id, name: 'Renamed' }) },
  'reports.delete': { input: (w) => ({ reportId: w.changeMeReport.id }) },
  'reports.runSaved': {
    input: (w) => ({ reportId: w.report.id, from: '2026-01-01', to: '2026-01-31', compare: 'previous_period' }),
  },
  'reports.share': { input: (w) => ({ reportId: w.report.id, clientId: w.C1.id }) },
  'reports.unshare': { input: (w) => ({ reportId: w.sharedReport.id, clientId: w.C1.id }) },
  'reports.shared': { input: (w) => ({ accountId: w.C1.id }) },
  'campaigns.update': {
    input: (w) => ({
      campaignId: w.campaign.id,
      name: 'Renamed',
      status: 'active',
      budgetMicros: '6000000',
      startsOn: '2026-01-01',
      endsOn: '2026-01-31',
      dealIds: [w.deal.id],
    }),
  },
};

/** A holding with two agencies, standard and premium clients, a team, a seat, a deal, a campaign, invitations, requests. */
async function seed(db: Db) {
  const { op, holding, admin } = await holdingWithAdmin(db, 'Hostile Holding', 'admin@hostile.test');
  const a = admin.caller;
  const A = await a.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const B = await a.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
  const C1 = await a.accounts.create({ parentId: A.id, name: 'C1', kind: 'client' });
  const archiveMe = await a.accounts.create({ parentId: A.id, name: 'Archive me', kind: 'client' });
  const promoteMe = await a.accounts.create({ parentId: A.id, name: 'Promote me', kind: 'client' });
  const transferMe = await a.accounts.create({ parentId: A.id, name: 'Transfer me', kind: 'client' });
  await op.caller.clients.promote({ accountId: transferMe.id });
  const disconnectMe = await a.accounts.create({ parentId: A.id, name: 'Disconnect me', kind: 'client' });
  await op.caller.clients.promote({ accountId: disconnectMe.id });
  const premium = async (name: string) => {
    const P = await op.caller.clients.createPremium({ name, currency: 'EUR', timeZone: 'UTC' });
    const pAdmin = await memberOf(db, `admin-${name.replace(/\W/g, '').toLowerCase()}@x.test`, P, 'admin');
    return { P, pAdmin };
  };
  const q1 = await premium('Accept me');
  const toAccept = await q1.pAdmin.caller.connections.request({ clientId: q1.P.id, agencyId: A.id });
  const q2 = await premium('Decline me');
  const toDecline = await q2.pAdmin.caller.connections.request({ clientId: q2.P.id, agencyId: A.id });
  const { P: requestMe } = await premium('Request me');
  // the holding admin is also an admin of this client, so the withdrawal succeeds once, then conflicts
  const q3 = await premium('Withdraw me');
  const toWithdraw = await q3.pAdmin.caller.connections.request({ clientId: q3.P.id, agencyId: A.id });
  await grant(db, admin.user.id, q3.P, 'admin');
  const team = await a.teams.create({ agencyId: A.id, name: 'Team' });
  const seat = await a.seats.link({ accountId: holding.id, dsp: 'dv360', seatId: 'seat-1' });
  const deal = await a.deals.create({
    accountId: holding.id,
    name: 'Holding deal',
    publisher: 'P',
    type: 'private_auction',
    cpmMicros: 1_000_000,
    currency: 'EUR',
    dsps: ['dv360'],
  });
  await a.deals.create({
    accountId: holding.id,
    name: 'Second deal',
    publisher: 'P',
    type: 'private_auction',
    cpmMicros: 2_000_000,
    currency: 'EUR',
    dsps: ['ttd'],
  });
  const campaign = await a.campaigns.create({
    clientId: C1.id,
    name: 'Campaign',
    budgetMicros: '1000000',
    dealIds: [deal.id],
  });
  const roleMe = await grant(db, (await userWithCaller(db, 'role-me@x.test')).user.id, A, 'analyst');
  const removeMe = await grant(db, (await userWithCaller(db, 'remove-me@x.test')).user.id, A, 'analyst');
  const inviteToAccept = await a.members.invite({ accountId: A.id, email: 'accept-me@x.test', role: 'analyst' });
  const inviteToRevoke = await a.members.invite({ accountId: A.id, email: 'revoke-me@x.test', role: 'analyst' });
  await userWithCaller(db, 'signin@x.test');
  const card = await a.credits.addCard({
    clientId: C1.id,
    number: '4242424242424242',
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
  });
  const removeCard = await a.credits.addCard({
    clientId: C1.id,
    number: '5555555555554444',
    expMonth: 12,
    expYear: 2030,
    cvc: '123',
  });
  const topUp = await a.credits.topUp({
    clientId: C1.id,
    amountMicros: '50000000',
    paymentMethodId: card.id,
    idempotencyKey: 'seed-1',
  });
  await a.credits.topUp({
    clientId: C1.id,
    amountMicros: '60000000',
    paymentMethodId: card.id,
    idempotencyKey: 'seed-2',
  });
  const ingestKey = await a.ingestKeys.create({ accountId: holding.id, name: 'Seed feed' });
  const report = await a.reports.save({
    accountId: A.id,
    name: 'Seed report',
    query: { groupBy: ['day'], range: { from: '2026-01-01', to: '2026-01-31' } },
  });
  const sharedReport = await a.reports.save({
    accountId: A.id,
    name: 'Seed shared',
    query: { groupBy: ['account'], range: { preset: 'last30' } },
  });
  await a.reports.share({ reportId: sharedReport.id, clientId: C1.id });
  const changeMeReport = await a.reports.save({
    accountId: A.id,
    name: 'Seed to rename and delete',
    query: { groupBy: ['day'], range: { preset: 'last7' } },
  });
  const cursors = {
    ledger: (await a.credits.ledger({ clientId: C1.id, limit: 1 })).nextCursor!,
    members: (await a.members.list({ accountId: A.id, limit: 1 })).nextCursor!,
    audit: (await a.audit.list({ accountId: holding.id, limit: 1 })).nextCursor!,
    outbox: (await a.outbox.list({ limit: 1 })).nextCursor!,
    deals: (await a.deals.list({ accountId: holding.id, limit: 1 })).nextCursor!,
  };
  for (const [k, v] of Object.entries(cursors)) if (!v) throw new Error(`the seed has no second page of ${k}`);
  return {
    changeMeReport,
    op,
    holding,
    admin,
    A,
    B,
    C1,
    archiveMe,
    promoteMe,
    transferMe,
    disconnectMe,
    toAccept,
    toDecline,
    toWithdraw,
    requestMe,
    team,
    seat,
    deal,
    campaign,
    roleMe,
    removeMe,
    inviteToAccept,
    inviteToRevoke,
    card,
    removeCard,
    topUp,
    ingestKey,
    report,
    sharedReport,
    cursors,
  };
}

type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] } };
const PROCEDURES = (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures;
const NAMES = Object.keys(PROCEDURES).sort();

/** The keys an input object schema declares (through optional/default wrappers), so optional fields get fuzzed too. */
function declaredKeys(schema: unknown): string[] {
  let s = schema as
    { _zod?: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } } | undefined;
  for (let i = 0; i < 5 && s?._zod; i++) {
    const def = s._zod.def;
    if (def.type === 'object') return Object.keys(def.shape ?? {});
    s = def.innerType as typeof s;
  }
  return [];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every variant: each field (and each array element and nested field) replaced by each hostile value, then the whole. */
function variants(name: string, base: unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (value: unknown, path: (string | number)[], replace: (v: unknown) => unknown) => {
    for (const [label, h] of HOSTILE) out.push([`${path.join('.')} = ${label}`, replace(h)]);
    if (Array.isArray(value) && value.length > 0) {
      walk(value[0], [...path, 0], (v) => replace([v, ...value.slice(1)]));
    } else if (isPlainObject(value)) {
      for (const k of Object.keys(value)) walk(value[k], [...path, k], (v) => replace({ ...value, [k]: v }));
    }
  };
  if (isPlainObject(base)) {
    const keys = new Set([...Object.keys(base), ...PROCEDURES[name]!._def.inputs.flatMap(declaredKeys)]);
    for (const k of keys) walk(base[k], [k], (v) => ({ ...base, [k]: v }));
  }
  out.push(...WHOLE(base));
  return out;
}

const callProcedure = (caller: Caller, name: string, input: unknown) => {
  const [ns, proc] = name.split('.') as [string, string];
  return (caller as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[ns]![proc]!(input);
};

/** Row counts and newest row versions of every tenant table: changes when anything is committed there. */
async function fingerprintQuery(db: Db) {
  const { rows } = await sql<{
    tablename: string;
  }>`select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(db);
  // Tables a refused sign-in or an expired session may legitimately write; everything else must stand still.
  const tables = rows
    .map((r) => r.tablename)
    .filter((n) => !/kysely|session|sign_in|throttle|attempt|heartbeat|rate_limit/.test(n));
  const parts = tables.map(
    (n) => sql`(select count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text from ${sql.id(n)})`,
  );
  const query = sql<{ f: string }>`select concat_ws(',', ${sql.join(parts)}) as f`;
  return async () => (await query.execute(db)).rows[0]!.f;
}

const isInputRefusal = (e: unknown) => Array.isArray((e as { cause?: { issues?: unknown } })?.cause?.issues);

let w: World;
let fingerprint: () => Promise<string>;
beforeAll(async () => {
  w = await seed(t.db);
  fingerprint = await fingerprintQuery(t.db);
}, 60_000);

describe('the hostile-input corpus', () => {
  it('has a base input for every procedure of the router, and none for a procedure that does not exist', () => {
    expect(NAMES.length).toBeGreaterThan(30);
    expect(NAMES.filter((n) => !BASE[n])).toEqual([]);
    expect(Object.keys(BASE).filter((n) => !PROCEDURES[n])).toEqual([]);
  });

  it.each(NAMES)(
    'answers %s with a 4xx for every hostile input, as a member and anonymously, and half-writes nothing',
    async (name) => {
      const base = BASE[name];
      if (!base) throw new Error(`no base input for ${name}: add one to BASE`);
      const input = base.input(w);
      const failures: string[] = [];
      let known = await fingerprint();
      const seen: Record<string, number> = {};
      let n = 0;
      const callers: Record<'member' | 'anonymous', () => Promise<Caller>> = {
        member: async () => {
          if (base.as === 'operator') return w.op.caller;
          // A procedure that ends the session gets a fresh holding admin per call.
          return base.freshSession
            ? (await memberOf(t.db, `admin-${name.replace(/\W/g, '').toLowerCase()}-${n++}@x.test`, w.holding, 'admin'))
                .caller
            : w.admin.caller;
        },
        anonymous: () => anonymous(t.db),
      };
      for (const who of ['member', 'anonymous'] as const) {
        for (const [label, value] of variants(name, input)) {
          const caller = await callers[who]();
          let code: string;
          let err: unknown;
          try {
            await callProcedure(caller, name, value);
            code = 'ok';
          } catch (e) {
            err = e;
            code = (e as { code?: string }).code ?? `not a TRPCError: ${String(e)}`;
          }
          seen[code] = (seen[code] ?? 0) + 1;
          if (!ALLOWED.has(code)) {
            failures.push(
              `${who} ${label}: ${code} ${(err as Error | undefined)?.cause?.toString().slice(0, 160) ?? ''}`,
            );
            continue;
          }
          // The safety net in trpc.ts answered: the value reached PostgreSQL, so an input block is missing.
          if (pgErrorCode((err as Error | undefined)?.cause)) {
            failures.push(
              `${who} ${label}: ${code}, but only after PostgreSQL refused it: ${String((err as Error).cause)}`,
            );
            continue;
          }
          // A refusal before the handler ran (bad input, not signed in) cannot have written anything.
          if (code !== 'ok' && (isInputRefusal(err) || code === 'UNAUTHORIZED' || code === 'TOO_MANY_REQUESTS'))
            continue;
          const now = await fingerprint();
          if (code !== 'ok' && now !== known)
            failures.push(`${who} ${label}: refused with ${code} but changed the database`);
          known = now;
        }
      }
      expect(failures).toEqual([]);
      // The corpus really ran: most variants were refused as bad input, and anonymous callers got no further.
      expect(seen.BAD_REQUEST ?? 0).toBeGreaterThan(0);
    },
  );
});

describe('hostile requests over HTTP', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createApp({ db: t.db, publicUrl: 'http://localhost', log: () => {} }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  /** Replaces every string in a value with the same string carrying a NUL. */
  const withNul = (v: unknown): unknown =>
    typeof v === 'string'
      ? `${v}\u0000`
      : Array.isArray(v)
        ? v.map(withNul)
        : isPlainObject(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withNul(x)]))
          : v;

  it('answers malformed, NUL-laden and oversize requests to every procedure with a 4xx, and keeps serving', async () => {
    const failures: string[] = [];
    for (const name of NAMES) {
      // A holding admin of its own per procedure (auth.signOut ends its session).
      const auth = {
        authorization: `Bearer ${(await memberOf(t.db, `http-${name.replace(/\W/g, '').toLowerCase()}@x.test`, w.holding, 'admin')).token}`,
      };
      const type = PROCEDURES[name]!._def.type;
      const input = BASE[name]!.input(w);
      const json = { ...auth, 'content-type': 'application/json' };
      const url = (query: string) => `${baseUrl}/trpc/${name}?${query}`;
      // [label, request, whether it must be refused (a NUL-laden input may be harmless, e.g. auth.me's `{}`)]
      const requests: [string, () => Promise<Response>, boolean][] =
        type === 'query'
          ? [
              ['bad percent-encoding', () => fetch(url('input=%E0%A4%A'), { headers: auth }), true],
              ['not JSON', () => fetch(url(`input=${encodeURIComponent('{not json')}`), { headers: auth }), true],
              [
                'a 100 kB query string',
                () =>
                  fetch(url(`input=${encodeURIComponent(JSON.stringify({ x: 'y'.repeat(100_000) }))}`), {
                    headers: auth,
                  }),
                true,
              ],
              [
                'NUL in every string',
                () => fetch(url(`input=${encodeURIComponent(JSON.stringify(withNul(input)))}`), { headers: auth }),
                false,
              ],
              [
                'a batch of hostile inputs',
                () =>
                  fetch(
                    `${baseUrl}/trpc/${name},${name}?batch=1&input=` +
                      encodeURIComponent(JSON.stringify({ 0: withNul(input), 1: deep(1000) })),
                    { headers: auth },
                  ),
                false,
              ],
            ]
          : [
              [
                'not JSON',
                () => fetch(`${baseUrl}/trpc/${name}`, { method: 'POST', body: '{not json', headers: json }),
                true,
              ],
              // Under the body limit (spend.ingest takes megabytes) a big body is only one more input to refuse or ignore.
              [
                'a 2 MB body',
                () =>
                  fetch(`${baseUrl}/trpc/${name}`, {
                    method: 'POST',
                    body: JSON.stringify({ x: 'y'.repeat(2_000_000) }),
                    headers: json,
                  }),
                false,
              ],
              [
                'NUL in every string',
                () =>
                  fetch(`${baseUrl}/trpc/${name}`, {
                    method: 'POST',
                    body: JSON.stringify(withNul(input)),
                    headers: json,
                  }),
                false,
              ],
              [
                'a batch of hostile inputs',
                () =>
                  fetch(`${baseUrl}/trpc/${name},${name}?batch=1`, {
                    method: 'POST',
                    body: JSON.stringify({ 0: withNul(input), 1: deep(1000) }),
                    headers: json,
                  }),
                false,
              ],
            ];
      for (const [label, send, refused] of requests) {
        const res = await send();
        const body = await res.text();
        if (res.status >= 500 || body.includes('INTERNAL_SERVER_ERROR') || (refused && res.status < 400))
          failures.push(`${name} ${label}: ${res.status} ${body.slice(0, 200)}`);
      }
    }
    // Over any body limit: refused before parsing.
    const huge = await fetch(`${baseUrl}/trpc/auth.signIn`, {
      method: 'POST',
      body: JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(20_000_000) }),
      headers: { 'content-type': 'application/json' },
    });
    if (huge.status !== 413) failures.push(`a 20 MB body: ${huge.status}`);
    expect(failures).toEqual([]);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  });
});
