import { sql } from 'kysely';
import type { Db } from '../connect';

/** The counters one password attempt is charged to (SPEC 12): the (address, email) pair, the email, the address. */
export interface AttemptKeys {
  email: string;
  address: string;
}

/** Attempts in each key's current window, the reserved attempt included; email/address are 0 when not charged. */
export interface AttemptCounts {
  pair: number;
  email: number;
  address: number;
}

const keysOf = (k: AttemptKeys) => ({
  pair: `pair:${k.address}|${k.email}`,
  email: `email:${k.email}`,
  address: `addr:${k.address}`,
});

/**
 * Reserves one password attempt before any hashing, in one statement: the pair's counter always counts it; the
 * email's and the address's count it only while the pair is within `pairLimit` (so one address that keeps hammering
 * an email inflates nothing but its own pair). Each counter is an upsert on a row lock, so parallel attempts get
 * distinct numbers: 50 at once are numbered 1..50, and only those within the limits go on to be evaluated.
 * A counter whose window started at or before `since` starts over at 1.
 */
export async function reserveAttempt(
  db: Db,
  keys: AttemptKeys,
  now: Date,
  since: Date,
  pairLimit: number,
): Promise<AttemptCounts> {
  const k = keysOf(keys);
  const bump = sql`
    on conflict (key) do update set
      window_start = case when sign_in_counters.window_start <= ${since} then excluded.window_start else sign_in_counters.window_start end,
      attempts = case when sign_in_counters.window_start <= ${since} then 1 else sign_in_counters.attempts + 1 end`;
  const r = await sql<{ key: string; attempts: number }>`
    with pair as (
      insert into sign_in_counters (key, window_start, attempts) values (${k.pair}, ${now}, 1) ${bump}
      returning key, attempts
    ), others as (
      insert into sign_in_counters (key, window_start, attempts)
      select v.key, ${now}::timestamptz, 1 from (values (${k.email}), (${k.address})) as v(key), pair where pair.attempts <= ${pairLimit}
      ${bump}
      returning key, attempts
    )
    select key, attempts from pair union all select key, attempts from others`.execute(db);
  const n = (key: string) => r.rows.find((row) => row.key === key)?.attempts ?? 0;
  return { pair: n(k.pair), email: n(k.email), address: n(k.address) };
}

/**
 * The right password: the attempt was no failure. The pair's lockout ends; the email's and the address's
 * counters give the attempt back. Windows that ended before `since` are dropped on the way.
 */
export async function releaseAttempt(db: Db, keys: AttemptKeys, since: Date): Promise<void> {
  const k = keysOf(keys);
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('sign_in_counters')
      .where((eb) => eb.or([eb('key', '=', k.pair), eb('window_start', '<=', since)]))
      .execute();
    await trx
      .updateTable('sign_in_counters')
      .set({ attempts: sql`greatest(attempts - 1, 0)` })
      .where('key', 'in', [k.email, k.address])
      .execute();
  });
}

/** An attempt that was never evaluated (the server was too busy to hash): it is given back to all three counters. */
export async function returnAttempt(db: Db, keys: AttemptKeys): Promise<void> {
  const k = keysOf(keys);
  await db
    .updateTable('sign_in_counters')
    .set({ attempts: sql`greatest(attempts - 1, 0)` })
    .where('key', 'in', [k.pair, k.email, k.address])
    .execute();
}
