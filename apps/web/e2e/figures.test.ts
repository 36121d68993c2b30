import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { rollup } from '../../worker/src/jobs/rollup';
import { formatCalendarDay, formatChartDay, formatDateTime, isoDayIn } from '../src/lib/time';
import { agencyWithSpend, apiAndBrowser, query, rpc, signIn, TEST_OPERATOR as OPERATOR } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof apiAndBrowser>>['api'];
let browser: Browser;
let page: Page;
const NORA = { email: 'admin@northwind.test', password: 'holding admin password' };
let ids: Awaited<ReturnType<typeof agencyWithSpend>>;
let zenith: string;
const today = () => isoDayIn(new Date().toISOString(), 'UTC');
const chartToday = () => formatChartDay(today(), { today: today(), currentYear: Number(today().slice(0, 4)) });

beforeAll(async () => {
  ({ api, browser } = await apiAndBrowser(t.url));
  ids = await agencyWithSpend(api.base, OPERATOR, async () => {
    while (await rollup(t.db, () => new Date()));
  });
  zenith = (
    await rpc<{ id: string }>(
      api.base,
      'accounts.create',
      { parentId: ids.agency, name: 'Zenith Watches', kind: 'client' },
      ids.hAdmin,
    )
  ).id;
  page = await signIn(browser, api.base, NORA);
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

const reportOf = (account: string, search: Record<string, string> = {}) =>
  `${api.base}/accounts/${account}/reports?${new URLSearchParams(search)}`;
const cells = async (row: number) =>
  (await page.getByTestId('report-rows').getByRole('row').nth(row).getByRole('cell').allTextContents()).map((s) =>
    s.trim(),
  );

describe('browser: figures and dates read one way', () => {
  it('writes counts with thousands separators, every CTR as a percent with two decimals, today as "so far"', async () => {
    await page.goto(reportOf(ids.agency, { groupBy: '["campaign"]' }));
    const rows = page.getByTestId('report-rows');
    await rows.getByText('Spring sale').waitFor();
    const spring = rows.getByRole('row').filter({ hasText: 'Spring sale' });
    // impressions, clicks, CTR (12,346 / 1,234,567 = 1.000003 %)
    for (const text of ['1,234,567', '12,346', '1.00%']) await spring.getByText(text, { exact: true }).waitFor();
    await rows.getByRole('row').filter({ hasText: 'Tiny' }).getByText('0.00%', { exact: true }).waitFor();
    await page.getByTestId('total-EUR').getByText('1,235,570', { exact: true }).waitFor();
    await page.getByTestId('total-EUR').getByText('1.00%', { exact: true }).waitFor();

    // by day, today's row and the chart's bar of today are marked as a day not over yet
    await page.goto(reportOf(ids.holding));
    await page
      .getByTestId('report-rows')
      .getByText(formatCalendarDay(today(), { today: today() }), { exact: true })
      .waitFor();
    expect(await page.getByTestId('report-rows').textContent()).toContain('(so far)');
    expect(await page.getByTestId('report-chart').locator('figcaption').textContent()).toContain(
      `${chartToday()}: €18,012.64`,
    );
  });

  it('sorts by spend from the highest first', async () => {
    await page.goto(reportOf(ids.agency, { groupBy: '["campaign"]' }));
    await page.getByTestId('report-rows').getByText('Tiny').waitFor();
    await page.getByTestId('report-rows').getByRole('button', { name: 'Spend', exact: true }).click();
    await expect
      .poll(async () => [(await cells(1))[0], (await cells(2))[0], (await cells(3))[0]])
      .toEqual(['Spring sale', 'Autumn', 'Tiny']);
    const header = page.getByTestId('report-rows').getByRole('columnheader', { name: 'Spend', exact: true });
    expect(await header.getAttribute('aria-sort')).toBe('descending');
  });

  it('never repeats a tick on the chart axes of small figures (€0.02, 3 impressions)', async () => {
    await page.goto(reportOf(ids.agency, { account: ids.blue }));
    const chart = page.getByTestId('report-chart');
    // recharts draws each axis's tick labels in a layer of their own
    const axes = chart.locator('.recharts-yAxis-tick-labels');
    await expect.poll(() => axes.count()).toBe(2);
    const ticks = (axis: number) => axes.nth(axis).locator('.recharts-cartesian-axis-tick-value').allTextContents();
    await expect.poll(() => ticks(0)).toEqual(['€0.00', '€0.01', '€0.02']);
    await expect.poll(() => ticks(1)).toEqual(['0', '1', '2', '3']);
  });

  it('charts an hourly report of 30 days by day: 30 bars, not 720 hours', async () => {
    await page.goto(reportOf(ids.agency, { preset: 'last30', groupBy: '["hour"]' }));
    const caption = page.getByTestId('report-chart').locator('figcaption');
    await caption.waitFor({ state: 'attached' });
    const points = ((await caption.textContent()) ?? '').split('; ');
    expect(points).toHaveLength(30);
    expect(points.at(-1)).toBe(`${chartToday()}: €18,012.64, 1,235,570 impressions`);
  });

  it("says a client's billing chart is empty instead of drawing a blank axis, and marks today on a chart with spend", async () => {
    await page.goto(`${api.base}/accounts/${zenith}/billing`);
    await page.getByTestId('usage-empty').getByText('Nothing consumed in these 30 days').waitFor();
    expect(await page.getByTestId('usage-chart').count()).toBe(0);

    await page.goto(`${api.base}/accounts/${ids.acme}/billing`);
    await page.getByTestId('usage-chart').waitFor();
    expect(await page.getByTestId('usage-days').textContent()).toBe(`${chartToday()}: €18,012.62`);
    expect(await page.getByTestId('usage-empty').count()).toBe(0);
  });

  it("shows the outbox's times in the zone of the mail's account, whatever the browser's", async () => {
    const ctx = await browser.newContext({ timezoneId: 'America/New_York' });
    const p = await ctx.newPage();
    await p.goto(api.base);
    await p.getByLabel('Email').fill(NORA.email);
    await p.getByLabel('Password').fill(NORA.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('signed-in-as').waitFor({ state: 'attached' });
    const mail = await query<{ items: { to: string; createdAt: string; accountTimeZone: string }[] }>(
      api.base,
      'outbox.list',
      {},
      ids.hAdmin,
    );
    const ben = mail.items.find((m) => m.to === 'admin@bright.test')!;
    expect(ben.accountTimeZone).toBe('UTC');
    await p.goto(`${api.base}/outbox`);
    const row = p.getByTestId('outbox').getByRole('row').filter({ hasText: 'admin@bright.test' });
    const sent = ((await row.getByRole('cell').first().textContent()) ?? '').replace(/\s+/g, ' ');
    expect(sent).toBe(`${formatDateTime(ben.createdAt, 'UTC')} UTC`.replace(/\s+/g, ' '));
    await ctx.close();
  });
});
