import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { formatDayRange } from '../src/lib/time';
import { launchChromium, rpc, signIn, startApi } from './support';

// The product as the demo users meet it: one api process with the demo data and one browser for the whole file.
const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const PASSWORD = 'trellis-demo';
const as = (email: string) => signIn(browser, api.base, { email, password: PASSWORD });
const ids: Record<string, string> = {};
type Node = { id: string; name: string; children: Node[] };

beforeAll(async () => {
  api = await startApi({ DATABASE_URL: t.url, TRELLIS_DEMO: '1' });
  browser = await launchChromium();
  const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
    email: 'admin@northwind.demo',
    password: PASSWORD,
  });
  const res = await fetch(`${api.base}/trpc/accounts.tree?input=${encodeURIComponent('{}')}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const forest = ((await res.json()) as { result: { data: Node[] } }).result.data;
  const walk = (n: Node) => {
    ids[n.name] = n.id;
    n.children.forEach(walk);
  };
  forest.forEach(walk);
  const deals = await fetch(
    `${api.base}/trpc/deals.list?input=${encodeURIComponent(JSON.stringify({ accountId: ids['Bright Media'] }))}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  ids.deal = ((await deals.json()) as { result: { data: { items: { id: string }[] } } }).result.data.items[0]!.id;
  const zen = await rpc<{ token: string }>(api.base, 'auth.signIn', { email: 'admin@zenith.demo', password: PASSWORD });
  const zr = await fetch(`${api.base}/trpc/accounts.tree?input=${encodeURIComponent('{}')}`, {
    headers: { authorization: `Bearer ${zen.token}` },
  });
  ids['Zenith Watches'] = ((await zr.json()) as { result: { data: Node[] } }).result.data[0]!.id;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

/** What sticks out past a phone's width (for the message of a failing check). */
const widest = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .map((e) => ({ e, right: e.getBoundingClientRect().right }))
      .filter((x) => x.right > window.innerWidth + 1)
      .sort((x, y) => y.right - x.right)
      .slice(0, 4)
      .map(
        (x) =>
          x.e.tagName.toLowerCase() +
          (x.e.getAttribute('data-testid') ? `[${x.e.getAttribute('data-testid')}]` : '') +
          `.${(x.e.getAttribute('class') ?? '').split(' ').slice(0, 3).join('.')} ${Math.round(x.right)}px`,
      )
      .join(', '),
  );

