import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { rollup } from '../../worker/src/jobs/rollup';
import { addMember, apiAndBrowser, northwindWithAgency, rpc, signIn, TEST_OPERATOR as OPERATOR } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof apiAndBrowser>>['api'];
let browser: Browser;
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const CLIENT = { email: 'viewer@acme.test', password: 'acme viewer password', name: 'Vic' };
const ids: Record<string, string> = {};

/** The 10th of the month `back` months before this one, at noon UTC (the holding's zone), and its month. */
const inMonth = (back: number) => {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 10, 12));
  return { at: d, month: d.toISOString().slice(0, 7) };
};

beforeAll(async () => {
  ({ api, browser } = await apiAndBrowser(t.url));
  const w = await northwindWithAgency(api.base, OPERATOR);
  const token = w.hAdmin;
  ids.holding = w.holding;
  ids.agency = w.agency;
  ids.acme = (
    await rpc<{ id: string }>(
      api.base,
      'accounts.create',
      { parentId: w.agency, name: 'Acme Foods', kind: 'client' },
      token,
    )
  ).id;
  await addMember(api.base, token, { accountId: ids.acme }, CLIENT, 'analyst');
  const seat = await rpc<{ id: string }>(
    api.base,
    'seats.link',
    { accountId: w.holding, dsp: 'dv360', seatId: 'DV-1' },
    token,
  );
  await rpc(api.base, 'seats.assign', { seatId: seat.id, accountId: ids.acme }, token);
  // the seat was Acme's months ago (records of last month and the month before are attributed by it)
  await sql`update seat_mappings set effective_from = effective_from - interval '120 days',
    effective_to = effective_to - interval '120 days'`.execute(t.db);
  const deal = (accountId: string, name: string, dealId: string) =>
    rpc(
      api.base,
      'deals.create',
      {
        accountId,
        name,
        publisher: 'Pub',
        type: 'preferred_deal',
        cpmMicros: 3_000_000,
        currency: 'EUR',
        dsps: ['dv360'],
        dealId,
      },
      token,
    );
  await deal(ids.acme, 'Acme direct', 'ACME-1');
  await deal(w.agency, 'Bright network', 'BRIGHT-1');
  const last = inMonth(1);
  const before = inMonth(2);
  const record = (eventId: string, at: Date, dealId: string, spendMicros: number) => ({
    eventId,
    occurredAt: at.toISOString(),
    dsp: 'dv360',
    seatId: 'DV-1',
    dealId,
    auctionType: 'preferred_deal',
    campaignId: null,
    impressions: 1000,
    clicks: 10,
    spendMicros,
    currency: 'EUR',
  });
  const records = [
    // last month: €6.00 on Acme's own deal, €10.00 on the agency's deal (left out of Acme's report, still charged)
    record('l1', last.at, 'ACME-1', 3_000_000),
    record('l2', last.at, 'ACME-1', 3_000_000),
    record('l3', last.at, 'BRIGHT-1', 10_000_000),
    // the month before: €4.00 on Acme's own deal
    record('b1', before.at, 'ACME-1', 4_000_000),
  ];
  const res = await rpc<{ accepted: number; rejected: unknown[] }>(
    api.base,
    'spend.ingest',
    { accountId: w.holding, records },
    token,
  );
  expect(res.rejected).toEqual([]);
  expect(res.accepted).toBe(4);
  while (await rollup(t.db, () => new Date()));
  ids.lastMonth = last.month;
  ids.monthBefore = before.month;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: report periods', () => {
  it("picks Last month, compares it with the month before, and says what a client's own report leaves out", async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.acme}/reports?groupBy=${encodeURIComponent('["deal"]')}`);
    await page.getByTestId('complete-until').waitFor();
    await page.getByLabel('Date range').selectOption({ label: 'Last month' });
    await expect.poll(() => new URL(page.url()).searchParams.get('preset')).toBe('lastMonth');
    // only Acme's own deal: €6.00
    await page.getByTestId('total-EUR').getByText('€6.00').waitFor();
    expect(await page.getByTestId('report-rows').textContent()).not.toContain('Bright network');

    // the rule said plainly, with what Billing charged for the same days: €16.00, and a link to Billing
    const note = page.getByTestId('client-rule-note');
    await note.getByText(/charged to its credits in this range was/).waitFor();
    expect((await note.textContent())?.replace(/\s+/g, ' ')).toBe(
      'This report shows spend on deals Acme Foods created and on seats it linked itself; spend on other deals ' +
        "(its agency's, open auction) on seats assigned to it is left out. Acme Foods's total spend charged to its " +
        'credits in this range was €16.00 (Billing).',
    );

    // the comparison: Previous spend and Change columns, the previous totals
    await page.getByLabel('Compare with previous period').check();
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe('previous_period');
    await page
      .getByTestId('compared-with')
      .getByText(/the calendar month before/)
      .waitFor();
    const rows = page.getByTestId('report-rows');
    await rows.getByRole('columnheader', { name: /Previous spend/ }).waitFor();
    await rows.getByRole('columnheader', { name: /^Change/ }).waitFor();
    await rows.getByText('+€2.00 (+50%)').waitFor();
    await page.getByTestId('total-previous-spend-EUR').getByText('€4.00').waitFor();
    await page.getByTestId('total-change-EUR').getByText('+€2.00 (+50%)').waitFor();
    await page.getByTestId('total-previous-EUR').getByText('€4.00').waitFor();

    // the export carries the same comparison
    const href = await page.getByTestId('export-csv').getAttribute('href');
    const csv = await (await page.request.get(`${api.base}${href}`)).text();
    expect(csv.split('\r\n')[0]).toMatch(
      /,previousImpressions,previousClicks,previousSpend,spendChange,spendChangePercent$/,
    );
    expect(csv).toContain(',ACME-1,Acme direct,EUR,0.00,2000,20,6.00,0.01,3.00,1000,10,4.00,2.00,50\r\n');

    // an earlier month picked by hand: the month before last, against nothing before it ("new")
    await page.getByLabel('Date range').selectOption({ label: 'Previous month (pick one)' });
    // (the Month checkbox of Group by shares the label: the picker is the month input)
    await page.locator('input[type="month"]').fill(ids.monthBefore!);
    await expect.poll(() => new URL(page.url()).searchParams.get('month')).toBe(ids.monthBefore);
    await page.getByTestId('total-EUR').getByText('€4.00').waitFor();
    await page.getByTestId('total-change-EUR').getByText('+€4.00 (new)').waitFor();

    // a range with nothing in it or before it says so
    await page.goto(
      `${api.base}/accounts/${ids.acme}/reports?preset=custom&from=2020-01-01&to=2020-01-31&compare=previous_period`,
    );
    await page
      .getByText(/No spend in this range or in the previous period \(.+\) on this client's own deals/)
      .waitFor();

    // the Billing link opens the client's Billing page
    await page.goto(`${api.base}/accounts/${ids.acme}/reports?preset=lastMonth`);
    await page.getByTestId('client-rule-note').getByRole('link', { name: 'Billing' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/accounts/${ids.acme}/billing`);
    await page.getByText('Credits', { exact: true }).first().waitFor();

    // the agency's report has no such sentence: it sees every row
    await page.goto(`${api.base}/accounts/${ids.agency}/reports?preset=lastMonth&compare=previous_period`);
    await page.getByTestId('total-EUR').getByText('€16.00').waitFor();
    expect(await page.getByTestId('client-rule-note').count()).toBe(0);

    // saved with the preset and the comparison, shared with Acme: its member sees the comparison of its own rows,
    // and nothing of its credits
    await page.getByLabel('Report name').fill('Monthly compared');
    await page.getByRole('button', { name: 'Save report' }).click();
    const saved = page.getByTestId('saved-Monthly compared');
    await saved.getByText(/Last month · compared with the previous period/).waitFor();
    await saved.getByLabel('Client to share Monthly compared with').selectOption({ label: 'Acme Foods' });
    await saved.getByRole('button', { name: 'Share' }).click();
    await saved.getByText('shared with Acme Foods').waitFor();
    const client = await signIn(browser, api.base, CLIENT);
    await client.goto(`${api.base}/accounts/${ids.acme}/shared-reports`);
    await client.getByText(/compared with the previous period/).waitFor();
    await client.getByTestId('total-EUR').getByText('€16.00').waitFor();
    await client.getByTestId('total-previous-spend-EUR').getByText('€4.00').waitFor();
    await client.getByTestId('total-change-EUR').getByText('+€12.00 (+300%)').waitFor();
    expect(await client.getByTestId('client-rule-note').count()).toBe(0);
    expect(await client.getByText(/charged to its credits/).count()).toBe(0);
  });
});
