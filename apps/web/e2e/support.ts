import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startApiProcess } from '@trellis/api/api-process';

const repo = path.resolve(import.meta.dirname, '../../..');

/** The real api process (it migrates, creates the operator, and serves the built web app), on 127.0.0.1. */
export async function startApi(
  env: Record<string, string>,
): Promise<{ base: string; stop: () => Promise<void>; output: () => string }> {
  const dist = path.join(repo, 'apps/web/dist');
  if (!existsSync(path.join(dist, 'index.html')))
    throw new Error('apps/web/dist is missing: build the web app first (turbo does, before this test)');
  return startApiProcess({ ...env, TRELLIS_WEB_DIST: dist });
}

/** Debian's Chromium, headless, with the flags this closed network needs (TOOLCHAIN.md); Playwright gives it a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A tRPC call over plain HTTP, as any client could make it (SPEC 10). */
export async function rpc<T>(base: string, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}/trpc/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

/**
 * The usual start of a browser test's world, made over HTTP as the installation's operator: the holding Northwind
 * (EUR, UTC) with its admin Nora (signed in: `hAdmin`), and its agency Bright Media; `op` is the operator's session.
 */
export async function northwindWithAgency(
  base: string,
  operator: { email: string; password: string },
): Promise<{ holding: string; agency: string; hAdmin: string; op: string }> {
  const { token: op } = await rpc<{ token: string }>(base, 'auth.signIn', operator);
  const holding = (
    await rpc<{ id: string }>(
      base,
      'accounts.createHolding',
      { name: 'Northwind', currency: 'EUR', timeZone: 'UTC' },
      op,
    )
  ).id;
  const inv = await rpc<{ token: string }>(
    base,
    'members.invite',
    { accountId: holding, email: 'admin@northwind.test', role: 'admin' },
    op,
  );
  const { token: hAdmin } = await rpc<{ token: string }>(base, 'members.acceptInvitation', {
    token: inv.token,
    name: 'Nora',
    password: 'holding admin password',
  });
  const agency = (
    await rpc<{ id: string }>(
      base,
      'accounts.create',
      { parentId: holding, name: 'Bright Media', kind: 'agency' },
      hAdmin,
    )
  ).id;
  return { holding, agency, hAdmin, op };
}

/** A fresh browser context signed in through the sign-in page, waiting for the signed-in shell (the landing page). */
export async function signIn(browser: Browser, base: string, who: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(base);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
  return page;
}
