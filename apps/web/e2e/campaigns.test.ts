import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { formatCalendarDay } from '../src/lib/time';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
let page: Page;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi({
    DATABASE_URL: t.url,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchChromium();
  const w = await northwindWithAgency(api.base, OPERATOR);
  Object.assign(ids, { holding: w.holding, agency: w.agency });
  const create = async (parentId: string, name: string, kind: 'agency' | 'client') =>
    (await rpc<{ id: string }>(api.base, 'accounts.create', { parentId, name, kind }, w.hAdmin)).id;
  ids.cobalt = await create(w.holding, 'Cobalt Digital', 'agency');
  ids.acme = await create(w.agency, 'Acme Foods', 'client');
  ids.zest = await create(ids.cobalt, 'Zest Drinks', 'client');
  const seat = await rpc<{ id: string }>(
    api.base,
    'seats.link',
    { accountId: w.holding, dsp: 'dv360', seatId: 'seat-1' },
    w.hAdmin,
  );
  ids.seat = seat.id;
  const deal = await rpc<{ id: string }>(
    api.base,
    'deals.create',
    {
      accountId: w.agency,
      name: 'Bright PMP',
      publisher: 'Daily News',
      type: 'private_auction',
      cpmMicros: 2_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
    },
    w.hAdmin,
  );
  ids.deal = deal.id;
  page = await signIn(browser, api.base, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: campaigns', () => {
  it('clears the form after Create, refuses the same name again, and edits name, budget, flight and deals', async () => {
    await page.goto(`${api.base}/accounts/${ids.agency}/campaigns`);
    const form = page.getByRole('form', { name: 'Create a campaign' });
    await form.getByLabel('Campaign name').fill('Spring sale');
    await form.getByLabel(/^Budget/).fill('300');
    await form.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByTestId('campaigns').getByText('Spring sale').waitFor();
    // the form is empty again: a second click sends nothing
    await expect.poll(() => form.getByLabel('Campaign name').inputValue()).toBe('');
    expect(await form.getByLabel(/^Budget/).inputValue()).toBe('');
    await form.getByLabel('Campaign name').fill('spring SALE');
    await form.getByRole('button', { name: 'Create campaign' }).click();
    await form.getByText('this client already has a campaign of that name').waitFor();
    expect(
      await page
        .getByTestId('campaigns')
        .getByText(/spring sale/i)
        .count(),
    ).toBe(1);

    await page.getByTestId('campaigns').getByRole('button', { name: 'Edit…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Campaign name').fill('Spring sale 2027');
    await dialog.getByLabel(/^Budget/).fill('450');
    await dialog.getByLabel('Flight starts').fill('2026-03-01');
    await dialog.getByLabel('Flight ends').fill('2026-02-01');
    await dialog.getByRole('button', { name: 'Save campaign' }).click();
    await dialog.getByText('the flight ends before it starts').waitFor();
    await dialog.getByLabel('Flight ends').fill('2026-03-31');
    await dialog.getByLabel('Bright PMP').check();
    await dialog.getByRole('button', { name: 'Save campaign' }).click();
    const table = page.getByTestId('campaigns');
    await table.getByText('Spring sale 2027').waitFor();
    await table.getByText('€450.00').waitFor();
    const pacing = page.getByTestId('pacing-Spring sale 2027');
    // the flight's days as every table writes days ("Mar 1, 2026 – Mar 31, 2026"), not as ISO dates
    await pacing
      .getByText(`${formatCalendarDay('2026-03-01')} – ${formatCalendarDay('2026-03-31')}`, { exact: true })
      .waitFor();
    await pacing.getByText('0% of budget').waitFor();
    await table.getByText('€0.00').waitFor();
  });
});

describe('browser: the clients table', () => {
  it("shows each client's balance, runway and credit flag, filters by flag, and creates a client", async () => {
    await page.goto(`${api.base}/accounts/${ids.holding}/clients`);
    const table = page.getByTestId('clients');
    await table.getByText('Acme Foods').waitFor();
    await table.getByText('Zest Drinks').waitFor();
    for (const h of ['Spend (30 days)', 'Balance', 'Runway', 'Credit'])
      await table.getByRole('columnheader', { name: h }).waitFor();
    expect(await table.getByText('out of credit').count()).toBe(2);
    await page.getByLabel('Show clients whose credit is').selectOption('ok');
    await table.getByText('Acme Foods').waitFor({ state: 'detached' });
    await page.getByLabel('Show clients whose credit is').selectOption('');

    const create = page.getByRole('form', { name: 'Create client' });
    await create.getByLabel('Agency').selectOption({ label: 'Cobalt Digital' });
    await create.getByLabel('New client name').fill('Nova Retail');
    await create.getByRole('button', { name: 'Create client' }).click();
    await table.getByText('Nova Retail').waitFor();
    await expect.poll(() => create.getByLabel('New client name').inputValue()).toBe('');
  });
});

describe('browser: deals and seats', () => {
  it("shows a deal's delivery to its agency and groups the seat's Assign-to list by agency", async () => {
    await page.goto(`${api.base}/deals/${ids.deal}`);
    await page.getByRole('heading', { name: 'Delivery' }).waitFor();
    await page.getByText('No delivery in the last 30 days.').waitFor();

    await page.goto(`${api.base}/accounts/${ids.holding}/seats`);
    const picker = page.getByLabel(/^New holder of/);
    await picker.waitFor();
    const groups = await picker
      .locator('optgroup')
      .evaluateAll((els) =>
        els.map((g) => [g.getAttribute('label'), [...g.querySelectorAll('option')].map((o) => o.textContent)]),
      );
    expect(groups).toEqual([
      ['Bright Media', ['Bright Media', 'Acme Foods']],
      ['Cobalt Digital', ['Cobalt Digital', 'Nova Retail', 'Zest Drinks']],
    ]);
  });
});
