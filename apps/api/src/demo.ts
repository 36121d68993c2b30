import { nameKey, OUT_OF_CREDIT_REASON, type Role } from '@trellis/domain';
import { sql } from 'kysely';
import { accounts, spend, type Db } from '@trellis/db';
import { createContextInner } from './context';
import { ensurePlatformOperator } from './bootstrap';
import { createCaller } from './root';

export const DEMO_PASSWORD = 'trellis-demo';
export const DEMO_OPERATOR = 'operator@trellis.demo';
const HOLDING = 'Northwind Group';

const AGENCIES: { name: string; slug: string; clients: string[] }[] = [
  {
    name: 'Bright Media',
    slug: 'bright',
    clients: ['Acme Foods', 'Blue Harbor Bank', 'Citrus Mobile', 'Delta Outdoor'],
  },
  {
    name: 'Cobalt Digital',
    slug: 'cobalt',
    clients: ['Evergreen Energy', 'Fjord Travel', 'Granite Insurance', 'Helio Games'],
  },
  {
    name: 'Meridian Partners',
    slug: 'meridian',
    clients: ['Iris Beauty', 'Juniper Homes', 'Kestrel Motors', 'Lumen Pharma'],
  },
];

export interface DemoSignIn {
  email: string;
  role: Role | 'platform operator';
  account: string;
}

/** Who can sign in to the demo (all with DEMO_PASSWORD). */
export function demoSignIns(): DemoSignIn[] {
  const plan: DemoSignIn[] = [{ email: DEMO_OPERATOR, role: 'platform operator', account: '(installation)' }];
  for (const r of ['admin', 'operator', 'analyst'] as const)
    plan.push({ email: `${r}@northwind.demo`, role: r, account: HOLDING });
  for (const a of AGENCIES)
    for (const r of ['admin', 'operator', 'analyst'] as const)
      plan.push({ email: `${r}@${a.slug}.demo`, role: r, account: a.name });
  for (const r of ['admin', 'operator', 'analyst'] as const)
    plan.push({ email: `${r}@acme.demo`, role: r, account: 'Acme Foods' });
  return plan;
}

/** Sign-ins of the client organisations part of the demo (premium clients and a team member). */
export function demoClientSignIns(): DemoSignIn[] {
  return [
    { email: 'admin@orbit.demo', role: 'admin', account: 'Orbit Telecom (premium, connected to Bright Media)' },
    { email: 'admin@nova.demo', role: 'admin', account: 'Nova Apparel (premium, request pending with Cobalt Digital)' },
    { email: 'admin@zenith.demo', role: 'admin', account: 'Zenith Watches (standalone premium)' },
    { email: 'planner@bright.demo', role: 'operator', account: 'team Retail of Bright Media' },
  ];
}

/**
 * Demo data, made through the api itself (so it carries its audit trail): a holding with three agencies and twelve
 * clients, a member of each role at each level, and a platform operator. Does nothing if the holding exists.
 */
