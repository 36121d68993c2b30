import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@trellis/db/testing';
import { launchChromium, northwindWithAgency, rpc, signIn, startApi } from './support';

// The audit trail under a live spend feed, and saved reports as an analyst and an admin meet them.
const t = useTestDatabase({ resetEach: false });
let api: Awaited<ReturnType<typeof startApi>>;
let browser: Browser;
const OPERATOR = { email: 'root@trellis.test', password: 'operator password 1' };
const ADMIN = { email: 'admin@northwind.test', password: 'holding admin password' };
const ANALYST = { email: 'analyst@bright.test', password: 'bright analyst password' };
const VIEWER = { email: 'viewer@acme.test', password: 'acme viewer password' };
const ids: Record<string, string> = {};
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/;

async function join(token: string, accountId: string, who: { email: string; password: string }, role: string) {
  const inv = await rpc<{ token: string }>(api.base, 'members.invite', { accountId, email: who.email, role }, token);
  await rpc(api.base, 'members.acceptInvitation', {
    token: inv.token,
    name: who.email.split('@')[0],
    password: who.password,
  });
}

beforeAll(async () => {
  api = await startApi({
    DATABASE_URL: t.url,
    TRELLIS_DEMO: '0',
    TRELLIS_ADMIN_EMAIL: OPERATOR.email,
    TRELLIS_ADMIN_PASSWORD: OPERATOR.password,
  });
  browser = await launchChromium();
  const w = await northwindWithAgency(api.base, OPERATOR);
  Object.assign(ids, { holding: w.holding, bright: w.agency, token: w.hAdmin });
  for (const [key, name] of [
    ['acme', 'Acme Foods'],
    ['blue', 'Blue Harbor'],
  ] as const)
    ids[key] = (
      await rpc<{ id: string }>(api.base, 'accounts.create', { parentId: w.agency, name, kind: 'client' }, w.hAdmin)
    ).id;
  await join(w.hAdmin, w.agency, ANALYST, 'analyst');
  await join(w.hAdmin, ids.acme!, VIEWER, 'admin');
  const card = await rpc<{ id: string }>(
    api.base,
    'credits.addCard',
    { clientId: ids.acme, number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
    w.hAdmin,
  );
  await rpc(
    api.base,
    'credits.topUp',
    { clientId: ids.acme, amountMicros: '50000000', paymentMethodId: card.id, idempotencyKey: 'topup-key-7f3a' },
    w.hAdmin,
  );
  // a live feed: 300 worker debits after every change above, as many as the trail's first three pages once held
  await sql`
    insert into audit_entries (root_id, account_id, actor_user_id, action, entity_type, entity_id, after, at)
    select ${w.holding}::uuid, ${w.holding}::uuid, null, 'credits.spend', 'credit_entries', g::text,
      '{"debits": 2}'::jsonb, now() + g * interval '1 second'
    from generate_series(1, 300) g`.execute(t.db);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

describe('the audit trail under a live spend feed', () => {
  it("filters by member on the server, hides the feed's entries and shows them per day when asked", async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.holding}/audit`);
    const table = page.getByTestId('audit');
    await table.getByRole('row').filter({ hasText: 'Card added' }).first().waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'Spend debited' }).count()).toBe(0);

    await page.getByRole('combobox', { name: 'Member', exact: true }).selectOption({ label: ADMIN.email });
    await expect.poll(() => new URL(page.url()).searchParams.get('member')).toMatch(UUID);
    await table.getByRole('row').filter({ hasText: 'Credits topped up' }).waitFor();
    const card = table.getByRole('row').filter({ hasText: 'Card added' });
    await card.getByText('card: Visa •••• 4242').waitFor();
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('Visa •••• 4242');
    expect(text).not.toMatch(/idempotency|topup-key-7f3a|micros|client name/i);
    expect(text).not.toMatch(UUID);

    await page.getByLabel('Spend debits per day').check();
    const days = page.getByTestId('spend-days');
    await days.getByText('600 records over 300 runs of the worker', { exact: false }).waitFor();
    await page.context().close();
  });
});

describe('saved reports', () => {
  it('lets an analyst save, rename and delete a report, whose subtitle names its account filter', async () => {
    // the role says what an analyst may do, where an admin chooses it
    const admin = await signIn(browser, api.base, ADMIN);
    await admin.goto(`${api.base}/accounts/${ids.bright}/members`);
    await admin.getByText('An analyst may view everything and run, save, rename, delete and export reports').waitFor();
    await admin.context().close();

    const page = await signIn(browser, api.base, ANALYST);

    for (const [name, search] of [
      ['Acme weekly', `?account=${ids.acme}`],
      ['Scratch', ''],
    ]) {
      await page.goto(`${api.base}/accounts/${ids.bright}/reports${search}`);
      await page.getByLabel('Report name').fill(name!);
      await page.getByRole('button', { name: 'Save report' }).click();
      await page.getByTestId(`saved-${name}`).waitFor();
    }
    const acme = page.getByTestId('saved-Acme weekly');
    expect(await acme.getByTestId('saved-subtitle').textContent()).toContain('for Acme Foods');
    await acme.getByRole('button', { name: 'Rename' }).click();
    await acme.getByLabel('New name of Acme weekly').fill('Acme week');
    await acme.getByRole('button', { name: 'Save name' }).click();
    await page.getByTestId('saved-Acme week').waitFor();
    // an analyst shares nothing: no picker
    expect(await page.getByLabel('Client to share Acme week with').count()).toBe(0);

    await page.getByTestId('saved-Scratch').getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('delete-report').getByRole('button', { name: 'Delete report' }).click();
    await page.getByTestId('saved-Scratch').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it("offers only the clients a report's filters can return, and an empty shared report says why", async () => {
    const page = await signIn(browser, api.base, ADMIN);
    await page.goto(`${api.base}/accounts/${ids.bright}/reports`);
    const picker = page.getByLabel('Client to share Acme week with');
    await picker.waitFor();
    const options = await picker.locator('option').allTextContents();
    expect(options).toEqual(['Share with a client…', 'Acme Foods']);
    await picker.selectOption({ label: 'Acme Foods' });
    await page.getByTestId('saved-Acme week').getByRole('button', { name: 'Share' }).click();
    await page.getByTestId('saved-Acme week').getByText('shared with Acme Foods').waitFor();
    await page.context().close();

    const viewer = await signIn(browser, api.base, VIEWER);
    await viewer.goto(`${api.base}/accounts/${ids.acme}/shared-reports`);
    await viewer.getByText('Nothing to show: no spend attributed to Acme Foods in', { exact: false }).first().waitFor();
    await viewer.context().close();
  });
});
