import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { nameKey } from '@trellis/domain';
import * as m0017 from './migrations/20261207_0017_top_up_key_scope';
import * as accounts from './repos/accounts';
import { useTestDatabase } from './testing';

const t = useTestDatabase();

describe('migration 0017: top-up keys scoped to the connection', () => {
  it('gives each existing top-up the connection that covered its creation, and none outside a connection', async () => {
    const mk = (parent: accounts.Account | null, kind: 'holding' | 'agency' | 'client', name: string) =>
      accounts.insertAccount(t.db, {
        parent: parent && { id: parent.id, rootId: parent.rootId, kind: parent.kind },
        kind,
        level: kind === 'holding' ? 1 : kind === 'agency' ? 2 : 3,
        clientTier: kind === 'client' ? 'premium' : null,
        name,
        nameKey: nameKey(name),
        currency: 'EUR',
        timeZone: 'UTC',
      });
    const h = await mk(null, 'holding', 'H');
    const a = await mk(h, 'agency', 'A');
    const p = await mk(a, 'client', 'P');
    const at = (day: number) => new Date(Date.UTC(2026, 10, day));
    const connection = async (state: string, origin: string, from: number, to: number | null) => {
      const id = randomUUID();
      await sql`
        insert into connections (id, root_id, client_id, agency_id, state, origin, requested_by_side, requested_at,
          responded_at, ended_at)
        values (${id}, ${h.id}, ${p.id}, ${a.id}, ${state}, ${origin}, 'client', ${at(from)}, ${at(from)},
          ${to === null ? null : at(to)})`.execute(t.db);
      return id;
    };
    const earlier = await connection('disconnected', 'request', 3, 5);
    const current = await connection('accepted', 'request', 8, null);
    const pm = randomUUID();
    await sql`
      insert into payment_methods (id, root_id, client_id, brand, last4, exp_month, exp_year, provider, provider_ref)
      values (${pm}, ${h.id}, ${p.id}, 'visa', '4242', 12, 2030, 'local', 'ref')`.execute(t.db);
    const topUp = (key: string, day: number) => sql`
      insert into top_ups (id, root_id, client_id, idempotency_key, fingerprint, amount_micros, payment_method_id,
        status, created_at, updated_at)
      values (${randomUUID()}, ${h.id}, ${p.id}, ${key}, 'f', 1, ${pm}, 'pending', ${at(day)}, ${at(day)})`;

    await m0017.down(t.db);
    for (const [key, day] of [
      ['alone', 1],
      ['first-connection', 4],
      ['between', 6],
      ['current', 9],
    ] as const)
      await topUp(key, day).execute(t.db);
    await m0017.up(t.db);

    const rows = await sql<{ idempotency_key: string; key_scope: string }>`
      select idempotency_key, key_scope from top_ups order by created_at`.execute(t.db);
    expect(rows.rows.map((r) => [r.idempotency_key, r.key_scope])).toEqual([
      ['alone', ''],
      ['first-connection', earlier],
      ['between', ''],
      ['current', current],
    ]);
    // a key is unique per scope now: the same key again in another scope is a new top-up
    await sql`update top_ups set idempotency_key = 'alone' where idempotency_key = 'current'`.execute(t.db);
    await expect(topUp('alone', 2).execute(t.db)).rejects.toThrow(/top_ups_key_in_scope/);
  });
});
