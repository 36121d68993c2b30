import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { rollup } from '../../worker/src/jobs/rollup';
import { formatCalendarDay, isoDayIn } from '../src/lib/time';
import { agencyWithSpend, apiAndBrowser, signIn, TEST_OPERATOR as OPERATOR } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof apiAndBrowser>>['api'];
let browser: Browser;
let page: Page;
let ids: Awaited<ReturnType<typeof agencyWithSpend>>;

beforeAll(async () => {
  ({ api, browser } = await apiAndBrowser(t.url));
  ids = await agencyWithSpend(api.base, OPERATOR, async () => {
    while (await rollup(t.db, () => new Date()));
  });
  page = await signIn(browser, api.base, { email: 'admin@northwind.test', password: 'holding admin password' });
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

/**
 * Where an element is cut off: off the screen's width, by an ancestor that clips its overflow (a table scrolling
 * inside its card), by itself (text wider than its box), or wrapped onto two lines (a number split mid-figure).
 */
async function whereCut(l: Locator, width: number): Promise<string | null> {
  await l.waitFor();
  const box = (await l.boundingBox())!;
  if (box.x < 0 || box.x + box.width > width) return `at x ${box.x}..${box.x + box.width}, off a ${width} px screen`;
  return l.evaluate((el) => {
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') return 'cut in its box';
    if (el.getClientRects().length > 1) return `wrapped onto ${el.getClientRects().length} lines`;
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const q = p.getBoundingClientRect();
      if (r.left < q.left - 0.5 || r.right > q.right + 0.5) return `clipped by <${p.tagName.toLowerCase()}>`;
    }
    return null;
  });
}

async function expectWhole(l: Locator, width: number, what: string) {
  expect(await whereCut(l, width), what).toBeNull();
}

interface Case {
  table: string;
  path: () => string;
  /** The row, its name, its spend or amount figure, and the header of that figure's column at full width. */
  row: (table: Locator) => Locator;
  name: (row: Locator) => Locator;
  figure: (row: Locator) => Locator;
  figureHeader: string;
  /** Other money of the row, which must be on the screen too. */
  more?: (row: Locator) => Locator[];
  /** How many buttons and links the row has (all of them must be on the screen). */
  actions: number;
}

const today = () => isoDayIn(new Date().toISOString(), 'UTC');
const CASES: Record<string, Case> = {
  Reports: {
    table: 'report-rows',
    path: () => `/accounts/${ids.holding}/reports`,
    row: (t) => t.getByRole('row').nth(1),
    name: (r) => r.getByText(formatCalendarDay(today(), { today: today() }), { exact: true }),
    figure: (r) => r.getByText('€18,012.64', { exact: true }),
    figureHeader: 'Spend',
    actions: 0,
  },
  'Report totals': {
    table: 'report-totals',
    path: () => `/accounts/${ids.holding}/reports`,
    row: (t) => t.getByTestId('total-EUR'),
    name: (r) => r.getByRole('rowheader'),
    figure: (r) => r.getByText('€18,012.64', { exact: true }),
    figureHeader: 'Spend',
    actions: 0,
  },
  Campaigns: {
    table: 'campaigns',
    path: () => `/accounts/${ids.agency}/campaigns`,
    row: (t) => t.getByRole('row').filter({ hasText: 'Spring sale' }),
    name: (r) => r.getByText('Spring sale', { exact: true }),
    figure: (r) => r.getByText('€18,010.12', { exact: true }),
    figureHeader: 'Spend to date',
    // the client's link, Edit… and Pause…
    actions: 3,
  },
  Members: {
    table: 'members',
    path: () => `/accounts/${ids.agency}/members`,
    row: (t) => t.getByRole('row').filter({ hasText: 'admin@bright.test' }),
    name: (r) => r.getByText('Ben', { exact: true }),
    figure: (r) => r.getByLabel('Role of admin@bright.test'),
    figureHeader: 'Role',
    // Remove
    actions: 1,
  },
  Ledger: {
    table: 'ledger',
    path: () => `/accounts/${ids.acme}/billing`,
    row: (t) => t.getByRole('row').filter({ hasText: 'Spend' }).first(),
    name: (r) => r.getByText('Spend', { exact: true }),
    // the spend debited by the worker's run, to the cent
    figure: (r) => r.getByText('-€18,012.62', { exact: true }),
    figureHeader: 'Amount',
    more: (r) => [r.getByText('€31,987.38', { exact: true })],
    actions: 0,
  },
  Audit: {
    table: 'audit',
    path: () => `/accounts/${ids.agency}/audit`,
    row: (t) => t.getByRole('row').filter({ hasText: 'Campaign created' }).filter({ hasText: '25,000.00' }),
    name: (r) => r.getByText('Campaign created', { exact: true }),
    figure: (r) => r.getByText(/€25,000\.00/),
    figureHeader: 'Change',
    actions: 0,
  },
};

describe('browser: the tables of money on a 390 px phone', () => {
  it.each(Object.keys(CASES))(
    '%s: the row names itself, shows its figure and its actions on the screen, nothing cut',
    async (what) => {
      const c = CASES[what]!;
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${api.base}${c.path()}`);
      const row = c.row(page.getByTestId(c.table));
      await expectWhole(c.name(row), 390, `${what}: the name`);
      await expectWhole(c.figure(row), 390, `${what}: the figure`);
      for (const [i, l] of (c.more?.(row) ?? []).entries()) await expectWhole(l, 390, `${what}: money ${i + 1}`);
      const actions = row.locator('button, a, select');
      // the figure of the members is their role's select: it is not one of the actions
      const count = (await actions.count()) - (what === 'Members' ? 1 : 0);
      expect(count, `${what}: the actions`).toBe(c.actions);
      for (let i = 0; i < (await actions.count()); i++)
        await expectWhole(actions.nth(i), 390, `${what}: action ${i + 1}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    },
  );

  it.each(Object.keys(CASES))('%s: at 1440 px it is still a table with its column headers', async (what) => {
    const c = CASES[what]!;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${api.base}${c.path()}`);
    const table = page.getByTestId(c.table);
    const row = c.row(table);
    await expectWhole(c.name(row), 1440, `${what}: the name`);
    await expectWhole(c.figure(row), 1440, `${what}: the figure`);
    expect(await table.evaluate((el) => getComputedStyle(el).display)).toBe('table');
    expect(await row.evaluate((el) => getComputedStyle(el).display)).toBe('table-row');
    await table.getByRole('columnheader', { name: c.figureHeader, exact: true }).waitFor();
  });
});
