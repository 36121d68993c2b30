import type { Db } from '../connect';

export async function countSignInFailures(db: Db, keys: { email: string; address: string }, since: Date): Promise<{ byEmail: number; byAddress: number }> {
  const rows = await db
    .selectFrom('sign_in_failures')
    .select(['key', (eb) => eb.fn.countAll<string>().as('n')])
    .where('key', 'in', [`email:${keys.email}`, `addr:${keys.address}`])
    .where('at', '>', since)
    .groupBy('key')
    .execute();
  const n = (k: string) => Number(rows.find((r) => r.key === k)?.n ?? 0);
  return { byEmail: n(`email:${keys.email}`), byAddress: n(`addr:${keys.address}`) };
}

export async function recordSignInFailure(db: Db, keys: { email: string; address: string }, at: Date): Promise<void> {
  await db.insertInto('sign_in_failures').values([{ key: `email:${keys.email}`, at }, { key: `addr:${keys.address}`, at }]).execute();
}

export async function clearSignInFailures(db: Db, email: string, olderThan: Date): Promise<void> {
  await db
    .deleteFrom('sign_in_failures')
    .where((eb) => eb.or([eb('key', '=', `email:${email}`), eb('at', '<', olderThan)]))
    .execute();
}
