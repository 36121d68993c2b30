import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { launchChromium, rpc, signIn, startApi } from './support';

// The Ingestion page of a root account, with the demo data: keys made in the browser, spend sent over HTTP with them.
const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const PASSWORD = 'trellis-demo';
const ids: Record<string, string> = {};
type Node = { id: string; name: string; children: Node[] };

async function query<T>(name: string, input: unknown, token: string): Promise<T> {
  const res = await fetch(`${api.base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { result: { data: T } }).result.data;
}
/** spend.ingest over plain HTTP with an ingest key as the bearer, as a customer's system sends it. */
async function ingest(key: string, records: unknown[]): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.base}/trpc/spend.ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ accountId: ids.holding, records }),
  });
  return { status: res.status, body: await res.json() };
}
async function axe(page: Page, what: string) {
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
const nav = (page: Page) => page.getByRole('navigation', { name: 'Account sections' });

beforeAll(async () => {
  api = await startApi({ DATABASE_URL: t.url, TRELLIS_DEMO: '1' });
  browser = await launchChromium();
  const { token } = await rpc<{ token: string }>(api.base, 'auth.signIn', {
    email: 'admin@northwind.demo',
    password: PASSWORD,
  });
  const walk = (n: Node) => {
    ids[n.name] = n.id;
    n.children.forEach(walk);
  };
  (await query<Node[]>('accounts.tree', {}, token)).forEach(walk);
  ids.holding = ids['Northwind Group']!;
  ids.currency = (await query<{ currency: string }>('accounts.get', { accountId: ids['Acme Foods'] }, token)).currency;
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: the Ingestion page of a root account', () => {
  it('creates a key shown once, shows a batch sent with it (counts, reject reason), revokes it so its next batch is refused', async () => {
    const page = await signIn(browser, api.base, { email: 'admin@northwind.demo', password: PASSWORD });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.base });
    await nav(page).getByRole('link', { name: 'Ingestion' }).click();
    await page.getByTestId('ingestion-status').waitFor();
    // the demo seed's month came in through ingestion (spend.ingestBatch), so its batches are listed, not the empty state
    await page.getByTestId('accepted').first().waitFor();
    expect(await page.getByTestId('no-batches').count()).toBe(0);

    // create: the form checks its field, then the key is shown once with a copy button and the warning
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog');
    const form = dialog.getByRole('form', { name: 'Create an ingest key' });
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText('required').waitFor();
    await form.getByLabel('Name').fill('Browser feed');
    await form.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByText('you will not see it again', { exact: false }).waitFor();
    const key = (await dialog.getByTestId('new-key-value').textContent())!;
    expect(key).toMatch(/^trk_[0-9a-f]{32}_/);
    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByText(key).count()).toBe(0); // gone for good: the list shows only its prefix
    const row = page.getByTestId('key-Browser feed');
    await row.getByText(`trk_…${key.slice(-6)}`).waitFor();
    expect(await row.textContent()).toContain('never');

    // a small batch over HTTP with the key: one good record on a demo seat, one rejected
    const now = new Date().toISOString();
    const base = {
      occurredAt: now,
      dsp: 'dv360',
      seatId: '3310001',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: null,
      spendMicros: 1_250_000,
      currency: ids.currency,
    };
    const sent = await ingest(key, [
      { ...base, eventId: 'web-test-1', impressions: 1000, clicks: 10 },
      { ...base, eventId: 'web-test-2', impressions: 5, clicks: 9 },
    ]);
    expect(sent.status).toBe(200);
    const result = sent.body.result.data as {
      batchId: string;
      accepted: number;
      duplicates: number;
      rejected: { index: number; reason: string }[];
    };
    expect(result).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, reason: 'clicks_above_impressions' }],
    });

    // the page refreshes itself (no reload): the batch with its counts and reason, the key's use, the backlog
    const batch = page.getByTestId(`batch-${result.batchId}`);
    await batch.waitFor({ timeout: 25_000 });
    expect(await batch.getByTestId('accepted').textContent()).toBe('1');
    expect(await batch.getByTestId('duplicates').textContent()).toBe('0');
    expect(await batch.getByTestId('rejected').textContent()).toBe('1');
    expect(await batch.getByTestId('reasons').textContent()).toContain(
      'More clicks than impressions (clicks_above_impressions) × 1',
    );
    expect(await batch.textContent()).toContain('key Browser feed');
    await expect.poll(() => row.getByRole('cell').nth(4).textContent(), { timeout: 25_000 }).toBe('1');
    expect(await row.textContent()).not.toContain('never');
    expect(Number(await page.getByTestId('pending').textContent())).toBeGreaterThanOrEqual(1); // no worker runs here

    // revoke through the confirmation dialog; the key's next batch is refused
    await row.getByRole('button', { name: 'Revoke Browser feed' }).click();
    const confirm = page.getByTestId('revoke-confirm');
    await confirm.getByText('Its next request is refused at once', { exact: false }).waitFor();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('revoked', { exact: false }).waitFor();
    expect(await row.getByRole('button', { name: 'Revoke Browser feed' }).count()).toBe(0);
    const refused = await ingest(key, [{ ...base, eventId: 'web-test-3', impressions: 10, clicks: 1 }]);
    expect(refused.status).toBe(401);
    expect(refused.body.error.data.code).toBe('UNAUTHORIZED');
    await page.context().close();
  });

  it('fits a 390 px phone, and passes axe with the key dialog open', async () => {
    const page = await signIn(browser, api.base, { email: 'admin@northwind.demo', password: PASSWORD });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.base}/accounts/${ids.holding}/ingestion`);
    await page.getByTestId('ingestion-status').waitFor();
    await page.getByTestId('ingest-keys').waitFor({ state: 'attached' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await axe(page, 'ingestion at 390 px');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog').getByLabel('Name').waitFor();
    await axe(page, 'create key dialog');
    await page.context().close();
  });

  it('is not offered to an agency admin (a direct URL names the rule); the holding operator sees it without the keys', async () => {
    const agency = await signIn(browser, api.base, { email: 'admin@bright.demo', password: PASSWORD });
    await nav(agency).getByRole('link', { name: 'Members' }).waitFor();
    expect(await nav(agency).getByRole('link').allTextContents()).not.toContain('Ingestion');
    await agency.goto(`${api.base}/accounts/${ids['Bright Media']}/ingestion`);
    await agency
      .getByTestId('section-refused')
      .getByText('Ingestion belongs to the root account', { exact: false })
      .waitFor();
    expect(await agency.getByTestId('section-refused').textContent()).toContain('Level rule:');
    await agency.context().close();

    // the holding's operator pushes spend (SPEC 10) and sees the status and batches, but not the keys
    const operator = await signIn(browser, api.base, { email: 'operator@northwind.demo', password: PASSWORD });
    await nav(operator).getByRole('link', { name: 'Ingestion' }).click();
    await operator.getByTestId('ingestion-status').waitFor();
    await operator.getByTestId('accepted').first().waitFor();
    expect(await operator.getByTestId('ingest-keys').count()).toBe(0);
    expect(await operator.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await operator.context().close();
  });
});
