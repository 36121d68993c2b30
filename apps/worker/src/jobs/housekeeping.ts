import { sql } from 'kysely';
import { CONNECTION_REQUEST_TTL_MS } from '@trellis/domain';
import type { Db } from '@trellis/db';

/** Sign-in counters whose window started longer ago than this count for nothing (the window is 15 minutes). */
const SIGN_IN_FAILURE_KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * The housekeeping that has no request to hang on: expired sessions and stale sign-in counters are deleted,
 * connection requests unanswered for 14 days are marked expired (the API already treats them as expired on read), and
 * the partial aggregates the rollup has summed (seq up to the root's watermark) are purged; the raw records stay.
 */
export async function housekeeping(
  db: Db,
  clock: () => Date,
): Promise<{ sessions: number; signInFailures: number; connectionsExpired: number; partialsPurged: number }> {
  const now = clock();
  return db.transaction().execute(async (trx) => {
    const s = await sql`delete from sessions where expires_at <= ${now}`.execute(trx);
    const f =
      await sql`delete from sign_in_counters where window_start < ${new Date(now.getTime() - SIGN_IN_FAILURE_KEEP_MS)}`.execute(
        trx,
      );
    const c = await sql`
      update connections set state = 'expired'
      where state = 'requested' and requested_at <= ${new Date(now.getTime() - CONNECTION_REQUEST_TTL_MS)}`.execute(
      trx,
    );
    // a rolled partial is never read again (the watermark only advances), so this cannot race a rollup
    const p =
      await sql`delete from spend_partials p using spend_watermarks w where p.root_id = w.root_id and p.seq <= w.rolled_seq`.execute(
        trx,
      );
    return {
      sessions: Number(s.numAffectedRows ?? 0),
      signInFailures: Number(f.numAffectedRows ?? 0),
      connectionsExpired: Number(c.numAffectedRows ?? 0),
      partialsPurged: Number(p.numAffectedRows ?? 0),
    };
  });
}