export async function seedDemo(db: Db, opts: { publicUrl?: string } = {}): Promise<{ created: boolean }> {
  // the links of the seeded invitation mails point at the installation's own address
  const context = (o: { sessionToken?: string; now?: () => Date } = {}) =>
    createContextInner({ db, ...o, ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) });
  const plan = demoSignIns().filter(
    (p): p is DemoSignIn & { role: Role } => p.role !== 'platform operator' && !p.email.endsWith('@trellis.demo'),
  );
  if (await accounts.siblingNameTaken(db, null, nameKey(HOLDING))) return { created: false };

  await ensurePlatformOperator(db, DEMO_OPERATOR, DEMO_PASSWORD);
  const as = async (email: string) => {
    const anon = createCaller(await context());
    const { token } = await anon.auth.signIn({ email, password: DEMO_PASSWORD });
    return createCaller(await context({ sessionToken: token }));
  };
  const invite = async (caller: Awaited<ReturnType<typeof as>>, accountId: string, email: string, role: Role) => {
    const { token } = await caller.members.invite({ accountId, email, role });
    if (!token) throw new Error('the demo is seeded through the outbox mailer, which returns the token');
    const anon = createCaller(await context());
    const name = email.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()) + ' ' + email.split('@')[1]!.split('.')[0];
    await anon.members.acceptInvitation({ token, name, password: DEMO_PASSWORD });
  };

  const operator = await as(DEMO_OPERATOR);
  const holding = await operator.accounts.createHolding({
    name: HOLDING,
    currency: 'EUR',
    timeZone: 'Europe/Copenhagen',
  });
  await invite(operator, holding.id, 'admin@northwind.demo', 'admin');
  const holdingAdmin = await as('admin@northwind.demo');
  const ids = new Map<string, string>([[HOLDING, holding.id]]);
  for (const a of AGENCIES) {
    const agency = await holdingAdmin.accounts.create({ parentId: holding.id, name: a.name, kind: 'agency' });
    ids.set(a.name, agency.id);
    for (const c of a.clients) {
      const client = await holdingAdmin.accounts.create({
        parentId: agency.id,
        name: c,
        kind: 'client',
        ...(c === 'Fjord Travel' ? { currency: 'NOK', timeZone: 'Europe/Oslo' } : {}),
      });
      ids.set(c, client.id);
    }
  }
  for (const p of plan) {
    if (p.email === 'admin@northwind.demo') continue;
    await invite(holdingAdmin, ids.get(p.account)!, p.email, p.role);
  }
  // Seats on three DSPs, spread down the tree, and deals at every level (one multi-DSP deal at the holding).
  const seat = (dsp: 'dv360' | 'ttd' | 'xandr', seatId: string, name: string) =>
    holdingAdmin.seats.link({ accountId: holding.id, dsp, seatId, name });
  const place = async (seatId: string, ...accountNames: string[]) => {
    for (const n of accountNames) await holdingAdmin.seats.assign({ seatId, accountId: ids.get(n)! });
  };
  const dv1 = await seat('dv360', '3310001', 'Northwind DV360 main');
  await seat('dv360', '3310002', 'Northwind DV360 reserve');
  const dv3 = await seat('dv360', '3310003', 'Cobalt DV360');
  const ttd1 = await seat('ttd', 'nwg-ttd-01', 'Northwind TTD');
  const ttd2 = await seat('ttd', 'nwg-ttd-02', 'Meridian TTD');
  const xa1 = await seat('xandr', '8841', 'Bright Xandr');
  await place(dv1.id, 'Bright Media', 'Acme Foods');
  await place(dv3.id, 'Cobalt Digital');
  await place(ttd1.id, 'Bright Media', 'Blue Harbor Bank');
  await place(ttd2.id, 'Meridian Partners', 'Iris Beauty');
  await place(xa1.id, 'Bright Media');
  const deal = (
    owner: string,
    name: string,
    publisher: string,
    type: 'preferred_deal' | 'private_auction' | 'programmatic_guaranteed',
    cpmMicros: number,
    dsps: string[],
    currency = 'EUR',
  ) =>
    holdingAdmin.deals.create({
      accountId: ids.get(owner)!,
      name,
      publisher,
      type,
      cpmMicros,
      currency,
      dsps,
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-12-31T23:59:59Z',
    });
  await deal(HOLDING, 'Group premium video', 'StreamCo', 'programmatic_guaranteed', 18_500_000, [
    'dv360',
    'ttd',
    'xandr',
  ]);
  await deal(HOLDING, 'Group news PMP', 'Daily Planet', 'private_auction', 4_200_000, ['dv360']);
  await deal('Bright Media', 'Bright retail PMP', 'ShopNet', 'private_auction', 3_100_000, ['dv360']);
  await deal('Cobalt Digital', 'Cobalt travel preferred', 'Wanderlust Media', 'preferred_deal', 5_000_000, ['ttd']);
  await deal('Meridian Partners', 'Meridian beauty PMP', 'Glow Network', 'private_auction', 6_750_000, ['ttd']);
  await deal('Acme Foods', 'Acme recipes exclusive', 'Kitchen Stories', 'preferred_deal', 7_250_000, ['dv360']);
  await deal('Fjord Travel', 'Fjord Nordic outdoor', 'Nordic Daily', 'private_auction', 42_000_000, ['ttd'], 'NOK');
  await operator.deals.create({
    accountId: ids.get('Iris Beauty')!,
    name: 'Glow publisher offer',
    publisher: 'Glow Network',
    type: 'preferred_deal',
    cpmMicros: 9_000_000,
    currency: 'EUR',
    dsps: ['ttd'],
  });

  // Client organisations: premium clients (one connected, one with a pending request, one standalone), teams, campaigns.
  const premium = async (name: string, adminEmail: string) => {
    const client = await operator.clients.createPremium({ name, currency: 'EUR', timeZone: 'Europe/Copenhagen' });
    await invite(operator, client.id, adminEmail, 'admin');
    return { client, admin: await as(adminEmail) };
  };
  const brightAdmin = await as('admin@bright.demo');
  const orbit = await premium('Orbit Telecom', 'admin@orbit.demo');
  const orbitReq = await orbit.admin.connections.request({
    clientId: orbit.client.id,
    agencyId: ids.get('Bright Media')!,
  });
  await brightAdmin.connections.accept({ connectionId: orbitReq.id });
  ids.set('Orbit Telecom', orbit.client.id);
  const nova = await premium('Nova Apparel', 'admin@nova.demo');
  await nova.admin.connections.request({ clientId: nova.client.id, agencyId: ids.get('Cobalt Digital')! });
  const zenith = await premium('Zenith Watches', 'admin@zenith.demo');
  await zenith.admin.seats.link({
    accountId: zenith.client.id,
    dsp: 'dv360',
    seatId: '7700991',
    name: 'Zenith own DV360',
  });
  await zenith.admin.deals.create({
    accountId: zenith.client.id,
    name: 'Zenith luxury PMP',
    publisher: 'Luxe Weekly',
    type: 'private_auction',
    cpmMicros: 12_000_000,
    currency: 'EUR',
    dsps: ['dv360'],
  });
  await zenith.admin.campaigns.create({
    clientId: zenith.client.id,
    name: 'Zenith autumn launch',
    budgetMicros: 40_000_000_000,
  });

  const retail = await brightAdmin.teams.create({ agencyId: ids.get('Bright Media')!, name: 'Retail' });
  const finance = await brightAdmin.teams.create({ agencyId: ids.get('Bright Media')!, name: 'Finance' });
  for (const c of ['Acme Foods', 'Citrus Mobile'])
    await brightAdmin.teams.assignClient({ teamId: retail.id, clientId: ids.get(c)! });
  await brightAdmin.teams.assignClient({ teamId: finance.id, clientId: ids.get('Blue Harbor Bank')! });
  const teamInvite = await brightAdmin.members.invite({
    teamId: retail.id,
    email: 'planner@bright.demo',
    role: 'operator',
  });
  await createCaller(await context()).members.acceptInvitation({
    token: teamInvite.token!,
    name: 'Rita Planner',
    password: DEMO_PASSWORD,
  });

  const usable = async (clientName: string) =>
    (await holdingAdmin.deals.list({ accountId: ids.get(clientName)!, limit: 3 })).items.map((d) => d.id);
  const campaignClients = AGENCIES.flatMap((a) => a.clients.slice(0, 3)).concat('Orbit Telecom');
  for (const [i, c] of campaignClients.entries()) {
    await holdingAdmin.campaigns.create({
      clientId: ids.get(c)!,
      name: `${c} always-on`,
      budgetMicros: (i + 1) * 5_000_000_000,
      dealIds: (await usable(c)).slice(0, 1),
    });
    if (i % 3 === 0)
      await holdingAdmin.campaigns.create({
        clientId: ids.get(c)!,
        name: `${c} seasonal burst`,
        budgetMicros: 2_500_000_000,
      });
  }

  // The client the live demo's 30-day backfill feeds (see seedCredits): a campaign, a card and a top-up, no seeded history.
  await holdingAdmin.campaigns.create({
    clientId: ids.get(DEMO_FED_CLIENT)!,
    name: `${DEMO_FED_CLIENT} trail season`,
    budgetMicros: 20_000_000_000,
  });

  // One pending invitation, so the outbox and the invitations list have something to show.
  await holdingAdmin.members.invite({
    accountId: ids.get('Bright Media')!,
    email: 'new.planner@bright.demo',
    role: 'operator',
  });

  ids.set('Zenith Watches', zenith.client.id);
  await backdateSeatMappings(db, holding.id, DEMO_MAPPED_DAYS);
  await backdateSeatMappings(db, zenith.client.id, DEMO_MAPPED_DAYS);
  await backdateConnection(db, orbit.client.id, DEMO_MAPPED_DAYS);
  await seedCredits(db, ids, [...campaignClients, 'Zenith Watches', DEMO_FED_CLIENT], async (email) => {
    const { token } = await createCaller(await context()).auth.signIn({ email, password: DEMO_PASSWORD });
    return (at: Date) => context({ sessionToken: token, now: () => at }).then(createCaller);
  });
  // What a client's own users see of its spend (SPEC 7: an agency-run client's own report shows only its own seats
  // and deals): the agency shares a 30-day report with two of its clients.
  const monthly = await brightAdmin.reports.save({
    accountId: ids.get('Bright Media')!,
    name: 'Spend by day, last 30 days',
    query: { groupBy: ['day'], range: { preset: 'last30' } },
  });
  for (const c of ['Acme Foods', 'Orbit Telecom'])
    await brightAdmin.reports.share({ reportId: monthly.id, clientId: ids.get(c)! });
  return { created: true };
}

