import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApiProcess } from '@trellis/api/api-process';

const repo = path.resolve(import.meta.dirname, '../../..');

/** The real api process (it migrates, creates the operator, and serves the built web app), on 127.0.0.1. */
export async function startApi(
  env: Record<string, string>,
): Promise<{ base: string; stop: () => Promise<void>; output: () => string }> {
  const dist = path.join(repo, 'apps/web/dist');
  if (!existsSync(path.join(dist, 'index.html')))
    throw new Error('apps/web/dist is missing: build the web app first (turbo does, before this test)');
  return startApiProcess({ ...env, TRELLIS_WEB_DIST: dist });
}

/** Debian's Chromium, headless, with the flags this closed network needs (TOOLCHAIN.md); Playwright gives it a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A tRPC call over plain HTTP, as any client could make it (SPEC 10). */
export async function rpc<T>(base: string, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}/trpc/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

/** A tRPC query over plain HTTP (GET), as any client could make it. */
export async function query<T>(base: string, name: string, input: unknown, token: string): Promise<T> {
  const res = await fetch(`${base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

/**
 * The usual start of a browser test's world, made over HTTP as the installation's operator: the holding Northwind
 * (EUR, UTC) with its admin Nora (signed in: `hAdmin`), and its agency Bright Media; `op` is the operator's session.
 */
export async function northwindWithAgency(
  base: string,
  operator: { email: string; password: string },
): Promise<{ holding: string; agency: string; hAdmin: string; op: string }> {
  const { token: op } = await rpc<{ token: string }>(base, 'auth.signIn', operator);
  const holding = (
    await rpc<{ id: string }>(
      base,
      'accounts.createHolding',
      { name: 'Northwind', currency: 'EUR', timeZone: 'UTC' },
      op,
    )
  ).id;
  const inv = await rpc<{ token: string }>(
    base,
    'members.invite',
    { accountId: holding, email: 'admin@northwind.test', role: 'admin' },
    op,
  );
  const { token: hAdmin } = await rpc<{ token: string }>(base, 'members.acceptInvitation', {
    token: inv.token,
    name: 'Nora',
    password: 'holding admin password',
  });
  const agency = (
    await rpc<{ id: string }>(
      base,
      'accounts.create',
      { parentId: holding, name: 'Bright Media', kind: 'agency' },
      hAdmin,
    )
  ).id;
  return { holding, agency, hAdmin, op };
}

/** A fresh browser context signed in through the sign-in page, waiting for the signed-in shell (the landing page). */
export async function signIn(browser: Browser, base: string, who: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(base);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
  return page;
}

/**
 * Northwind and Bright Media (northwindWithAgency) with figures to read: the clients Acme Foods (topped up with
 * €50,000.00, its campaigns "Spring sale" with a €25,000.00 budget and "Autumn") and Blue Harbor (its campaign
 * "Tiny"), the agency admin Ben, and spend of today ingested on a seat of Bright Media: €18,010.123456 with 1,234,567
 * impressions and 12,346 clicks on Spring sale, €2.50 on Autumn, €0.02 with 3 impressions on Tiny. `roll` rolls it up
 * (the worker's job, run by the caller on the test database).
 */
export async function agencyWithSpend(
  base: string,
  operator: { email: string; password: string },
  roll: () => Promise<void>,
): Promise<Record<'holding' | 'agency' | 'acme' | 'blue' | 'spring' | 'autumn' | 'hAdmin', string>> {
  const w = await northwindWithAgency(base, operator);
  const create = async (name: string) =>
    (await rpc<{ id: string }>(base, 'accounts.create', { parentId: w.agency, name, kind: 'client' }, w.hAdmin)).id;
  const acme = await create('Acme Foods');
  const blue = await create('Blue Harbor');
  const inv = await rpc<{ token: string }>(
    base,
    'members.invite',
    { accountId: w.agency, email: 'admin@bright.test', role: 'admin' },
    w.hAdmin,
  );
  await rpc(base, 'members.acceptInvitation', { token: inv.token, name: 'Ben', password: 'agency admin password' });
  const seat = await rpc<{ id: string }>(
    base,
    'seats.link',
    { accountId: w.holding, dsp: 'ttd', seatId: 'TTD-1' },
    w.hAdmin,
  );
  await rpc(base, 'seats.assign', { seatId: seat.id, accountId: w.agency }, w.hAdmin);
  const campaign = async (name: string, budgetMicros?: string) =>
    (
      await rpc<{ id: string }>(
        base,
        'campaigns.create',
        { clientId: acme, name, ...(budgetMicros ? { budgetMicros } : {}) },
        w.hAdmin,
      )
    ).id;
  const spring = await campaign('Spring sale', '25000000000');
  const autumn = await campaign('Autumn');
  const card = await rpc<{ id: string }>(
    base,
    'credits.addCard',
    { clientId: acme, number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' },
    w.hAdmin,
  );
  await rpc(
    base,
    'credits.topUp',
    { clientId: acme, amountMicros: '50000000000', paymentMethodId: card.id, idempotencyKey: 'figures-top-up' },
    w.hAdmin,
  );
  const at = new Date(Date.now() + 2_000).toISOString();
  const record = (eventId: string, campaignId: string | null, impressions: number, clicks: number, spend: number) => ({
    eventId,
    occurredAt: at,
    dsp: 'ttd',
    seatId: 'TTD-1',
    dealId: null,
    auctionType: 'open_auction',
    campaignId,
    impressions,
    clicks,
    spendMicros: spend,
    currency: 'EUR',
  });
  const blueCampaign = await rpc<{ id: string }>(base, 'campaigns.create', { clientId: blue, name: 'Tiny' }, w.hAdmin);
  await rpc(
    base,
    'spend.ingest',
    {
      accountId: w.holding,
      records: [
        record('spring', spring, 1_234_567, 12_346, 18_010_123_456),
        record('autumn', autumn, 1000, 10, 2_500_000),
        record('blue', blueCampaign.id, 3, 0, 20_000),
      ],
    },
    w.hAdmin,
  );
  await roll();
  return { holding: w.holding, agency: w.agency, acme, blue, spring, autumn, hAdmin: w.hAdmin };
}

/** The operator every browser test's installation is started with. */
export const TEST_OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };

/** The real api process on a test database (no demo data, TEST_OPERATOR as its operator) and a headless Chromium. */
export async function apiAndBrowser(databaseUrl: string) {
  const api = await startApi({
    DATABASE_URL: databaseUrl,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: TEST_OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: TEST_OPERATOR.password,
  });
  return { api, browser: await launchChromium() };
}

/** Invites `who` to an account (or a team) over HTTP and accepts the invitation as them: a member to sign in as. */
export async function addMember(
  base: string,
  token: string,
  to: { accountId: string } | { teamId: string },
  who: { email: string; password: string; name: string },
  role: 'admin' | 'operator' | 'analyst',
): Promise<void> {
  const inv = await rpc<{ token: string }>(base, 'members.invite', { ...to, email: who.email, role }, token);
  await rpc(base, 'members.acceptInvitation', { token: inv.token, name: who.name, password: who.password });
}
