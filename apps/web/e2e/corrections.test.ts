import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spend } from '@trellis/db';
import { credit, useTestDatabase } from '@trellis/db/testing';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

// SPEC 13 in the browser: a day of spend, then the DSP's restated file for it, through the API and the worker's rollup.
const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const H_OPERATOR = { email: 'ops@northwind.test', password: 'holding operator password' };
const H_ANALYST = { email: 'analyst@northwind.test', password: 'holding analyst password' };
const EUR = 1_000_000;
const ids: Record<string, string> = {};
let token = '';
let restatedBatch = '';
let today = '';

const rollAll = async () => {
  while (await spend.rollupUnit(t.db, () => new Date())) {
    /* until nothing is left */
  }
};

async function member(who: { email: string; password: string }, role: string) {
  const inv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.holding, email: who.email, role },
    token,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: inv.token, name: role, password: who.password });
}

/** The day as the page writes a day of a correction ("Dec 7" in en-US), in the browser's own locale. */
const dayInPage = (page: Page, day: string) =>
  page.evaluate(
    (d) =>
      new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
        new Date(`${d}T00:00:00Z`),
      ),
    day,
  );

/** Nothing sideways off a 390 px screen: neither the page nor the element (which may sit in a table that scrolls). */
async function fitsPhone(page: Page, testId: string) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const box = (await page.getByTestId(testId).first().boundingBox())!;
  expect(box.width, testId).toBeLessThanOrEqual(390);
}

