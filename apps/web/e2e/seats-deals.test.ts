import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { launchChromium, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const SIBLING = { email: 'planner@cobalt.test', password: 'sibling password 1' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi({
    DATABASE_URL: t.url,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchChromium();
  const { token: op } = await rpc<{ token: string }>(api.base, 'auth.signIn', OPERATOR);
  const h = await rpc<{ id: string }>(
    api.base,
    'accounts.createHolding',
    { name: 'Northwind', currency: 'EUR', timeZone: 'Europe/Copenhagen' },
    op,
  );
  const inv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: h.id, email: ADMIN.email, role: 'admin' },
    op,
  );
  const { token } = await rpc<{ token: string }>(api.base, 'members.acceptInvitation', {
    token: inv.token,
    name: 'Nora',
    password: ADMIN.password,
  });
  ids.holding = h.id;
  for (const [key, parentKey, name, kind] of [
    ['bright', 'holding', 'Bright Media', 'agency'],
    ['cobalt', 'holding', 'Cobalt Digital', 'agency'],
    ['acme', 'bright', 'Acme Foods', 'client'],
  ] as const) {
    ids[key] = (
      await rpc<{ id: string }>(api.base, 'accounts.create', { parentId: ids[parentKey], name, kind }, token)
    ).id;
  }
  const sib = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.cobalt, email: SIBLING.email, role: 'admin' },
    token,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: sib.token, name: 'Sam', password: SIBLING.password });
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: seats and deals down the tree', () => {
  it('links a seat at the holding, assigns it to an agency then a client; an agency deal reaches the client, not the sibling', async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.holding}/seats`);
    await page.getByText('No seats yet. Link a DSP seat above.').waitFor();
    await page.locator('select[name=dsp]').selectOption('ttd');
    await page.getByLabel('Seat id').fill('TTD-555');
    await page.getByRole('button', { name: 'Link seat' }).click();
    const row = page.getByTestId('seat-TTD-555');
    await row.getByText('mapped to Northwind').waitFor();
    // linking it again is refused with the server's message
    await page.getByLabel('Seat id').fill('TTD-555');
    await page.getByRole('button', { name: 'Link seat' }).click();
    await page.getByText('This seat is already linked in Trellis.').waitFor();

    const picker = row.getByLabel('New holder of The Trade Desk TTD-555');
    await picker.waitFor();
    // grouped by the agency each target sits in: the agency first, then its clients
    expect(await picker.locator('option').allTextContents()).toEqual([
      'Assign to…',
      'Bright Media',
      'Acme Foods',
      'Cobalt Digital',
    ]);
    expect(await picker.locator('optgroup').evaluateAll((gs) => gs.map((g) => g.getAttribute('label')))).toEqual([
      'Bright Media',
      'Cobalt Digital',
    ]);
    await picker.selectOption({ label: 'Bright Media' });
    await row.getByRole('button', { name: 'Assign' }).click();
    await row.getByText('mapped to Bright Media').waitFor();

    await page.goto(`${api.base}/accounts/${ids.bright}/seats`);
    const agencyRow = page.getByTestId('seat-TTD-555');
    const agencyPicker = agencyRow.getByLabel('New holder of The Trade Desk TTD-555');
    await agencyPicker.waitFor();
    // only legal targets are offered: the agency's own client, or back to the holding
    expect(await agencyPicker.locator('option').allTextContents()).toEqual([
      'Assign to…',
      'Northwind (take back)',
      'Acme Foods',
    ]);
    await agencyPicker.selectOption({ label: 'Acme Foods' });
    await agencyRow.getByRole('button', { name: 'Assign' }).click();
    await agencyRow.getByText('mapped to Acme Foods').waitFor();
    await agencyRow.getByRole('button', { name: 'History' }).click();
    await expect
      .poll(() => page.getByTestId('history-TTD-555').locator('li').allTextContents())
      .toEqual([
        expect.stringMatching(/^Acme Foods: from .* \(current\)$/),
        expect.stringMatching(/^Bright Media: from .* to /),
        expect.stringMatching(/^Northwind: from .* to /),
      ]);

    await page.goto(`${api.base}/accounts/${ids.bright}/deals`);
    await page.getByLabel('Deal name').fill('Bright Spring PMP');
    await page.getByLabel('Publisher').fill('Daily Planet');
    await page.getByLabel('CPM (EUR)').fill('2.75');
    await page.getByRole('button', { name: 'Create deal' }).click();
    await page.getByTestId('deals').getByText('Bright Spring PMP').waitFor();
    await page.getByTestId('deals').getByText('€2.75 CPM').waitFor();
    // a bad CPM is refused next to the field, before any request
    await page.getByLabel('CPM (EUR)').fill('-3');
    await page.getByRole('button', { name: 'Create deal' }).click();
    await page.getByText('a non-negative amount with at most 6 decimals').waitFor();

    await page.goto(`${api.base}/accounts/${ids.acme}/deals`);
    await page.getByTestId('deals').getByText('inherited from Bright Media').waitFor();
    await page.getByTestId('deals').getByRole('link', { name: 'Bright Spring PMP' }).click();
    await page.getByTestId('deal-terms').getByText('€2.75').waitFor();
    const dealUrl = page.url();

    const sibling = await signIn(browser, api.base, SIBLING);
    await sibling.goto(`${api.base}/accounts/${ids.cobalt}/deals`);
    await sibling.getByText('No deals yet.', { exact: false }).waitFor();
    await sibling.goto(dealUrl);
    await sibling.getByText('This deal does not exist or is not yours to see.').waitFor();
    await sibling.goto(`${api.base}/accounts/${ids.cobalt}/seats`);
    await sibling.getByText('No seats are mapped to this account or below it.', { exact: false }).waitFor();
  });
});
