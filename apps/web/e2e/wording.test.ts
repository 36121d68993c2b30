import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { addMember, apiAndBrowser, northwindWithAgency, rpc, signIn, TEST_OPERATOR as OPERATOR } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof apiAndBrowser>>['api'];
let browser: Browser;
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const TEAM_OP = { email: 'teamop@bright.test', password: 'team operator password', name: 'Tess' };
const SOLO = { email: 'admin@solo.test', password: 'solo admin password', name: 'Sol' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ api, browser } = await apiAndBrowser(t.url));
  const w = await northwindWithAgency(api.base, OPERATOR);
  Object.assign(ids, { holding: w.holding, agency: w.agency });
  for (const name of ['Acme Foods', 'Blue Harbor'])
    ids[name] = (
      await rpc<{ id: string }>(api.base, 'accounts.create', { parentId: w.agency, name, kind: 'client' }, w.hAdmin)
    ).id;
  const team = await rpc<{ id: string }>(api.base, 'teams.create', { agencyId: w.agency, name: 'Retail' }, w.hAdmin);
  for (const c of ['Acme Foods', 'Blue Harbor'])
    await rpc(api.base, 'teams.assignClient', { teamId: team.id, clientId: ids[c] }, w.hAdmin);
  await addMember(api.base, w.hAdmin, { teamId: team.id }, TEAM_OP, 'operator');
  ids.solo = (
    await rpc<{ id: string }>(
      api.base,
      'clients.createPremium',
      { name: 'Solo Shop', currency: 'EUR', timeZone: 'UTC' },
      w.op,
    )
  ).id;
  await addMember(api.base, w.op, { accountId: ids.solo }, SOLO, 'admin');
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: the words on each page fit the account and the person', () => {
  it("names a team member's team, agency and role on the landing", async () => {
    const page = await signIn(browser, api.base, TEAM_OP);
    await expect
      .poll(() => page.getByTestId('team-landing').textContent())
      .toContain('You are an operator in the team Retail of Bright Media');
  });

  it("speaks of a standard client's own rights, and names the page and account it refuses", async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids['Acme Foods']}/members`);
    const invite = page.getByRole('form', { name: 'Invite a member' });
    await invite.getByLabel('Role').selectOption('analyst');
    const about = page.getByText(/^An analyst may/);
    await expect.poll(() => about.textContent()).toContain('may see the reports its agency shares with it');
    expect(await about.textContent()).not.toContain('run, save');
    await page.goto(`${api.base}/accounts/${ids.holding}/billing`);
    await page
      .getByTestId('section-refused')
      .getByRole('heading', { name: 'The Billing page is not available for Northwind' })
      .waitFor();
  });

  it('never speaks of "its agency" to a standalone premium client', async () => {
    const page = await signIn(browser, api.base, SOLO);
    await page.goto(`${api.base}/accounts/${ids.solo}/deals`);
    await page.getByText('Its own deals: a standalone client has no agency or holding above it.').waitFor();
    await page.goto(`${api.base}/accounts/${ids.solo}/billing`);
    await page.getByText('the admins of Solo Shop get one mail').waitFor();
    expect(await page.getByText("the agency's admins").count()).toBe(0);
    await page.goto(`${api.base}/accounts/${ids.solo}/reports`);
    await expect
      .poll(() => page.getByTestId('client-rule-note').textContent())
      .toContain('This report shows spend on the seats Solo Shop linked itself and on the deals it created.');
    await page.getByText('No spend in this range on the seats this client linked or on its deals.').waitFor();
    expect(await page.getByText(/its agency/).count()).toBe(0);
    // its own campaign form has it chosen, not a blank client
    await page.goto(`${api.base}/accounts/${ids.solo}/campaigns`);
    const client = page.getByRole('form', { name: 'Create a campaign' }).getByLabel('Client');
    await expect.poll(() => client.inputValue()).toBe(ids.solo);
  });

  it("offers the operator a searchable time zone, the browser's first, and refuses one not in the list", async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(api.base);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const form = page.getByRole('form', { name: 'Create a holding' });
    const zone = form.getByLabel('Time zone');
    await zone.waitFor();
    expect(await zone.inputValue()).toBe('Asia/Tokyo');
    const list = await zone.getAttribute('list');
    expect(await page.locator(`datalist[id="${list}"] option`).first().getAttribute('value')).toBe('Asia/Tokyo');
    await form.getByLabel('Name').fill('Zone Test');
    await zone.fill('Mars/Olympus');
    await form.getByRole('button', { name: 'Create holding' }).click();
    await form.getByText('pick a time zone from the list, e.g. Europe/Copenhagen').waitFor();
    await context.close();
  });

  it("defaults a new holding's first invitation to admin", async () => {
    const op = await signIn(browser, api.base, OPERATOR);
    const h = await rpc<{ id: string }>(
      api.base,
      'accounts.createHolding',
      { name: 'Empty Holding', currency: 'EUR', timeZone: 'UTC' },
      (await rpc<{ token: string }>(api.base, 'auth.signIn', OPERATOR)).token,
    );
    await op.goto(`${api.base}/accounts/${h.id}/members`);
    const role = op.getByRole('form', { name: 'Invite a member' }).getByLabel('Role');
    await expect.poll(() => role.inputValue()).toBe('admin');
  });

  it('shows a weak password refusal once, by its field', async () => {
    const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', ADMIN);
    const inv = await rpc<{ token: string; link: string | null }>(
      api.base,
      'members.invite',
      { accountId: ids.holding, email: 'weak@northwind.test', role: 'analyst' },
      token,
    );
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${api.base}/invite/${inv.token}`);
    await page.getByLabel('Your name').fill('Wendy');
    await page.getByLabel(/^Password/).fill('password123');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page
      .getByText(/too easy to guess/)
      .first()
      .waitFor();
    expect(await page.getByText(/too easy to guess/).count()).toBe(1);
  });

  it('does not offer first, when the top-up opens again, the card just declined', async () => {
    const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', SOLO);
    const card = (number: string) =>
      rpc<{ id: string }>(
        api.base,
        'credits.addCard',
        { clientId: ids.solo, number, expMonth: 12, expYear: 2040, cvc: '123' },
        token,
      );
    const bad = await card('4000000000000002');
    const good = await card('4242424242424242');
    const page = await signIn(browser, api.base, SOLO);
    await page.goto(`${api.base}/accounts/${ids.solo}/billing`);
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Card').selectOption(bad.id);
    await dialog.getByLabel('Amount (EUR)').fill('10');
    await dialog.getByRole('button', { name: 'Charge €10.00' }).click();
    await dialog.getByText('The card was declined by its bank. Try another card.').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    await expect.poll(() => page.getByRole('dialog').getByLabel('Card').inputValue()).toBe(good.id);
  });
});
