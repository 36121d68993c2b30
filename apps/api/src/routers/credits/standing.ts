import { runway, type Actor, type RunwayBasis } from '@trellis/domain';
import { credits, type AccountWithPath, type Db } from '@trellis/db';

const DAY = 86_400_000;

export interface Standing {
  balanceMicros: bigint;
  overageMicros: bigint;
  currency: string;
  lowBalanceMicros: bigint;
  lowBalance: boolean;
  runwayDays: number | null;
  runwayBasis: RunwayBasis;
  averageDailyMicros: bigint | null;
  daysWithSpend: number;
  spentLast7DaysMicros: bigint;
}

/**
 * A client's balance, overage, threshold and runway as the viewer sees them (SPEC 6): the one computation behind
 * credits.balance (the Billing page) and the clients overview, so both show the same figures.
 */
export async function clientStanding(
  ctx: { db: Db; actor: Actor; now: () => Date },
  account: Pick<AccountWithPath, 'id' | 'timeZone'>,
): Promise<Standing> {
  const acc = (await credits.findCreditAccount(ctx.db, account.id))!;
  // seen from above, a premium client's spend counts from its current connection on (SPEC 2.2), as its ledger does
  const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
  const weekAgo = new Date(ctx.now().getTime() - 7 * DAY);
  const window = await credits.spendWindow(
    ctx.db,
    account.id,
    account.timeZone,
    since && since > weekAgo ? since : weekAgo,
    since,
  );
  const r = runway(acc.balanceMicros, window, ctx.now());
  return {
    balanceMicros: acc.balanceMicros,
    overageMicros: acc.overageMicros,
    currency: acc.currency,
    lowBalanceMicros: acc.lowBalanceMicros,
    lowBalance: acc.balanceMicros < acc.lowBalanceMicros,
    runwayDays: r.days,
    runwayBasis: r.basis,
    averageDailyMicros: r.averageDailyMicros,
    daysWithSpend: window.daysWithSpend,
    spentLast7DaysMicros: window.spentMicros,
  };
}

/** Credits consumed from `from` to `to` (days in the client's zone, inclusive): the Billing page's usage, summed. */
export async function spentInPeriod(
  ctx: { db: Db; actor: Actor },
  account: Pick<AccountWithPath, 'id' | 'timeZone'>,
  from: string,
  to: string,
): Promise<bigint> {
  const since = await credits.historySince(ctx.db, account.id, ctx.actor.memberships.has(account.id));
  const days = await credits.usagePerDay(ctx.db, account.id, account.timeZone, from, to, since);
  return days.reduce((s, d) => s + d.spentMicros, 0n);
}
