import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@trellis/db/testing';
import { launchChromium, rpc, signIn, startApi } from './support';

let t: TestDatabase;
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const DEMO_PASSWORD = 'trellis-demo';

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startApi({ DATABASE_URL: t.url, TRELLIS_DEMO: '1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await t?.drop();
});

/** A query over plain HTTP (GET), as any client could make it. */
async function query<T>(name: string, token: string): Promise<T> {
  const r = await fetch(`${api.base}/trpc/${name}`, { headers: { authorization: `Bearer ${token}` } });
  return ((await r.json()) as { result: { data: T } }).result.data;
}

/** Records every Content-Security-Policy violation the page reports. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const fromConsole: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) fromConsole.push(m.text());
  });
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return async () => [...fromConsole, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))];
}

describe('browser: security', () => {
  it('runs the app under its CSP without a single violation, and a signed-in user accepts an invitation with one click', async () => {
    const holdingAdmin = await signIn(browser, api.base, { email: 'admin@northwind.demo', password: DEMO_PASSWORD });
    const violations = await watchCsp(holdingAdmin);
    await holdingAdmin.reload();
    // one account: the admin lands on it
    await expect.poll(() => holdingAdmin.getByTestId('account-name').textContent()).toContain('Northwind Group');

    const { token: adminToken } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
      email: 'admin@northwind.demo',
      password: DEMO_PASSWORD,
    });
    const holdingId = (await query<{ id: string; name: string }[]>('accounts.tree', adminToken)).find(
      (n) => n.name === 'Northwind Group',
    )!.id;
    const inv = await rpc<{ token: string }>(
      api.base,
      'members.invite',
      { accountId: holdingId, email: 'admin@zenith.demo', role: 'analyst' },
      adminToken,
    );

    const invitee = await signIn(browser, api.base, { email: 'admin@zenith.demo', password: DEMO_PASSWORD });
    const inviteeViolations = await watchCsp(invitee);
    await invitee.goto(`${api.base}/invite/${inv.token}`);
    await invitee.getByTestId('invitation-about').getByText('Northwind Group as analyst', { exact: false }).waitFor();
    await invitee.getByRole('button', { name: 'Accept as admin@zenith.demo' }).click();
    await expect.poll(() => invitee.getByTestId('account-name').textContent()).toContain('Northwind Group');

    expect(await violations()).toEqual([]);
    expect(await inviteeViolations()).toEqual([]);
  });

  it('tells a signed-out visitor whose email has an account to sign in first, without asking for that password', async () => {
    const { token: adminToken } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
      email: 'admin@bright.demo',
      password: DEMO_PASSWORD,
    });
    const bright = (await query<{ id: string; name: string }[]>('accounts.tree', adminToken)).find(
      (n) => n.name === 'Bright Media',
    )!;
    const inv = await rpc<{ token: string }>(
      api.base,
      'members.invite',
      { accountId: bright.id, email: 'analyst@cobalt.demo', role: 'analyst' },
      adminToken,
    );
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${api.base}/invite/${inv.token}`);
    await page.getByLabel('Your name').fill('Someone');
    await page.getByLabel('Password').fill('a guess at their password');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.getByText('Sign in as analyst@cobalt.demo to accept this invitation').waitFor();
  });
});
