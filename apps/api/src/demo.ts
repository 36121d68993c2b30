import { nameKey, type Role } from '@trellis/domain';
import { accounts, type Db } from '@trellis/db';
import { createContextInner } from './context';
import { ensurePlatformOperator } from './bootstrap';
import { createCaller } from './root';

export const DEMO_PASSWORD = 'trellis-demo';
export const DEMO_OPERATOR = 'operator@trellis.demo';
const HOLDING = 'Northwind Group';

const AGENCIES: { name: string; slug: string; clients: string[] }[] = [
  { name: 'Bright Media', slug: 'bright', clients: ['Acme Foods', 'Blue Harbor Bank', 'Citrus Mobile', 'Delta Outdoor'] },
  { name: 'Cobalt Digital', slug: 'cobalt', clients: ['Evergreen Energy', 'Fjord Travel', 'Granite Insurance', 'Helio Games'] },
  { name: 'Meridian Partners', slug: 'meridian', clients: ['Iris Beauty', 'Juniper Homes', 'Kestrel Motors', 'Lumen Pharma'] },
];

export interface DemoSignIn {
  email: string;
  role: Role | 'platform operator';
  account: string;
}

/** Who can sign in to the demo (all with DEMO_PASSWORD). */
export function demoSignIns(): DemoSignIn[] {
  const plan: DemoSignIn[] = [{ email: DEMO_OPERATOR, role: 'platform operator', account: '(installation)' }];
  for (const r of ['admin', 'operator', 'analyst'] as const) plan.push({ email: `${r}@northwind.demo`, role: r, account: HOLDING });
  for (const a of AGENCIES) for (const r of ['admin', 'operator', 'analyst'] as const) plan.push({ email: `${r}@${a.slug}.demo`, role: r, account: a.name });
  for (const r of ['admin', 'operator', 'analyst'] as const) plan.push({ email: `${r}@acme.demo`, role: r, account: 'Acme Foods' });
  return plan;
}

/**
 * Demo data, made through the api itself (so it carries its audit trail): a holding with three agencies and twelve
 * clients, a member of each role at each level, and a platform operator. Does nothing if the holding exists.
 */
export async function seedDemo(db: Db): Promise<{ created: boolean }> {
  const plan = demoSignIns().filter((p): p is DemoSignIn & { role: Role } => p.role !== 'platform operator');
  if (await accounts.siblingNameTaken(db, null, nameKey(HOLDING))) return { created: false };

  await ensurePlatformOperator(db, DEMO_OPERATOR, DEMO_PASSWORD);
  const as = async (email: string) => {
    const anon = createCaller(await createContextInner({ db }));
    const { token } = await anon.auth.signIn({ email, password: DEMO_PASSWORD });
    return createCaller(await createContextInner({ db, sessionToken: token }));
  };
  const invite = async (caller: Awaited<ReturnType<typeof as>>, accountId: string, email: string, role: Role) => {
    const { token } = await caller.members.invite({ accountId, email, role });
    const anon = createCaller(await createContextInner({ db }));
    const name = email.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()) + ' ' + email.split('@')[1]!.split('.')[0];
    await anon.members.acceptInvitation({ token, name, password: DEMO_PASSWORD });
  };

  const operator = await as(DEMO_OPERATOR);
  const holding = await operator.accounts.createHolding({ name: HOLDING, currency: 'EUR', timeZone: 'Europe/Copenhagen' });
  await invite(operator, holding.id, 'admin@northwind.demo', 'admin');
  const holdingAdmin = await as('admin@northwind.demo');
  const ids = new Map<string, string>([[HOLDING, holding.id]]);
  for (const a of AGENCIES) {
    const agency = await holdingAdmin.accounts.create({ parentId: holding.id, name: a.name, kind: 'agency' });
    ids.set(a.name, agency.id);
    for (const c of a.clients) {
      const client = await holdingAdmin.accounts.create({ parentId: agency.id, name: c, kind: 'client', ...(c === 'Fjord Travel' ? { currency: 'NOK', timeZone: 'Europe/Oslo' } : {}) });
      ids.set(c, client.id);
    }
  }
  for (const p of plan) {
    if (p.email === 'admin@northwind.demo') continue;
    await invite(holdingAdmin, ids.get(p.account)!, p.email, p.role);
  }
  // One pending invitation, so the outbox and the invitations list have something to show.
  await holdingAdmin.members.invite({ accountId: ids.get('Bright Media')!, email: 'new.planner@bright.demo', role: 'operator' });
  return { created: true };
}
