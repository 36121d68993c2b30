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
  accounts.insertAccount(t.db, {
    parent: null,
    kind: 'holding',
    level: 1,
    clientTier: null,
    name,
    nameKey: nameKey(name),
    ...base,
  });
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
          values (${randomUUID()}, ${parent.rootId}, ${parent.id}, ${parent.kind}, ${kind}, ${level}, ${tier},
            'X', 'x', 'EUR', 'UTC')`.execute(t.db);
    expect(await sqlState(insert(h, 'client', 3, 'standard'))).toBe('23514');
    expect(await sqlState(insert(a, 'agency', 2, null))).toBe('23514');
    // a lie about the parent's kind is caught by the composite foreign key
    expect(
      await sqlState(
        sql`insert into accounts (id, root_id, parent_id, parent_kind, kind, level, client_tier, name, name_key, currency, time_zone)
          values (${randomUUID()}, ${h.id}, ${h.id}, 'agency', 'client', 3, 'standard', 'Y', 'y', 'EUR', 'UTC')`.execute(
          t.db,
        ),
      ),
    ).toBe('23503');
  });

  it("refuses a child whose root is not its parent's root", async () => {
    const h1 = await holding('One');
    const h2 = await holding('Two');
    expect(
      await sqlState(
        sql`insert into accounts (id, root_id, parent_id, parent_kind, kind, level, name, name_key, currency, time_zone)
        values (${randomUUID()}, ${h2.id}, ${h1.id}, 'holding', 'agency', 2, 'Z', 'z', 'EUR', 'UTC')`.execute(t.db),
      ),
    ).toBe('23503');
  });

  it('lets only a client move, and rewrites its ancestor index and root with it', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const b = await child(h, 'agency', 'B');
    const c = await child(a, 'client', 'C');
    const h2 = await holding('Other');
    // an agency never moves, even to a valid place
    expect(
      await sqlState(
        t.db.updateTable('accounts').set({ parent_id: h2.id, root_id: h2.id }).where('id', '=', b.id).execute(),
      ),
    ).toBe('23514');
    expect(await sqlState(t.db.updateTable('accounts').set({ currency: 'USD' }).where('id', '=', c.id).execute())).toBe(
      '23514',
    );
    expect(await sqlState(t.db.updateTable('accounts').set({ name: 'Renamed' }).where('id', '=', c.id).execute())).toBe(
      'ok',
    );
    await t.db.updateTable('accounts').set({ parent_id: b.id }).where('id', '=', c.id).execute();
    expect((await accounts.findAccount(t.db, c.id))!.path).toEqual([h.id, b.id, c.id]);
    // to another holding: the root moves, and the client's own rows follow it
    const b2 = await child(h2, 'agency', 'B2');
    const u = await t.db
      .insertInto('users')
      .values({ id: randomUUID(), email: 'u@x.test', name: 'U', password_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('memberships')
      .values({ id: randomUUID(), root_id: h.id, account_id: c.id, user_id: u.id, role: 'admin' })
      .execute();
    await t.db.updateTable('accounts').set({ parent_id: b2.id, root_id: h2.id }).where('id', '=', c.id).execute();
    expect((await accounts.findAccount(t.db, c.id))!.path).toEqual([h2.id, b2.id, c.id]);
    expect((await t.db.selectFrom('memberships').select('root_id').executeTakeFirstOrThrow()).root_id).toBe(h2.id);
    expect(
      (
        await t.db.selectFrom('account_paths').select('root_id').distinct().where('descendant_id', '=', c.id).execute()
      ).map((r) => r.root_id),
    ).toEqual([h2.id]);
  });

  it('refuses to move a campaign to another client, whatever the code does', async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const c1 = await child(a, 'client', 'C1');
    const c2 = await child(a, 'client', 'C2');
    const id = randomUUID();
    await sql`insert into campaigns (id, root_id, client_id, name, status) values (${id}, ${h.id}, ${c1.id}, 'Spring', 'active')`.execute(
      t.db,
    );
    expect(await sqlState(sql`update campaigns set client_id = ${c2.id} where id = ${id}`.execute(t.db))).toBe('23514');
    expect(await sqlState(sql`update campaigns set name = 'Summer' where id = ${id}`.execute(t.db))).toBe('ok');
  });

  it("refuses a client's team from another root, and its move with the team still set", async () => {
    const h = await holding();
    const a = await child(h, 'agency', 'Agency');
    const c = await child(a, 'client', 'C');
    const h2 = await holding('Other');
    const a2 = await child(h2, 'agency', 'A2');
    const team = randomUUID();
    const other = randomUUID();
    await sql`insert into teams (id, root_id, agency_id, name, name_key)
      values (${team}, ${h.id}, ${a.id}, 'Crew', 'crew'), (${other}, ${h2.id}, ${a2.id}, 'Crew', 'crew')`.execute(t.db);
    expect(await sqlState(sql`update accounts set team_id = ${other} where id = ${c.id}`.execute(t.db))).toBe('23503');
    expect(await sqlState(sql`update accounts set team_id = ${team} where id = ${c.id}`.execute(t.db))).toBe('ok');
    const move = sql`update accounts set parent_id = ${a2.id}, root_id = ${h2.id} where id = ${c.id}`;
    expect(await sqlState(move.execute(t.db))).toBe('23503');
    await sql`update accounts set team_id = null where id = ${c.id}`.execute(t.db);
    expect(await sqlState(move.execute(t.db))).toBe('ok');
  });
});
