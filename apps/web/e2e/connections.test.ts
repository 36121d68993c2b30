import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const AGENCY_ADMIN = { email: 'admin@bright.test', password: 'agency admin password' };
const CLIENT_ADMIN = { email: 'admin@premium.test', password: 'client admin password' };
const ids: Record<string, string> = {};
const tokens = { agency: '', client: '' };

/** A query over plain HTTP (GET), as any client could make it. */
async function query<T>(name: string, input: unknown, token: string): Promise<T> {
  const res = await fetch(`${api.base}/trpc/${name}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
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
  Object.assign(ids, { holding: world.holding, agency: world.agency });
  const aInv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.agency, email: AGENCY_ADMIN.email, role: 'admin' },
    world.hAdmin,
  );
  tokens.agency = (
    await rpc<{ token: string }>(api.base, 'members.acceptInvitation', {
      token: aInv.token,
      name: 'Ben',
      password: AGENCY_ADMIN.password,
    })
  ).token;
  ids.premium = (
    await rpc<{ id: string }>(
      api.base,
      'clients.createPremium',
      { name: 'Premium Foods', currency: 'EUR', timeZone: 'UTC' },
      world.op,
    )
  ).id;
  const pInv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.premium, email: CLIENT_ADMIN.email, role: 'admin' },
    world.op,
  );
  tokens.client = (
    await rpc<{ token: string }>(api.base, 'members.acceptInvitation', {
      token: pInv.token,
      name: 'Pia',
      password: CLIENT_ADMIN.password,
    })
  ).token;
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: a premium client withdraws a request, then reads everything a disconnect would do', () => {
  it("withdraws its pending request with the Withdraw button, and the agency's admin reads why in the outbox", async () => {
    await rpc(api.base, 'connections.request', { clientId: ids.premium, agencyId: ids.agency }, tokens.client);
    const client = await signIn(browser, api.base, CLIENT_ADMIN);
    await client.goto(`${api.base}/accounts/${ids.premium}/connections`);
    await client
      .getByTestId('connections-sent')
      .getByRole('button', { name: 'Withdraw the request to Bright Media' })
      .click();
    const dialog = client.getByTestId('withdraw-confirm');
    await dialog.getByText('Bright Media can no longer accept it', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Withdraw request' }).click();
    await client.getByTestId('connections-history').getByText('withdrawn').waitFor();
    expect(await client.getByTestId('connections-sent').count()).toBe(0);

    const agency = await signIn(browser, api.base, AGENCY_ADMIN);
    await agency.goto(`${api.base}/accounts/${ids.agency}/connections`);
    await agency.getByTestId('connections-history').getByText('withdrawn').waitFor();
    expect(await agency.getByRole('button', { name: 'Accept' }).count()).toBe(0);
    await agency.goto(`${api.base}/outbox`);
    await agency.getByText('Premium Foods withdrew its request to connect with Bright Media').waitFor();
    await agency.getByText('Premium Foods asks to connect with Bright Media').waitFor();
    // the mail's link is at the installation's public address; the outbox opens it here
    await agency.locator(`a[href="/accounts/${ids.agency}/connections"]`).first().click();
    await agency.getByTestId('connections-history').waitFor();
    expect(new URL(agency.url()).pathname).toBe(`/accounts/${ids.agency}/connections`);
  });

  it('lists in the disconnect dialog the card, the reports and the deals of the agency that the disconnect removes', async () => {
    const req = await rpc<{ id: string }>(
      api.base,
      'connections.request',
      { clientId: ids.premium, agencyId: ids.agency },
      tokens.client,
    );
    await rpc(api.base, 'connections.accept', { connectionId: req.id }, tokens.agency);
    const a = (name: string, input: unknown) => rpc<{ id: string }>(api.base, name, input, tokens.agency);
    await a('credits.addCard', {
      clientId: ids.premium,
      number: '4242424242424242',
      expMonth: 12,
      expYear: 2040,
      cvc: '123',
    });
    const last7 = { groupBy: ['day'], range: { preset: 'last7' } };
    const weekly = await a('reports.save', { accountId: ids.agency, name: 'Agency weekly', query: last7 });
    await a('reports.share', { reportId: weekly.id, clientId: ids.premium });
    await a('reports.save', { accountId: ids.premium, name: 'Agency pitch', query: last7 });
    const deal = await a('deals.create', {
      accountId: ids.agency,
      name: 'Agency deal',
      publisher: 'Pub',
      type: 'private_auction',
      cpmMicros: 1_000_000,
      currency: 'EUR',
      dsps: ['dv360'],
    });
    await a('campaigns.create', { clientId: ids.premium, name: 'Spring', dealIds: [deal.id] });

    const client = await signIn(browser, api.base, CLIENT_ADMIN);
    await client.goto(`${api.base}/accounts/${ids.premium}/connections`);
    await client.getByRole('button', { name: 'Disconnect from the agency…' }).click();
    const dialog = client.getByTestId('disconnect-confirm');
    const line = (key: string) => dialog.locator(`[data-line="${key}"]`);
    await line('cards').waitFor();
    expect(await line('cards').textContent()).toBe(
      "remove 1 card that Bright Media's side added, so nobody can charge it after: Visa •••• 4242;",
    );
    expect(await line('unshared').textContent()).toBe(
      'stop sharing 1 report with Premium Foods: Agency weekly (shared by Bright Media);',
    );
    expect(await line('reports').textContent()).toBe(
      "delete 1 report that Bright Media's side saved on Premium Foods: Agency pitch;",
    );
    expect(await line('pausing').textContent()).toBe(
      "pause 1 campaign running on Bright Media's or its holding's deals: Spring;",
    );
    expect(await line('deals').textContent()).toBe(
      "take Bright Media's and its holding's deals off 1 campaign: Spring (Agency deal);",
    );
    // and what the disconnect does not do is not claimed
    expect(await line('invitations').count()).toBe(0);
    expect(await line('team').count()).toBe(0);

    await dialog.getByRole('button', { name: 'Disconnect now' }).click();
    await client.getByTestId('connections-history').getByText('disconnected').waitFor();
    // what the dialog said is what happened
    const cards = await query<{ items: unknown[] }>('credits.cards', { clientId: ids.premium }, tokens.client);
    expect(cards.items).toEqual([]);
    const shared = await query<{ items: unknown[] }>('reports.shared', { accountId: ids.premium }, tokens.client);
    expect(shared.items).toEqual([]);
    const saved = await query<{ items: { name: string }[] }>(
      'reports.saved',
      { accountId: ids.premium },
      tokens.client,
    );
    expect(saved.items).toEqual([]);
  });
});