/** How many days back the demo holding's seats are mapped as they are now (room for `pnpm start`'s 30-day backfill). */
export const DEMO_MAPPED_DAYS = 31;

/**
 * Demo only (never a product path): the seats of the demo holding were placed seconds ago, so spend of the last days
 * would be rejected as "seat not mapped" (SPEC 7). This moves each seat's whole mapping history back in time, keeping
 * its order and its non-overlapping periods: the current holder's period starts `days` days ago, and the earlier
 * periods of the seeding (linked at the holding, then assigned down) are squeezed into the seconds before that.
 */
async function backdateSeatMappings(db: Db, rootId: string, days: number) {
  const base = new Date(Date.now() - days * 86_400_000);
  await sql`
    with ranked as (
      select id, (row_number() over (partition by seat_id order by effective_from desc, id desc) - 1)::int as back
      from seat_mappings where root_id = ${rootId}::uuid
    )
    update seat_mappings m set
      effective_from = ${base}::timestamptz - make_interval(secs => r.back),
      effective_to = case when m.effective_to is null then null else ${base}::timestamptz - make_interval(secs => r.back - 1) end
    from ranked r where r.id = m.id`.execute(db);
}

/**
 * Demo only (never a product path), like backdateSeatMappings: Orbit Telecom connected to Bright Media seconds ago,
 * so its campaign's spend of the last days would be refused as "campaign not covered" (SPEC 2.2). This dates its
 * accepted connection `days` days back, as if it had been connected then (what its agency may see starts there too).
 */
