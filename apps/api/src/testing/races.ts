import { sql } from 'kysely';
import { accounts, createDb, spendDaily, type Db } from '@trellis/db';
import { detachClient } from '../lib/detach';

/** Waits until some other session of this database waits on a lock (or `ms` pass). */
async function untilSomeoneWaits(db: Db, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const r = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`.execute(db);
    if (r.rows[0]!.n > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/**
 * The race of a procedure with a disconnect, made certain: a second connection takes the locks a disconnect takes
 * (the tree lock, then the client's row), `call` starts and reads the client as it was, and once `call` waits on a
 * lock the second connection detaches the client exactly as `connections.disconnect` does and commits. Without a lock
 * on the client in its transaction, `call` writes after the move with what it read before it. Returns how `call`
 * ended: 'ok', or its tRPC code ('INTERNAL_SERVER_ERROR' for a 500), and whether it had to wait.
 */
export async function raceWithDisconnect(
  url: string,
  clientId: string,
  byUserId: string,
  call: () => Promise<unknown>,
): Promise<{ code: string; waited: boolean }> {
  const mover = createDb(url, { max: 1, applicationName: 'race-mover' });
  const watcher = createDb(url, { max: 1, applicationName: 'race-watcher' });
  try {
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    let go!: () => void;
    const mayGo = new Promise<void>((resolve) => (go = resolve));
    const moved = mover.transaction().execute(async (trx) => {
      await spendDaily.lockTreeForMove(trx);
      await accounts.lockAccount(trx, clientId);
      locked();
      await mayGo;
      const client = (await accounts.findAccount(trx, clientId))!;
      await detachClient(trx, { user: { id: byUserId }, now: () => new Date() }, client, 'client', null);
    });
    await isLocked;
    const outcome = call().then(
      () => 'ok',
      (e: unknown) => (e as { code?: string }).code ?? String(e),
    );
    const waited = await Promise.race([untilSomeoneWaits(watcher), outcome.then(() => false)]);
    go();
    await moved;
    return { code: await outcome, waited };
  } finally {
    await mover.destroy();
    await watcher.destroy();
  }
}
