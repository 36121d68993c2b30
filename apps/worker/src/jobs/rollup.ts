import { debitSpend, spend, type Db } from '@trellis/db';

export interface RollupOptions {
  /** At most this many sequence numbers per unit (a bounded transaction). */
  maxRange?: bigint;
  /** Only this root (tests); default: any root with records past its watermark. */
  rootId?: string;
}

export interface RollupDone {
  rootId: string;
  from: string;
  to: string;
  records: number;
  groups: number;
  clientsDebited: number;
  /** Wall time of the unit, from the claim to the commit (logged; the bench sums it). */
  ms: number;
}

/**
 * One unit of the incremental rollup (pg_incremental's sequence pipeline), in ONE transaction:
 * 1. claim a root whose records run past its watermark (row lock, SKIP LOCKED: two workers never take the same root);
 * 2. find the highest sequence number no open transaction can still fill (a brief exclusive lock, in a transaction of
 *    its own, that waits out the root's in-flight writers, who hold it shared);
 * 3. aggregate (watermark, hi] into spend_hourly with one INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE;
 * 4. debit each client's credits for its spend in that range, per UTC day of the spend (reference
 *    `spend:<root>:<from>-<to>:<YYYY-MM-DD>`, each dated in its day), in ONE debitSpend call (one lock order);
 * 5. advance the watermark.
 * Killed anywhere before the commit, nothing of it happened; the next unit starts from the same watermark.
 */
export async function rollup(db: Db, clock: () => Date, opts: RollupOptions = {}): Promise<RollupDone | null> {
  const maxRange = opts.maxRange ?? 2_000_000n;
  const started = performance.now();
  const done = await db.transaction().execute(async (trx) => {
    const claim = await spend.claimRoot(trx, opts.rootId);
    if (!claim) return null;
    const cutAt = clock();
    const safe = await spend.safeHighSeq(db, claim.rootId); // its own short transaction, on another connection
    if (safe <= claim.rolledSeq) return null;
    const to = safe - claim.rolledSeq > maxRange ? claim.rolledSeq + maxRange : safe;
    // complete until the cut only when this unit reaches the safe end; otherwise until the last complete cut
    const r = await spend.rollupRange(trx, claim.rootId, claim.rolledSeq, to, to === safe ? cutAt : null, cutAt);
    if (r.debits.length) await debitSpend(trx, r.debits, { at: cutAt });
    return { rootId: r.rootId, from: r.from.toString(), to: r.to.toString(), records: r.records, groups: r.groups, clientsDebited: r.debits.length };
  });
  return done && { ...done, ms: Math.round(performance.now() - started) };
}