/** axe-core on the page as it is: no serious or critical violation. */
async function check(page: Page, what: string) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .options({ resultTypes: ['violations'] })
    .analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) =>
        `${v.id}: ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    ),
    what,
  ).toEqual([]);
}
const accountName = (page: Page) => page.getByTestId('account-name').textContent();
const treeLinks = (page: Page) => page.getByTestId('account-tree').getByRole('link').allTextContents();

describe('browser: the product shell with the demo data', () => {
  it('lands each demo user where they belong: their one account, the team clients, or the tree', async () => {
    for (const [email, name] of [
      ['admin@northwind.demo', 'Northwind Group'],
      ['analyst@bright.demo', 'Bright Media'],
      ['admin@acme.demo', 'Acme Foods'],
      ['admin@orbit.demo', 'Orbit Telecom'],
      ['admin@zenith.demo', 'Zenith Watches'],
    ] as const) {
      const page = await as(email);
      await expect.poll(() => accountName(page), { message: email }).toContain(name);
      await page.context().close();
    }
    // a team member lands on the team's clients, and sees nothing else of the agency
    const planner = await as('planner@bright.demo');
    await expect.poll(() => treeLinks(planner)).toEqual(['Acme Foods', 'Citrus Mobile']);
    await planner.context().close();
    // the platform operator gets every root, and the forms to create one
    const op = await as('operator@trellis.demo');
    await op.getByTestId('account-tree').getByRole('link', { name: 'Northwind Group' }).waitFor();
    await op.getByRole('form', { name: 'Create a premium client' }).getByLabel('Time zone').waitFor();
    await op.context().close();
  });

  it('signs out from the user menu back to the sign-in form, and a reload stays signed out', async () => {
    const page = await as('admin@northwind.demo');
    await expect.poll(() => accountName(page)).toContain('Northwind Group');
    await page.getByRole('button', { name: 'User menu for admin@northwind.demo' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    expect(await page.getByTestId('signed-in-as').count()).toBe(0);
    await page.reload();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    expect(await page.getByTestId('signed-in-as').count()).toBe(0);
    await page.context().close();
  });

  it('hides the sections a user may not use, and a direct URL to one names the rule', async () => {
    const page = await as('admin@acme.demo');
    const nav = page.getByRole('navigation', { name: 'Account sections' });
    await nav.getByRole('link', { name: 'Members' }).waitFor();
    // a standard client's members: its users and the reports shared with it, nothing else (SPEC 2.2)
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Overview', 'Members', 'Shared reports']);
    await page.goto(`${api.base}/accounts/${ids['Acme Foods']}/deals`);
    await page.getByTestId('section-refused').getByText('Standard-client limit:').waitFor();
    await page.context().close();
  });

  it('switches account from the keyboard (Ctrl+K, type, Enter)', async () => {
    const page = await as('admin@northwind.demo');
    await expect.poll(() => accountName(page)).toContain('Northwind Group');
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Switch account' }).getByRole('combobox').waitFor();
    await page.getByRole('option').first().waitFor();
    await check(page, 'switcher');
    await page.keyboard.type('Citrus');
    await page.keyboard.press('Enter');
    await expect.poll(() => accountName(page)).toContain('Citrus Mobile');
    expect(new URL(page.url()).pathname).toBe(`/accounts/${ids['Citrus Mobile']}`);
    await page.context().close();
  });

  it("charts campaign budgets in each client's currency, never a NOK budget as euros", async () => {
    const page = await as('admin@northwind.demo');
    await page.goto(`${api.base}/accounts/${ids['Cobalt Digital']}`);
    const nok = page.getByRole('region', { name: 'Budgets in NOK' });
    await nok.waitFor();
    await expect
      .poll(async () => (await nok.textContent()) ?? '')
      .toMatch(/Fjord Travel: NOK\s?[\d,.]+ over 1 campaign/);
    expect(await page.getByRole('region', { name: 'Budgets in EUR' }).textContent()).not.toContain('Fjord Travel');
    await page.goto(`${api.base}/accounts/${ids['Cobalt Digital']}/campaigns`);
    await expect
      .poll(
        async () =>
          (await page
            .getByRole('row', { name: /Fjord Travel/ })
            .first()
            .textContent()) ?? '',
      )
      .toMatch(/NOK/);
    // the create form's budget is in the chosen client's currency, not the viewed agency's
    const form = page.getByRole('form', { name: 'Create a campaign' });
    await form.getByLabel('Client').selectOption({ label: 'Fjord Travel' });
    await form.getByLabel('Budget (NOK, optional)').waitFor();
    await page.context().close();
  });

  it("opens exactly the overview card's 7 full days in Reports (issue 19)", async () => {
    const page = await as('admin@bright.demo');
    await page.goto(`${api.base}/accounts/${ids['Bright Media']}`);
    const link = page.getByTestId('spend-summary-report');
    await link.waitFor();
    const card =
      (await page
        .getByText(/ against .* and today so far/)
        .first()
        .textContent()) ?? '';
    await link.click();
    await page.waitForURL(/\/reports/);
    const url = new URL(page.url());
    const [from, to] = [url.searchParams.get('from')!, url.searchParams.get('to')!];
    // 7 days, the ones the card names (written as days are, "1–7 Dec")
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(6);
    // (spaces compared as spaces: Node's and Chromium's ICU space a range differently)
    const plain = (x: string) => x.replace(/\s+/g, ' ');
    const days = plain(formatDayRange(from, to, { currentYear: Number(to.slice(0, 4)) }));
    expect(plain(card).startsWith(`${days} against `), `${plain(card)} starts with ${days}`).toBe(true);
    await page.context().close();
  });

  it('shows every field error of a form submitted empty at once, next to each field', async () => {
    const page = await as('admin@bright.demo');
    await page.goto(`${api.base}/accounts/${ids['Bright Media']}/deals`);
    await page.getByRole('button', { name: 'Create deal' }).click();
    const form = page.getByRole('form', { name: 'Create a deal' });
    await expect
      .poll(() => form.locator('.field-error').allTextContents())
      .toEqual(['required', 'required', 'required']);
    for (const label of ['Deal name', 'Publisher', 'CPM (EUR)']) {
      const input = form.getByLabel(label);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      const described = (await input.getAttribute('aria-describedby'))!.split(' ');
      expect(await page.locator(`[id="${described.at(-1)}"]`).textContent()).toBe('required');
    }
    // an ambiguous amount is refused with a hint, not read as something else
    await form.getByLabel('CPM (EUR)').fill('1e3');
    await form.getByRole('button', { name: 'Create deal' }).click();
    await form.getByText('write the amount in digits').waitFor();
    await page.context().close();
  });

  it('changes a role only through its confirmation dialog, and the audit trail shows the change readably', async () => {
    const page = await as('admin@bright.demo');
    await page.goto(`${api.base}/accounts/${ids['Bright Media']}/members`);
    const select = page.getByLabel('Role of analyst@bright.demo');
    await select.selectOption('operator');
    const dialog = page.getByTestId('role-confirm');
    await dialog.getByText('goes from analyst to operator', { exact: false }).waitFor();
    // cancelling changes nothing
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => select.inputValue()).toBe('analyst');
    await select.selectOption('operator');
    await page.getByTestId('role-confirm').getByRole('button', { name: 'Change role' }).click();
    await page.getByTestId('role-confirm').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByLabel('Role of analyst@bright.demo').inputValue()).toBe('operator');

    await page.getByRole('navigation', { name: 'Account sections' }).getByRole('link', { name: 'Audit' }).click();
    const row = page.getByTestId('audit').getByRole('row').filter({ hasText: 'Role changed' }).first();
    await row.getByText('role: analyst → operator').waitFor();
    expect(await row.textContent()).toContain('admin@bright.demo');
    // money is formatted, nothing prints as [object Object] or a raw id
    const text = await page.getByTestId('audit').textContent();
    expect(text).not.toContain('[object Object]');
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // filters live in the URL
    await page.getByLabel('Action').selectOption({ label: 'Role changed' });
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('membership.setRole');
    await expect.poll(() => page.getByTestId('audit').getByRole('row').count()).toBe(2);
    await page.context().close();
  });

  it('connects a premium client to the agency found from its invitation link, by name', async () => {
    const agency = await as('admin@bright.demo');
    await agency.goto(`${api.base}/accounts/${ids['Bright Media']}/connections`);
    const link = await agency.getByTestId('connect-link').textContent();
    expect(link).toBe(`${api.base}/connect/${ids['Bright Media']}`);

    const client = await as('admin@zenith.demo');
    await client.goto(link!);
    await client.getByText('Ask to connect Zenith Watches to Bright Media', { exact: false }).waitFor();
    await client.getByRole('button', { name: 'Send request' }).click();
    await client.getByTestId('connections-sent').getByText('Bright Media').waitFor();

    await agency.reload();
    await agency.getByTestId('connections-incoming').getByText('Zenith Watches').waitFor();
    await agency.context().close();
    await client.context().close();
  });

  it('keeps a 390 px phone free of sideways scrolling on the tree, an account page and a table page', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(api.base);
    await page.getByLabel('Email').fill('admin@northwind.demo');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
    // a top-up in the ledger (its detail names the actor)
    const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
      email: 'admin@northwind.demo',
      password: PASSWORD,
    });
    const card = await rpc<{ id: string }>(
      api.base,
      'credits.addCard',
      { clientId: ids['Blue Harbor Bank'], number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' },
      token,
    );
    await rpc(
      api.base,
      'credits.topUp',
      {
        clientId: ids['Blue Harbor Bank'],
        amountMicros: '12345678',
        paymentMethodId: card.id,
        idempotencyKey: 'phone-width-top-up',
      },
      token,
    );
    for (const [path, ready] of [
      ['/accounts', () => page.getByTestId('account-tree').getByRole('link', { name: 'Bright Media' }).waitFor()],
      [
        `/accounts/${ids['Bright Media']}`,
        () => page.getByTestId('sub-accounts').getByRole('link', { name: 'Acme Foods' }).waitFor(),
      ],
      [`/accounts/${ids['Bright Media']}/deals`, () => page.getByTestId('deals').getByRole('row').nth(1).waitFor()],
      [`/accounts/${ids['Bright Media']}/audit`, () => page.getByTestId('audit').getByRole('row').nth(1).waitFor()],
      [`/accounts/${ids['Bright Media']}/members`, () => page.getByTestId('members').getByRole('row').nth(1).waitFor()],
      [
        `/accounts/${ids['Bright Media']}/campaigns`,
        () => page.getByTestId('campaigns').getByRole('row').nth(1).waitFor(),
      ],
      [
        `/accounts/${ids['Blue Harbor Bank']}/billing`,
        () => page.getByTestId('ledger').getByRole('row').nth(1).waitFor(),
      ],
      [
        `/accounts/${ids['Bright Media']}/reports`,
        () => page.getByRole('heading', { name: 'Saved reports' }).waitFor(),
      ],
    ] as const) {
      await page.goto(`${api.base}${path}`);
      await ready();
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
        `${path}: ${await widest(page)}`,
      ).toBeLessThanOrEqual(0);
    }
    // the top-up dialog
    await page.goto(`${api.base}/accounts/${ids['Blue Harbor Bank']}/billing`);
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    await page.getByRole('dialog').getByLabel('Card', { exact: true }).waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      `top-up dialog: ${await widest(page)}`,
    ).toBeLessThanOrEqual(0);
    await page.keyboard.press('Escape');
    // the sidebar collapses into a menu
    await page.getByRole('button', { name: 'Sections' }).click();
    await page.getByRole('dialog').getByRole('link', { name: 'Seats' }).click();
    await page.getByTestId('seats').waitFor({ state: 'attached' });
    await ctx.close();
  });

  it('passes axe (no serious or critical violation) on every page', { timeout: 300_000 }, async () => {
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(api.base);
    await anon.getByLabel('Email').waitFor();
    await check(anon, 'sign-in');
    const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
      email: 'admin@bright.demo',
      password: PASSWORD,
    });
    const inv = await rpc<{ token: string }>(
      api.base,
      'members.invite',
      { accountId: ids['Bright Media'], email: 'axe@bright.demo', role: 'analyst' },
      token,
    );
    await anon.goto(`${api.base}/invite/${inv.token}`);
    await anon.getByLabel('Your name').waitFor();
    await check(anon, 'invitation');
    await anon.context().close();

    const page = await as('admin@bright.demo');
    const b = `/accounts/${ids['Bright Media']}`;
    const pages: [string, () => Promise<void>][] = [
      [b, () => page.getByTestId('sub-accounts').getByRole('link').first().waitFor()],
      [`${b}/clients`, () => page.getByTestId('clients').getByRole('row').nth(1).waitFor()],
      [`${b}/connections`, () => page.getByTestId('connections-connected').waitFor()],
      [`${b}/campaigns`, () => page.getByTestId('campaigns').getByRole('row').nth(1).waitFor()],
      [`${b}/seats`, () => page.getByTestId('seats').waitFor({ state: 'attached' })],
      [`${b}/deals`, () => page.getByTestId('deals').getByRole('row').nth(1).waitFor()],
      [`${b}/members`, () => page.getByTestId('members').getByRole('row').nth(1).waitFor()],
      [`${b}/audit`, () => page.getByTestId('audit').getByRole('row').nth(1).waitFor()],
      [`/deals/${ids.deal}`, () => page.getByTestId('deal-terms').waitFor()],
      ['/outbox', () => page.getByTestId('outbox').waitFor({ state: 'attached' })],
      ['/accounts', () => page.getByTestId('account-tree').getByRole('link').first().waitFor()],
      ['/no-such-page', () => page.getByText('This page does not exist').waitFor()],
    ];
    for (const [path, ready] of pages) {
      await page.goto(`${api.base}${path}`);
      await ready();
      await check(page, path);
    }
    // a confirmation dialog and the switcher, open
    await page.goto(`${api.base}${b}/members`);
    await page.getByLabel('Role of operator@bright.demo').selectOption('analyst');
    await page.getByTestId('role-confirm').waitFor();
    await check(page, 'role dialog');
    await page.keyboard.press('Escape');
    await page.context().close();

    const client = await as('admin@acme.demo');
    await client.goto(`${api.base}/accounts/${ids['Acme Foods']}/seats`);
    await client.getByTestId('section-refused').waitFor();
    await check(client, 'refused section');
    await client.context().close();
    const holding = await as('admin@northwind.demo');
    await holding.goto(`${api.base}/accounts/${ids['Northwind Group']}/ingestion`);
    await holding.getByTestId('ingestion-status').waitFor();
    await holding.getByTestId('ingest-keys').waitFor({ state: 'attached' });
    await check(holding, 'ingestion');
    await holding.context().close();
    const op = await as('operator@trellis.demo');
    await op.getByTestId('account-tree').getByRole('link').first().waitFor();
    await check(op, 'operator tree');
    await op.goto(`${api.base}/accounts/${ids['Acme Foods']}`);
    await op.getByRole('form', { name: 'Transfer the client' }).waitFor();
    await check(op, 'operator client actions');
    await op.context().close();
  });
});
