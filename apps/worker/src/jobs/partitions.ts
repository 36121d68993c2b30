import { spend, type Db } from '@trellis/db';

/** Creates the monthly partitions of the raw spend records from last month to three months ahead. */
export async function partitions(db: Db, clock: () => Date): Promise<{ created: string[] }> {
  return { created: await spend.ensurePartitions(db, clock(), 1, 3) };
}
