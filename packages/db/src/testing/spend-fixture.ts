import { nameKey } from '@trellis/domain';
import type { Db } from '../connect';
import * as credits from '../repos/credits';
import * as accounts from '../repos/accounts';
import * as campaigns from '../repos/campaigns';
import * as deals from '../repos/deals';
import * as seats from '../repos/seats';
import * as users from '../repos/users';

export const T0 = new Date('2026-03-01T00:00:00Z');
export const hoursAfter = (h: number, base = T0) => new Date(base.getTime() + h * 3_600_000);

/**
 * A holding H (EUR) with agency A and clients C1, C2 (EUR) under A; a seat S1 on dsp 'dv360' held by H from T0-1d,
 * by A from T0+10h, by C1 from T0+20h; a seat S2 on 'ttd' held by A from T0-1d; a deal 'DEAL-A' of A on dv360 and
 * ttd; a campaign K1 of C1 and K2 of C2. A second holding X with its own seat 'X1' on dv360. Zones: UTC unless given.
 */
export async function spendFixture(db: Db, zones: { H?: string; A?: string; C1?: string; C2?: string } = {}) {
  const mk = (
    parent: accounts.Account | null,
    kind: 'holding' | 'agency' | 'client',
    name: string,
    currency = 'EUR',
    timeZone = 'UTC',
  ) =>
    accounts.insertAccount(db, {
      parent: parent && { id: parent.id, rootId: parent.rootId, kind: parent.kind },
      kind,
      level: kind === 'holding' ? 1 : kind === 'agency' ? 2 : 3,
      clientTier: kind === 'client' ? 'standard' : null,
      name,
      nameKey: nameKey(name),
      currency,
      timeZone,
    });
  const h = await mk(null, 'holding', 'H', 'EUR', zones.H);
  const a = await mk(h, 'agency', 'A', 'EUR', zones.A);
  const c1 = await mk(a, 'client', 'C1', 'EUR', zones.C1);
  const c2 = await mk(a, 'client', 'C2', 'EUR', zones.C2);
  const cu = await mk(a, 'client', 'CU', 'USD');
  const x = await mk(null, 'holding', 'X');
  const u = await users.insertUser(db, { email: `u${Math.random()}@x.test`, name: 'U', passwordHash: 'x' });
  const early = hoursAfter(-24);
  const { s1, s2, sx, s3 } = await db.transaction().execute(async (trx) => {
    const s1 = await seats.insertSeat(trx, {
      rootId: h.id,
      dsp: 'dv360',
      externalId: 'S1',
      name: null,
      account: h,
      at: early,
      by: u.id,
    });
    const s2 = await seats.insertSeat(trx, {
      rootId: h.id,
      dsp: 'ttd',
      externalId: 'S2',
      name: null,
      account: h,
      at: early,
      by: u.id,
    });
    await seats.moveSeat(trx, s2, a, early, u.id);
    const s3 = await seats.insertSeat(trx, {
      rootId: h.id,
      dsp: 'ttd',
      externalId: 'S3',
      name: null,
      account: h,
      at: early,
      by: u.id,
    });
    await seats.moveSeat(trx, s3, cu, early, u.id);
    const sx = await seats.insertSeat(trx, {
      rootId: x.id,
      dsp: 'dv360',
      externalId: 'X1',
      name: null,
      account: x,
      at: early,
      by: u.id,
    });
    return { s1, s2, sx, s3 };
  });
  await db.transaction().execute((trx) => seats.moveSeat(trx, s1, a, hoursAfter(10), u.id));
  const s1b = (await seats.findSeat(db, s1.id))!;
  await db.transaction().execute((trx) => seats.moveSeat(trx, s1b, c1, hoursAfter(20), u.id));
  const deal = await db.transaction().execute((trx) =>
    deals.insertDeal(trx, {
      rootId: h.id,
      ownerAccountId: a.id,
      dealId: 'DEAL-A',
      name: 'Deal A',
      publisher: 'P',
      type: 'private_auction',
      cpmMicros: 1_000_000n,
      currency: 'EUR',
      startsAt: null,
      endsAt: null,
      publisherInitiated: false,
      dsps: ['dv360', 'ttd'],
      createdBy: u.id,
      createdAt: early,
    } as never),
  );
  const k1 = await db.transaction().execute((trx) =>
    campaigns.insertCampaign(trx, {
      rootId: h.id,
      clientId: c1.id,
      name: 'K1',
      budgetMicros: null,
      dealIds: [],
      by: u.id,
      at: early,
    }),
  );
  const k2 = await db.transaction().execute((trx) =>
    campaigns.insertCampaign(trx, {
      rootId: h.id,
      clientId: c2.id,
      name: 'K2',
      budgetMicros: null,
      dealIds: [],
      by: u.id,
      at: early,
    }),
  );
  return { h, a, c1, c2, cu, x, u, s1, s2, s3, sx, deal, k1, k2 };
}

/** Credits a client through an adjustment (what a top-up does to the balance, without a provider). */
export async function credit(db: Db, clientId: string, amount: bigint) {
  await db.transaction().execute(async (trx) => {
    const acc = await credits.lockCreditAccount(trx, clientId);
    const balance = acc.balanceMicros + amount;
    await credits.insertEntries(trx, [
      {
        rootId: acc.rootId,
        clientId,
        kind: 'adjustment',
        amountMicros: amount,
        balanceAfterMicros: balance,
        reason: 'test credit',
        at: new Date(),
      },
    ]);
    await credits.setCreditState(trx, clientId, {
      balanceMicros: balance,
      overageMicros: acc.overageMicros,
      lowAlertArmed: acc.lowAlertArmed,
      at: new Date(),
    });
  });
}