beforeAll(async () => {
  api = await startApi({
    DATABASE_URL: t.url,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchChromium();
  const world = await northwindWithAgency(api.base, OPERATOR);
  token = world.hAdmin;
  Object.assign(ids, { holding: world.holding, agency: world.agency });
  ids.client = (
    await rpc<{ id: string }>(
      api.base,
      'accounts.create',
      { parentId: ids.agency, name: 'Acme Foods', kind: 'client' },
      token,
    )
  ).id;
  await member(H_OPERATOR, 'operator');
  await member(H_ANALYST, 'analyst');
  const seat = await rpc<{ id: string }>(
    api.base,
    'seats.link',
    { accountId: ids.holding, dsp: 'dv360', seatId: 'DV-1' },
    token,
  );
  await rpc(api.base, 'seats.assign', { seatId: seat.id, accountId: ids.client }, token);
  await credit(t.db, ids.client, BigInt(10 * EUR));

  // a moment after the seat was assigned, so the spend is the client's
  const at = new Date(Date.now() + 1_000).toISOString();
  today = at.slice(0, 10); // the holding and its client are in UTC
  const rec = (eventId: string, spendMicros: number, over: Record<string, unknown> = {}) => ({
    eventId,
    occurredAt: at,
    dsp: 'dv360',
    seatId: 'DV-1',
    dealId: null,
    auctionType: 'open_auction',
    campaignId: null,
    impressions: 100,
    clicks: 2,
    spendMicros,
    currency: 'EUR',
    ...over,
  });
  const first = [rec('e1', 1.5 * EUR), rec('e2', 1.5 * EUR), rec('e3', 1 * EUR)];
  expect(await rpc(api.base, 'spend.ingest', { accountId: ids.holding, records: first }, token)).toMatchObject({
    accepted: 3,
    corrected: 0,
  });
  await rollAll();

  // the day's report before any correction: no Corrections column
  const page = await signIn(browser, api.base, ADMIN);
  await page.goto(`${api.base}/accounts/${ids.holding}/reports`);
  await page.getByTestId('total-EUR').getByText('€4.00').waitFor();
  expect(await page.getByTestId('report-rows').getByRole('columnheader', { name: 'Corrections' }).count()).toBe(0);
  expect(await page.getByTestId('report-totals').textContent()).not.toContain('Corrections');
  await page.context().close();

  // the DSP's restated file: two events were invalid traffic (nothing billable), one restated higher (by 0.234567)
  const restated = [
    rec('e1', 0, { revision: 1, correctionReason: 'invalid_traffic', impressions: 0, clicks: 0 }),
    rec('e2', 0, { revision: 1, correctionReason: 'invalid_traffic', impressions: 0, clicks: 0 }),
    rec('e3', 1_234_567, { revision: 1 }),
  ];
  const r = await rpc<{ batchId: string }>(
    api.base,
    'spend.ingest',
    { accountId: ids.holding, records: restated },
    token,
  );
  expect(r).toMatchObject({ accepted: 0, corrected: 3, stale: 0, rejected: [] });
  restatedBatch = r.batchId;
  // the source resends its first file: older revisions, stale, not applied
  expect(await rpc(api.base, 'spend.ingest', { accountId: ids.holding, records: first }, token)).toMatchObject({
    stale: 3,
  });
  await rollAll();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: spend corrections (SPEC 13)', () => {
  it('Billing explains the correction entry in words, to the cent with the exact amount in a tooltip', async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.client}/billing`);
    // 10 - 4 + 3 - 0.234567
    await page.getByTestId('balance').getByText('€8.77').waitFor();
    const ledger = page.getByTestId('ledger');
    const row = ledger.getByRole('row').filter({ hasText: 'Spend correction' });
    await row.waitFor();
    const detail = row.getByTestId('correction-detail');
    const day = await dayInPage(page, today);
    expect((await detail.getByRole('listitem').allTextContents()).map((s) => s.replace(/\s/g, ' '))).toEqual([
      `Invalid-traffic credit, 2 events of ${day}: €3.00`,
      `Restated higher, 1 event of ${day}: €0.23`,
    ]);
    expect(await detail.getByText('€0.23').getAttribute('title')).toBe('exactly €0.234567');
    // the entry's amount is the balance change: +2.765433
    expect(await row.getByText('€2.77').getAttribute('title')).toBe('exactly €2.765433');
    // the ledger can show the corrections alone
    await page.getByLabel('Show').selectOption({ label: 'Spend corrections' });
    await expect.poll(async () => (await ledger.getByRole('row').count()) - 1).toBe(1);

    await page.setViewportSize({ width: 390, height: 844 });
    await detail.waitFor();
    await fitsPhone(page, 'correction-detail');
    await page.context().close();
  });

  it('the report shows a Corrections column, money formatted like spend, only when there is a correction', async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.holding}/reports`);
    // 4 - 3 + 0.234567
    await page.getByTestId('total-EUR').getByText('€1.23').waitFor();
    const correction = page.getByTestId('total-corrections-EUR').getByText('-€2.77');
    await correction.waitFor();
    expect(await correction.getAttribute('title')).toBe('exactly -€2.765433');
    const rows = page.getByTestId('report-rows');
    await rows.getByRole('columnheader', { name: 'Corrections' }).waitFor();
    expect(await rows.getByRole('row').nth(1).textContent()).toContain('-€2.77');

    // a range without the corrected day has no such column
    await page.goto(`${api.base}/accounts/${ids.holding}/reports?preset=custom&from=2020-01-01&to=2020-01-31`);
    await page.getByText('No spend in this range').waitFor();
    expect(await page.getByText('Corrections').count()).toBe(0);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.base}/accounts/${ids.holding}/reports`);
    await page.getByTestId('total-corrections-EUR').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.context().close();
  });

  it('Ingestion shows the window (its admin may change it, with a clear error) and the corrected and stale counts', async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.holding}/ingestion`);
    const window = page.getByTestId('correction-window');
    await window.getByText('Corrections accepted for records up to 60 days old').waitFor();

    const batch = page.getByTestId(`batch-${restatedBatch}`);
    await batch.waitFor();
    expect(await batch.getByTestId('corrected').textContent()).toBe('3');
    expect(await batch.getByTestId('stale').textContent()).toBe('0');
    await batch.getByTestId('has-corrections').waitFor();
    const rows = page.getByTestId('batches').getByRole('row');
    // the three batches: the first file, its restatement, the first file again (stale)
    await expect.poll(async () => (await rows.count()) - 1).toBe(3);
    const staleRow = rows.nth(1); // newest first
    expect(await staleRow.getByTestId('stale').textContent()).toBe('3');
    expect(await staleRow.getByTestId('corrected').textContent()).toBe('0');
    await page.getByLabel('Show').selectOption({ label: 'Recent corrections' });
    await expect.poll(async () => (await rows.count()) - 1).toBe(1);
    await batch.waitFor();
    expect(await page.getByTestId('corrections-count').textContent()).toBe(
      '1 of 3 recent batches carried corrections.',
    );

    // the form refuses what the api would, by its field, and saves a good value
    const form = page.getByRole('form', { name: 'Correction window' });
    await form.getByLabel('Window (days)').fill('181');
    await form.getByRole('button', { name: 'Save window' }).click();
    await form.getByText('between 0 and 180 days').waitFor();
    await form.getByLabel('Window (days)').fill('7.5');
    await form.getByRole('button', { name: 'Save window' }).click();
    await form.getByText('a whole number of days, e.g. 60').waitFor();
    await form.getByLabel('Window (days)').fill('90');
    await form.getByRole('button', { name: 'Save window' }).click();
    await window.getByText('Corrections accepted for records up to 90 days old').waitFor();
    // spend.status is a query: read over GET
    const res = await fetch(
      `${api.base}/trpc/spend.status?input=${encodeURIComponent(JSON.stringify({ accountId: ids.holding }))}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const status = (await res.json()) as { result: { data: { correctionWindowDays: number } } };
    expect(status.result.data.correctionWindowDays).toBe(90);

    await page.setViewportSize({ width: 390, height: 844 });
    await window.waitFor();
    await fitsPhone(page, 'correction-window');
    const box = (await window.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await page.context().close();
  });

  it('an operator reads the window without a form (and the api refuses them); an analyst is not offered the page', async () => {
    const page = await signIn(browser, api.base, H_OPERATOR);
    await page.goto(`${api.base}/accounts/${ids.holding}/ingestion`);
    await page.getByTestId('correction-window').getByText('Corrections accepted for records up to').waitFor();
    await page.getByTestId('correction-window-readonly').waitFor();
    expect(await page.getByRole('form', { name: 'Correction window' }).count()).toBe(0);
    expect(await page.getByLabel('Window (days)').count()).toBe(0);
    // the batches, not the keys (those are the admins')
    await page.getByTestId(`batch-${restatedBatch}`).getByTestId('corrected').getByText('3').waitFor();
    expect(await page.getByTestId('ingest-keys').count()).toBe(0);
    const { token: opToken } = await rpc<{ token: string }>(api.base, 'auth.signIn', H_OPERATOR);
    const refused = await fetch(`${api.base}/trpc/spend.setCorrectionWindow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opToken}` },
      body: JSON.stringify({ accountId: ids.holding, days: 1 }),
    });
    expect(refused.status).toBe(403);
    await page.context().close();

    const analyst = await signIn(browser, api.base, H_ANALYST);
    await analyst.goto(`${api.base}/accounts/${ids.holding}/ingestion`);
    await analyst.getByTestId('section-refused').getByText('Role rule:').waitFor();
    expect(await analyst.getByTestId('correction-window').count()).toBe(0);
    expect(await analyst.getByLabel('Window (days)').count()).toBe(0);
    await analyst.context().close();
  });
});