async function backdateConnection(db: Db, clientId: string, days: number) {
  const at = new Date(Date.now() - days * 86_400_000);
  await sql`
    update connections set requested_at = ${new Date(at.getTime() - 60_000)}::timestamptz, responded_at = ${at}::timestamptz
    where client_id = ${clientId}::uuid and state = 'accepted'`.execute(db);
}

/**
 * Where a seeded client's spend runs (SPEC 7 attribution): on its own seat, or else naming its campaign on the
 * holding's reserve seat (a seat of the holding covers every client below it).
 */
const OWN_SEAT: Record<string, { dsp: string; seatId: string }> = {
  'Acme Foods': { dsp: 'dv360', seatId: '3310001' },
  'Blue Harbor Bank': { dsp: 'ttd', seatId: 'nwg-ttd-01' },
  'Iris Beauty': { dsp: 'ttd', seatId: 'nwg-ttd-02' },
  'Zenith Watches': { dsp: 'dv360', seatId: '7700991' },
};
const RESERVE_SEAT = { dsp: 'dv360', seatId: '3310002' };

/** Who tops up which demo client (the holding admin for the holding's clients; premium clients their own admin). */
const PAYER: Record<string, string> = { 'Orbit Telecom': 'admin@bright.demo', 'Zenith Watches': 'admin@zenith.demo' };
export const DEMO_LOW_BALANCE_CLIENT = 'Blue Harbor Bank';
export const DEMO_OVERAGE_CLIENT = 'Citrus Mobile';
/**
 * The client whose past spend comes from `pnpm start`'s backfill (real records, rolled up and debited per day by the
 * worker) rather than from seedCredits' history: it gets a card and a top-up here, and no debits.
 */
