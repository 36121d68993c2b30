import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { nameKey } from '@trellis/domain';
import { pgErrorCode } from './connect';
import * as accounts from './repos/accounts';
import { useTestDatabase } from './testing';

const t = useTestDatabase();

const base = { currency: 'EUR', timeZone: 'Europe/Copenhagen' };
const holding = (name = 'Holding') =>
  accounts.insertAccount(t.db, { parent: null, kind: 'holding', level: 1, clientTier: null, name, nameKey: nameKey(name), ...base });
const child = (parent: accounts.Account, kind: 'agency' | 'client', name: string) =>
  accounts.insertAccount(t.db, {
    parent: { id: parent.id, rootId: parent.rootId, kind: parent.kind },
    kind,
    level: kind === 'agency' ? 2 : 3,
    clientTier: kind === 'client' ? 'standard' : null,
    name,
    nameKey: nameKey(name),
    ...base,
  });
const sqlState = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return pgErrorCode(e);
  }
};

describe('accounts in the database', () => {
  it('writes the ancestor index with the account, root first in the path', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const c = await child(a, 'client', 'Client');
    expect((await accounts.findAccount(t.db, c.id))!.path).toEqual([h.id, a.id, c.id]);
    expect(c.rootId).toBe(h.id);
    const rows = await accounts.subtreeRows(t.db, [a.id], false);
    expect(rows.map((r) => r.id).sort()).toEqual([a.id, c.id].sort());
  });

  it('refuses a duplicate sibling name, case-insensitively, but allows it under another parent', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const b = await child(h, 'agency', 'Other');
    await child(a, 'client', 'Acme');
    expect(await sqlState(child(a, 'client', 'ACME'))).toBe('23505');
    expect(await sqlState(child(b, 'client', 'Acme'))).toBe('ok');
    expect(await sqlState(holding('holding'))).toBe('23505');
  });

  it('refuses a client directly under a holding and an agency under an agency, whatever the code does', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const insert = (parent: accounts.Account, kind: string, level: number, tier: string | null) =>
      sql`insert into accounts (id, root_id, parent_id, parent_kind, kind, level, client_tier, name, name_key, currency, time_zone)
          values (${randomUUID()}, ${parent.rootId}, ${parent.id}, ${parent.kind}, ${kind}, ${level}, ${tier}, 'X', 'x', 'EUR', 'UTC')`.execute(t.db);
    expect(await sqlState(insert(h, 'client', 3, 'standard'))).toBe('23514');
    expect(await sqlState(insert(a, 'agency', 2, null))).toBe('23514');
    // a lie about the parent's kind is caught by the composite foreign key
    expect(await sqlState(sql`insert into accounts (id, root_id, parent_id, parent_kind, kind, level, client_tier, name, name_key, currency, time_zone)
          values (${randomUUID()}, ${h.id}, ${h.id}, 'agency', 'client', 3, 'standard', 'Y', 'y', 'EUR', 'UTC')`.execute(t.db))).toBe('23503');
  });

  it('refuses a child whose root is not its parent\'s root', async () => {
    const h1 = await holding('One');
    const h2 = await holding('Two');
    expect(
      await sqlState(sql`insert into accounts (id, root_id, parent_id, parent_kind, kind, level, name, name_key, currency, time_zone)
        values (${randomUUID()}, ${h2.id}, ${h1.id}, 'holding', 'agency', 2, 'Z', 'z', 'EUR', 'UTC')`.execute(t.db)),
    ).toBe('23503');
  });

  it('refuses to move an account or change its currency', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const b = await child(h, 'agency', 'B');
    const c = await child(a, 'client', 'C');
    expect(await sqlState(t.db.updateTable('accounts').set({ parent_id: b.id }).where('id', '=', c.id).execute())).toBe('23514');
    expect(await sqlState(t.db.updateTable('accounts').set({ currency: 'USD' }).where('id', '=', c.id).execute())).toBe('23514');
    expect(await sqlState(t.db.updateTable('accounts').set({ name: 'Renamed' }).where('id', '=', c.id).execute())).toBe('ok');
  });
});
