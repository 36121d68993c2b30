import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const AGENCY_ADMIN = { email: 'admin@bright.test', password: 'agency admin password' };
const CLIENT_ADMIN = { email: 'admin@premium.test', password: 'client admin password' };
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
  const { hAdmin, op } = world;
  Object.assign(ids, { holding: world.holding, agency: world.agency });
  const aInv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.agency, email: AGENCY_ADMIN.email, role: 'admin' },
    hAdmin,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: aInv.token, name: 'Ben', password: AGENCY_ADMIN.password });
  ids.premium = (
    await rpc<{ id: string }>(
      api.base,
      'clients.createPremium',
      { name: 'Premium Foods', currency: 'EUR', timeZone: 'UTC' },
      op,
    )
  ).id;
  const pInv = await rpc<{ token: string }>(
    api.base,
    'members.invite',
    { accountId: ids.premium, email: CLIENT_ADMIN.email, role: 'admin' },
    op,
  );
  await rpc(api.base, 'members.acceptInvitation', { token: pInv.token, name: 'Pia', password: CLIENT_ADMIN.password });
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('browser: a premium client connects, is operated, and disconnects', () => {
  it('shows the agency the client while connected and nothing after the client disconnects', async () => {
    const agency = await signIn(browser, api.base, AGENCY_ADMIN);
    await agency.goto(`${api.base}/accounts/${ids.agency}/campaigns`);
    await agency.getByTestId('create-client-first').waitFor();

    const client = await signIn(browser, api.base, CLIENT_ADMIN);
    await client.goto(`${api.base}/accounts/${ids.premium}/connections`);
    // the agency's invitation link, pasted into the search
    await client.getByLabel('Agency: invitation link or account id').fill(`${api.base}/connect/${ids.agency}`);
    await client.getByRole('button', { name: 'Find' }).click();
    await client.getByTestId('connect-results').getByRole('button', { name: 'Send request' }).click();
    await client.getByTestId('connections-sent').getByText('Bright Media').waitFor();

    await agency.goto(`${api.base}/accounts/${ids.agency}/connections`);
    await agency.getByTestId('connections-incoming').getByRole('button', { name: 'Accept' }).click();
    await agency.getByTestId('connections-connected').getByText('Premium Foods').waitFor();

    await agency.goto(`${api.base}/accounts/${ids.agency}/campaigns`);
    await agency.getByLabel('Client', { exact: true }).selectOption({ label: 'Premium Foods' });
    await agency.getByLabel('Campaign name').fill('Agency-run spring');
    await agency.getByRole('button', { name: 'Create campaign' }).click();
    await agency.getByTestId('campaigns').getByText('Agency-run spring').waitFor();
    await agency.getByRole('banner').getByRole('link', { name: 'Accounts' }).click();
    await agency.getByTestId('account-tree').getByRole('link', { name: 'Premium Foods' }).waitFor();

    await client.goto(`${api.base}/accounts/${ids.premium}/connections`);
    await client.getByRole('button', { name: 'Disconnect from the agency…' }).click();
    await client
      .getByTestId('disconnect-confirm')
      .getByText('remove every access of Bright Media', { exact: false })
      .waitFor();
    await client.getByRole('button', { name: 'Disconnect now' }).click();
    await client.getByTestId('connections-history').getByText('disconnected').waitFor();
    await client.goto(`${api.base}/accounts`);
    await client.getByTestId('account-tree').getByRole('link', { name: 'Premium Foods' }).waitFor();

    await agency.goto(`${api.base}/accounts`);
    await agency.getByTestId('account-tree').getByRole('link', { name: 'Bright Media' }).waitFor();
    if ((await agency.getByTestId('account-tree').getByText('Premium Foods').count()) !== 0)
      throw new Error('the agency still sees the client');
    await agency.goto(`${api.base}/accounts/${ids.premium}`);
    await agency.getByText('This account does not exist or is not yours to see.').waitFor();
    await agency.goto(`${api.base}/accounts/${ids.agency}/campaigns`);
    await agency.getByTestId('create-client-first').waitFor();
    await agency.goto(`${api.base}/accounts/${ids.agency}/connections`);
    await agency.getByTestId('connections-history').getByText('disconnected').waitFor();

    // the client keeps its campaign
    await client.goto(`${api.base}/accounts/${ids.premium}/campaigns`);
    await client.getByTestId('campaigns').getByText('Agency-run spring').waitFor();
  });
});
