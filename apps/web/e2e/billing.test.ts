import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, debitSpend } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { formatChartDay } from '../src/lib/time';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const AGENCY_ADMIN = { email: 'admin@bright.test', password: 'agency admin password' };
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startApi({
    DATABASE_URL: t.url,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchChromium();
  const world = await northwindWithAgency(api.base, OPERATOR);
  const { hAdmin } = world;
  Object.assign(ids, { holding: world.holding, agency: world.agency });
  ids.client = (
    await rpc<{ id: string }>(
      api.base,
      'accounts.create',
      { parentId: ids.agency, name: 'Acme Foods', kind: 'client' },
      hAdmin,
    )
  ).id;
  const aInv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.agency, email: AGENCY_ADMIN.email, role: 'admin' },
    hAdmin,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: aInv.token, name: 'Ben', password: AGENCY_ADMIN.password });
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: billing of a client', () => {
  it('adds a card, tops up, shows balance, ledger and consumption change; a declined card shows the decline by the form', async () => {
    const page = await signIn(browser, api.base, AGENCY_ADMIN);
    await page.goto(`${api.base}/accounts/${ids.client}/billing`);
    await page.getByTestId('balance').getByText('0.00').waitFor();

    // the card form checks as you type: a Luhn-invalid number is refused before anything is sent
    const form = page.getByTestId('add-card');
    await form.getByLabel('Card number').fill('4242 4242 4242 4241');
    await form.getByText('is not a valid card number').waitFor();
    await form.getByLabel('Card number').fill('4242 4242 4242 4242');
    await form.getByText('Visa', { exact: true }).waitFor();
    await form.getByLabel('Expiry').fill('01/20');
    await form.getByText('the card has expired').waitFor();
    await form.getByLabel('Expiry').fill('12/30');
    await form.getByLabel('CVC').fill('123');
    await form.getByRole('button', { name: 'Add card' }).click();
    await page.getByTestId('cards').getByText('Visa •••• 4242').waitFor();

    // top up: the dialog shows the processor's answer
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount (EUR)').fill('0');
    await dialog.getByRole('button', { name: 'Charge card' }).click();
    await dialog.getByText('must be more than zero').waitFor();
    await dialog.getByLabel('Amount (EUR)').fill('100');
    await dialog.getByRole('button', { name: 'Charge €100.00' }).click();
    await dialog.getByTestId('top-up-result').getByText('charged to Visa •••• 4242', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('balance').getByText('100.00').waitFor();
    await page.getByTestId('ledger').getByText('Top-up').waitFor();

    // spend arrives through the worker's path; the balance, ledger and chart follow
    const db = createDb(t.url, { max: 1 });
    try {
      await db
        .transaction()
        .execute((trx) =>
          debitSpend(trx, [{ clientId: ids.client!, amountMicros: 25_000_000n, reference: 'browser-test' }]),
        );
    } finally {
      await db.destroy();
    }
    await page.reload();
    await page.getByTestId('balance').getByText('75.00').waitFor();
    await page.getByTestId('usage-total').getByText('25.00').waitFor();
    // today's bar is a day not over yet
    const today = new Date().toISOString().slice(0, 10);
    const day = formatChartDay(today, { today, currentYear: Number(today.slice(0, 4)) });
    expect(day).toMatch(/\(so far\)$/);
    expect(await page.getByTestId('usage-days').textContent()).toContain(`${day}: €25.00`);
    await page.getByTestId('ledger').getByText('Spend').waitFor();

    // a top-up made while reading an older page of the ledger brings it back to the newest page
    const db2 = createDb(t.url, { max: 1 });
    try {
      const t0 = Date.now();
      await db2.transaction().execute((trx) =>
        debitSpend(
          trx,
          Array.from({ length: 24 }, (_, i) => ({
            clientId: ids.client!,
            amountMicros: 10_000n,
            reference: `page-${i}`,
            at: new Date(t0 + i),
          })),
        ),
      );
    } finally {
      await db2.destroy();
    }
    await page.reload();
    const ledger = page.getByTestId('ledger');
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Newer' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    await dialog.getByLabel('Amount (EUR)').fill('10');
    await dialog.getByRole('button', { name: 'Charge €10.00' }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Newer' }).isEnabled()).toBe(false);
    await ledger.getByRole('row').nth(1).getByText('Top-up').waitFor();
    // the two top-ups among 26 entries, on one page, and back to every entry
    await page.getByLabel('Show').selectOption({ label: 'Top-ups, refunds and adjustments' });
    await expect
      .poll(async () =>
        (await ledger.getByRole('row').allTextContents()).slice(1).map((r) => (r.includes('Top-up') ? 'Top-up' : r)),
      )
      .toEqual(['Top-up', 'Top-up']);
    expect(await page.getByRole('button', { name: 'Older', disabled: false }).count()).toBe(0);
    await page.getByLabel('Show').selectOption({ label: 'All entries' });
    await expect.poll(async () => (await ledger.getByRole('row').count()) - 1).toBe(20);

    // a declined card: the decline shows next to the top-up form, and nothing is credited
    await form.getByLabel('Card number').fill('4000 0000 0000 0002');
    await form.getByLabel('Expiry').fill('12/30');
    await form.getByLabel('CVC').fill('123');
    await form.getByRole('button', { name: 'Add card' }).click();
    await page.getByTestId('cards').getByText('Visa •••• 0002').waitFor();
    await page.getByRole('button', { name: 'Top up…' }).first().click();
    await dialog.getByLabel('Amount (EUR)').fill('50');
    await dialog.getByLabel('Card', { exact: true }).selectOption({ label: 'Visa •••• 0002' });
    await dialog.getByRole('button', { name: 'Charge €50.00' }).click();
    await dialog
      .getByTestId('top-up-error')
      .getByText('The card was declined by its bank. Try another card.')
      .waitFor();
    // once: not also under the card field
    expect(await dialog.getByText('The card was declined by its bank. Try another card.').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('balance').getByText('84.76').waitFor();
  });

  it('shows the low-balance banner to the cent with the exact amount in a tooltip, and says no mail was sent (issue 19)', async () => {
    const db = createDb(t.url, { max: 1 });
    try {
      await db
        .transaction()
        .execute((trx) =>
          debitSpend(trx, [{ clientId: ids.client!, amountMicros: 1_234_567n, reference: 'micros-test' }]),
        );
    } finally {
      await db.destroy();
    }
    const page = await signIn(browser, api.base, AGENCY_ADMIN);
    await page.goto(`${api.base}/accounts/${ids.client}/billing`);
    const form = page.getByRole('form', { name: 'Low-balance alert' });
    await form.getByLabel('Threshold (EUR)').fill('500');
    await form.getByRole('button', { name: 'Save threshold' }).click();
    await page.getByText(/The balance is already below it: no mail was sent/).waitFor();
    const banner = page.getByTestId('low-balance-banner');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    // 84.76 - 1.234567 = 83.525433: shown as 83.53, the micros in the title
    expect(text).toContain('€83.53 is below the threshold of €500.00');
    expect(text).not.toMatch(/\d\.\d{3}/);
    expect(await banner.getByText('€83.53').getAttribute('title')).toBe('exactly €83.525433');
    await page.context().close();
  });
});