export const DEMO_FED_CLIENT = 'Delta Outdoor';

/**
 * Credits for the demo clients (SPEC 6): a test card and top-ups each, and 30 days of spend for every client but
 * DEMO_FED_CLIENT (whose 30 days come from the backfill of `pnpm start`, through spend.ingest and the worker). The
 * spend is real: each day, four records a client go through ingestion (`spend.ingestBatch`, the API's path), and the
 * worker's rollup unit (`spend.rollupUnit`) turns them into the hourly and daily aggregates and into that day's debit
 * (through debitSpend, dated at the day's noon), after the day's top-ups. So billing and reports tell the same month.
 * Blue Harbor Bank ends just above its low-balance threshold; Citrus Mobile ran out of credit, so it has outstanding
 * overage and its campaigns are paused.
 */
async function seedCredits(
  db: Db,
  ids: Map<string, string>,
  clients: string[],
  signIn: (email: string) => Promise<(at: Date) => Promise<ReturnType<typeof createCaller>>>,
) {
  const DAY = 86_400_000;
  const today = new Date(Math.floor(Date.now() / DAY) * DAY);
  const payers = new Map<string, (at: Date) => Promise<ReturnType<typeof createCaller>>>();
  const payer = async (client: string) => {
    const email = PAYER[client] ?? 'admin@northwind.demo';
    if (!payers.has(email)) payers.set(email, await signIn(email));
    return payers.get(email)!;
  };
  let seed = 20261125;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const plan = clients.map((name, i) => ({
    name,
    id: ids.get(name)!,
    // units of the client's currency a day (Fjord pays in NOK)
    daily: (name === 'Fjord Travel' ? 600 : 40 + ((i * 17) % 50)) * 1_000_000,
    topUps:
      name === DEMO_FED_CLIENT
        ? [[30, 5_000]]
        : name === DEMO_OVERAGE_CLIENT
          ? [[30, 900]]
          : name === DEMO_LOW_BALANCE_CLIENT
            ? [[30, 2_000]]
            : [
                [30, 2_500],
                [12, 1_500],
              ],
    cardId: '',
    rootId: '',
    currency: '',
    campaignId: null as string | null,
  }));
  for (const p of plan) {
    const a = await db
      .selectFrom('accounts')
      .select(['root_id', 'currency'])
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    p.rootId = a.root_id;
    p.currency = a.currency;
    const c = await db
      .selectFrom('campaigns')
      .select('id')
      .where('client_id', '=', p.id)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    p.campaignId = c?.id ?? null;
    if (!OWN_SEAT[p.name] && !p.campaignId && p.name !== DEMO_FED_CLIENT)
      throw new Error(`demo: ${p.name} has neither a seat nor a campaign to spend on`);
  }
  for (const p of plan) {
    const caller = await (await payer(p.name))(new Date(today.getTime() - 31 * DAY));
    const card = await caller.credits.addCard({
      clientId: p.id,
      number: p.name === 'Fjord Travel' ? '5555555555554444' : '4242424242424242',
      expMonth: 12,
      expYear: today.getUTCFullYear() + 3,
      cvc: '123',
    });
    p.cardId = card.id;
    if (p.name === 'Fjord Travel') for (const t of p.topUps) t[1]! *= 10;
  }
  for (let daysAgo = 30; daysAgo >= 1; daysAgo--) {
    const day = today.getTime() - daysAgo * DAY;
    for (const p of plan) {
      for (const [when, units] of p.topUps) {
        if (when !== daysAgo) continue;
        const caller = await (await payer(p.name))(new Date(day + 7 * 3_600_000));
        await caller.credits.topUp({
          clientId: p.id,
          amountMicros: String(units! * 1_000_000),
          paymentMethodId: p.cardId,
          idempotencyKey: `demo-top-up-${when}-days-ago`,
        });
      }
    }
    // a client whose campaigns were paused for lack of credit stops spending (its DSPs stop buying), as in life
    const paused = await db
      .selectFrom('campaigns')
      .select('client_id')
      .distinct()
      .where('status', '=', 'paused')
      .where('paused_reason', '=', OUT_OF_CREDIT_REASON)
      .execute();
    const stopped = new Set(paused.map((c) => c.client_id));
    const byRoot = new Map<string, Record<string, unknown>[]>();
    for (const hour of [6, 12, 17, 22]) {
      for (const [i, p] of plan.entries()) {
        if (p.name === DEMO_FED_CLIENT || stopped.has(p.id)) continue;
        const spendMicros = Math.round(((p.daily / 4) * (0.6 + rand() * 0.8)) / 10_000) * 10_000;
        const impressions = Math.round((spendMicros * 1000) / (p.name === 'Fjord Travel' ? 20_000_000 : 2_000_000));
        const lane = OWN_SEAT[p.name] ?? RESERVE_SEAT;
        const records = byRoot.get(p.rootId) ?? [];
        byRoot.set(p.rootId, records);
        records.push({
          eventId: `demo-seed-${i}-${day / DAY}-${hour}`,
          occurredAt: new Date(day + hour * 3_600_000 + i * 60_000).toISOString(),
          dsp: lane.dsp,
          seatId: lane.seatId,
          dealId: null,
          auctionType: 'open_auction',
          campaignId: OWN_SEAT[p.name] ? null : p.campaignId,
          impressions,
          clicks: Math.floor(impressions * 0.004),
          spendMicros,
          currency: p.currency,
        });
      }
    }
    for (const [rootId, records] of byRoot) {
      const res = await db.transaction().execute((trx) => spend.ingestBatch(trx, { rootId, records }));
      if (res.rejected.length) throw new Error(`demo spend refused: ${JSON.stringify(res.rejected.slice(0, 3))}`);
      while (await spend.rollupUnit(db, () => new Date(), { rootId }));
    }
  }
  // Blue Harbor Bank: a threshold just below its balance, so the next days of spend cross it.
  const low = plan.find((p) => p.name === DEMO_LOW_BALANCE_CLIENT)!;
  const caller = await (await payer(low.name))(today);
  const balance = BigInt((await caller.credits.balance({ clientId: low.id })).balanceMicros);
  await caller.credits.setLowBalance({
    clientId: low.id,
    thresholdMicros: (((balance * 9n) / 10n / 1_000_000n) * 1_000_000n).toString(),
  });
  for (const p of plan.filter((x) => x.name !== DEMO_LOW_BALANCE_CLIENT && x.name !== DEMO_OVERAGE_CLIENT)) {
    await (
      await (
        await payer(p.name)
      )(today)
    ).credits.setLowBalance({ clientId: p.id, thresholdMicros: String(p.daily * 3) });
  }
}
