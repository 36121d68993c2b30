import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { rollup } from '../../worker/src/jobs/rollup';
import { launchChromium, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const CLIENT = { email: 'viewer@acme.test', password: 'acme viewer password' };
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
    { name: 'Northwind', currency: 'EUR', timeZone: 'UTC' },
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
    ['acme', 'bright', 'Acme Foods', 'client'],
    ['blue', 'bright', 'Blue Harbor', 'client'],
  ] as const) {
    ids[key] = (
      await rpc<{ id: string }>(api.base, 'accounts.create', { parentId: ids[parentKey], name, kind }, token)
    ).id;
  }
  const cinv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.acme, email: CLIENT.email, role: 'analyst' },
    token,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: cinv.token, name: 'Vic', password: CLIENT.password });
  const seat = await rpc<{ id: string }>(
    api.base,
    'seats.link',
    { accountId: ids.holding, dsp: 'ttd', seatId: 'TTD-1' },
    token,
  );
  await rpc(api.base, 'seats.assign', { seatId: seat.id, accountId: ids.bright }, token);
  const dv = await rpc<{ id: string }>(
    api.base,
    'seats.link',
    { accountId: ids.holding, dsp: 'dv360', seatId: 'DV-1' },
    token,
  );
  await rpc(api.base, 'seats.assign', { seatId: dv.id, accountId: ids.acme }, token);
  await rpc(
    api.base,
    'deals.create',
    {
      accountId: ids.acme,
      name: 'Acme direct',
      publisher: 'Pub',
      type: 'preferred_deal',
      cpmMicros: 3_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
      dealId: 'ACME-1',
    },
    token,
  );
  const kAcme = await rpc<{ id: string }>(
    api.base,
    'campaigns.create',
    { clientId: ids.acme, name: 'Acme spring' },
    token,
  );
  const kBlue = await rpc<{ id: string }>(
    api.base,
    'campaigns.create',
    { clientId: ids.blue, name: 'Blue summer' },
    token,
  );
  const at = Date.now() + 2_000;
  const records = [0, 1, 2, 3].flatMap((i) => [
    {
      eventId: `a${i}`,
      occurredAt: new Date(at + i * 1000).toISOString(),
      dsp: 'ttd',
      seatId: 'TTD-1',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: kAcme.id,
      impressions: 1000,
      clicks: 10,
      spendMicros: 2_500_000,
      currency: 'EUR',
    },
    {
      eventId: `d${i}`,
      occurredAt: new Date(at + i * 1000).toISOString(),
      dsp: 'dv360',
      seatId: 'DV-1',
      dealId: 'ACME-1',
      auctionType: 'preferred_deal',
      campaignId: kAcme.id,
      impressions: 500,
      clicks: 5,
      spendMicros: 1_500_000,
      currency: 'EUR',
    },
    {
      eventId: `b${i}`,
      occurredAt: new Date(at + i * 1000).toISOString(),
      dsp: 'ttd',
      seatId: 'TTD-1',
      dealId: null,
      auctionType: 'open_auction',
      campaignId: kBlue.id,
      impressions: 2000,
      clicks: 20,
      spendMicros: 4_000_000,
      currency: 'EUR',
    },
  ]);
  const res = await rpc<{ accepted: number }>(api.base, 'spend.ingest', { accountId: ids.holding, records }, token);
  expect(res.accepted).toBe(12);
  while (await rollup(t.db, () => new Date()));
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: reports', () => {
  it('runs a report at the holding and a client, changes grouping, exports CSV, shares with a client whose member sees it', async () => {
    const page = await signIn(browser, api.base, ADMIN);
    // the overview: spend of the last 7 full days against the 7 before, and today so far (all of it today)
    await page.goto(`${api.base}/accounts/${ids.holding}`);
    await page.getByTestId('spend-summary').getByText('€32.00').waitFor();
    expect(await page.getByTestId('spend-summary').textContent()).toMatch(
      /^€0\.00\s*against €0\.00 the 7 days before; today so far €32\.00$/,
    );
    await page.goto(`${api.base}/accounts/${ids.holding}/reports`);
    await page
      .getByTestId('complete-until')
      .getByText(/Data complete until/)
      .waitFor();
    // totals of everything below the holding: 4 x (2.50 + 1.50 + 4.00) = 32.00
    await page.getByTestId('total-EUR').getByText('€32.00').waitFor();
    await page.getByTestId('report-chart').waitFor();

    await page.getByLabel('Account', { exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('groupBy')).toContain('account');
    // rolled up per level: the holding's report lists its agency, with everything below it
    const rows = page.getByTestId('report-rows');
    await rows.getByText('Bright Media').waitFor();

    const href = await page.getByTestId('export-csv').getAttribute('href');
    const csv = await (await page.request.get(`${api.base}${href}`)).text();
    expect(csv.split('\r\n')[0]).toBe(
      'day,accountId,accountName,currency,correction,impressions,clicks,spend,ctr,ecpm',
    );
    expect(csv).toContain(',Bright Media,EUR,0.00,14000,140,32.00,');

    // the agency's report by account lists its clients
    await page.goto(`${api.base}/accounts/${ids.bright}/reports?groupBy=${encodeURIComponent('["day","account"]')}`);
    await page.getByTestId('report-rows').getByText('Acme Foods').waitFor();
    await page.getByTestId('report-rows').getByText('Blue Harbor').waitFor();

    // the same choices at the client: only its own deal (no open auction on a seat from above)
    await page.goto(`${api.base}/accounts/${ids.acme}/reports?groupBy=${encodeURIComponent('["deal"]')}`);
    await page.getByTestId('total-EUR').getByText('€6.00').waitFor();
    await page.getByTestId('report-rows').getByText('Acme direct (ACME-1)').waitFor();

    // save at the agency, share with Acme
    await page.goto(`${api.base}/accounts/${ids.bright}/reports`);
    await page.getByLabel('Report name').fill('Weekly spend');
    await page.getByRole('button', { name: 'Save report' }).click();
    const saved = page.getByTestId('saved-Weekly spend');
    await saved.waitFor();
    await saved.getByLabel('Client to share Weekly spend with').selectOption({ label: 'Acme Foods' });
    await saved.getByRole('button', { name: 'Share' }).click();
    await saved.getByText('shared with Acme Foods').waitFor();

    const client = await signIn(browser, api.base, CLIENT);
    await client.goto(`${api.base}/accounts/${ids.acme}/shared-reports`);
    await client.getByTestId('shared-Weekly spend').waitFor();
    // the agency's visibility restricted to Acme's own rows: open auction included, Blue Harbor never
    await client.getByTestId('total-EUR').getByText('€16.00').waitFor();
    expect(await client.getByTestId('report-rows').textContent()).not.toContain('Blue');
    const sharedCsv = await (
      await client.request.get(`${api.base}${await client.getByTestId('export-csv').getAttribute('href')}`)
    ).text();
    expect(sharedCsv.split('\r\n')[0]).toBe('day,currency,correction,impressions,clicks,spend,ctr,ecpm');
    expect(sharedCsv).toContain(',EUR,0.00,6000,60,16.00,');
    // and nothing else: no report configuration for a standard client's member
    await client.goto(`${api.base}/accounts/${ids.acme}/reports`);
    await client.getByText(/Standard-client limit/).waitFor();

    // a start day after the end day is said at once, naming the fields, and never sent
    const refused: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && refused.push(r.url())));
    await page.goto(`${api.base}/accounts/${ids.bright}/reports?preset=custom&from=2026-12-31&to=2026-11-01`);
    await page.getByText('From is after To: pick a start day on or before the end day.').waitFor();
    expect(await page.getByTestId('report-rows').count()).toBe(0);
    expect(refused).toEqual([]);

    // on a phone, the totals and the saved reports with their shares stay within the screen
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.base}/accounts/${ids.bright}/reports`);
    await page.getByTestId('total-EUR').waitFor();
    await page.getByTestId('saved-Weekly spend').getByText('shared with Acme Foods').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  });
});
