import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { OUT_OF_CREDIT_REASON } from '@trellis/domain';
import { debitSpend, type Db } from '@trellis/db';
import { useTestDatabase } from '@trellis/db/testing';
import { localTestProcessor } from '../../lib/payments';
import { callerAt, codeOf, grant, holdingWithAdmin, memberOf, type Caller } from '../../testing';

const t = useTestDatabase();
const VISA = '4242424242424242';
const card = (number = VISA, extra: Partial<{ expMonth: number; expYear: number; cvc: string }> = {}) => ({
  number,
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
  ...extra,
});
const chargesFor = (clientId: string, key: string) =>
  localTestProcessor.calls.filter((c) => c.kind === 'charge' && c.idempotencyKey === `topup:${clientId}:${key}`).length;
const providerCalls = () => localTestProcessor.calls.length;

async function world() {
  const { op, holding, admin } = await holdingWithAdmin(t.db);
  const A = await admin.caller.accounts.create({ parentId: holding.id, name: 'A', kind: 'agency' });
  const B = await admin.caller.accounts.create({ parentId: holding.id, name: 'B', kind: 'agency' });
  const C1 = await admin.caller.accounts.create({
    parentId: A.id,
    name: 'C1',
    kind: 'client',
    currency: 'EUR',
    timeZone: 'Australia/Adelaide',
  });
  const C2 = await admin.caller.accounts.create({ parentId: A.id, name: 'C2', kind: 'client' });
  const P = await op.caller.clients.createPremium({ name: 'Premium', currency: 'EUR', timeZone: 'UTC' });
  const aOp = await memberOf(t.db, 'aop@x.test', A, 'operator');
  const aAnalyst = await memberOf(t.db, 'aanalyst@x.test', A, 'analyst');
  const bOp = await memberOf(t.db, 'bop@x.test', B, 'operator');
  const c1Admin = await memberOf(t.db, 'c1admin@x.test', C1, 'admin');
  const pAdmin = await memberOf(t.db, 'padmin@x.test', P, 'admin');
  return { op, holding, admin, A, B, C1, C2, P, aOp, aAnalyst, bOp, c1Admin, pAdmin };
}

async function ledgerState(db: Db, clientId: string) {
  const r = await sql<{
    balance: string;
    overage: string;
    sum: string;
    spend: string;
    recorded_overage: string;
    settled: string;
    top_ups: string;
    entries: string;
    bucket_spend: string;
  }>`
    select ca.balance_micros::text as balance, ca.overage_micros::text as overage,
      (select coalesce(sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id)::text as sum,
      (select coalesce(-sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id and kind = 'spend')::text as spend,
      (select coalesce(sum(overage_micros), 0) from credit_entries e where e.client_id = ca.client_id)::text as recorded_overage,
      (select coalesce(-sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id
        and kind = 'overage_settlement')::text as settled,
      (select coalesce(sum(amount_micros), 0) from credit_entries e where e.client_id = ca.client_id and kind = 'top_up')::text as top_ups,
      (select count(*) from credit_entries e where e.client_id = ca.client_id)::text as entries,
      (select coalesce(sum(spent_micros), 0) from credit_spend_buckets b where b.client_id = ca.client_id)::text as bucket_spend
    from credit_accounts ca where ca.client_id = ${clientId}::uuid`.execute(db);
  const x = r.rows[0]!;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, BigInt(v)])) as Record<keyof typeof x, bigint>;
}

const debit = (clientId: string, amount: bigint, reference: string) =>
  t.db.transaction().execute((trx) => debitSpend(trx, [{ clientId, amountMicros: amount, reference }]));

describe('credits.topUp', () => {
  it('charges and credits once per key, retried in turn and 20 times at once; another request on the key is a CONFLICT', async () => {
    const w = await world();
    const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
    expect(pm).toMatchObject({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030, expired: false });
    const req = {
      clientId: w.C1.id,
      amountMicros: '50000000',
      paymentMethodId: pm.id,
      idempotencyKey: 'k-concurrent',
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => w.aOp.caller.credits.topUp(req)));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(answers[0]).toMatchObject({ status: 'succeeded', amountMicros: '50000000' });
    expect(await w.aOp.caller.credits.topUp({ ...req, amountMicros: 50_000_000 })).toEqual(answers[0]);
    expect(chargesFor(w.C1.id, 'k-concurrent')).toBe(1);
    expect((await w.aOp.caller.credits.balance({ clientId: w.C1.id })).balanceMicros).toBe('50000000');
    expect((await ledgerState(t.db, w.C1.id)).entries).toBe(1n);

    const conflict = await w.aOp.caller.credits.topUp({ ...req, amountMicros: '1' }).catch((e) => e);
    expect([conflict.code, conflict.message]).toEqual([
      'CONFLICT',
      'This idempotency key was already used for a different top-up; use a new key for a new top-up.',
    ]);
    const pm2 = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card('5555555555554444') });
    expect(await codeOf(w.aOp.caller.credits.topUp({ ...req, paymentMethodId: pm2.id }))).toBe('CONFLICT');
    expect(chargesFor(w.C1.id, 'k-concurrent')).toBe(1);
    // the same key on another client is another top-up
    const p = await w.pAdmin.caller.credits.addCard({ clientId: w.P.id, ...card() });
    expect(await codeOf(w.pAdmin.caller.credits.topUp({ ...req, clientId: w.P.id, paymentMethodId: p.id }))).toBe('ok');
  });

  it.each([
    ['declined', '4000000000000002', 'PAYMENT_DECLINED', 'The card was declined by its bank. Try another card.'],
    ['insufficient funds', '4000000000009995', 'INSUFFICIENT_FUNDS', 'The card was declined: insufficient funds.'],
  ])(
    'answers a %s card with a clear error and no ledger entry, the same on a retry',
    async (_l, number, rule, message) => {
      const w = await world();
      const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card(number) });
      const req = { clientId: w.C1.id, amountMicros: 1_000_000, paymentMethodId: pm.id, idempotencyKey: 'k1' };
      for (let i = 0; i < 2; i++) {
        const e = await w.aOp.caller.credits.topUp(req).catch((x) => x);
        expect([e.code, e.message, e.cause?.code]).toEqual(['PAYMENT_REQUIRED', message, rule]);
      }
      expect(chargesFor(w.C1.id, 'k1')).toBe(1);
      expect((await ledgerState(t.db, w.C1.id)).entries).toBe(0n);
      expect(
        (await w.aOp.caller.credits.topUps({ clientId: w.C1.id })).items.map((x) => [x.status, x.declineReason]),
      ).toEqual([['declined', rule === 'INSUFFICIENT_FUNDS' ? 'insufficient_funds' : 'card_declined']]);
    },
  );

  it('refuses bad input with a clear error, touching neither the ledger nor the provider', async () => {
    const w = await world();
    const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
    const other = await w.aOp.caller.credits.addCard({ clientId: w.C2.id, ...card() });
    await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 100,
      paymentMethodId: pm.id,
      idempotencyKey: 'seed',
    });
    const [topUp] = (await w.aOp.caller.credits.topUps({ clientId: w.C1.id })).items;
    await debit(w.C1.id, 60n, 'spend-1'); // balance 40 of a 100 top-up
    const C3 = await w.admin.caller.accounts.create({ parentId: w.A.id, name: 'C3', kind: 'client' });
    const pm3 = await w.aOp.caller.credits.addCard({ clientId: C3.id, ...card() });
    await w.admin.caller.accounts.archive({ accountId: C3.id });
    const top = (amountMicros: unknown, extra: object = {}) =>
      w.aOp.caller.credits.topUp({
        clientId: w.C1.id,
        amountMicros: amountMicros as number,
        paymentMethodId: pm.id,
        idempotencyKey: `bad-${String(amountMicros)}`,
        ...extra,
      });
    const before = {
      ledger: await ledgerState(t.db, w.C1.id),
      calls: providerCalls(),
      cards: (await w.aOp.caller.credits.cards({ clientId: w.C1.id })).items.length,
    };
    const cases: [string, () => Promise<unknown>, string, string][] = [
      [
        'a Luhn-invalid number',
        () => w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card('4242424242424241') }),
        'BAD_REQUEST',
        'number',
      ],
      [
        'an expired card',
        () => w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card(VISA, { expMonth: 1, expYear: 2024 }) }),
        'BAD_REQUEST',
        'expYear',
      ],
      [
        'a two-digit CVC',
        () => w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card(VISA, { cvc: '12' }) }),
        'BAD_REQUEST',
        'cvc',
      ],
      ['a zero amount', () => top(0), 'BAD_REQUEST', 'amountMicros'],
      ['a negative amount', () => top(-5), 'BAD_REQUEST', 'amountMicros'],
      ['a fractional amount', () => top(1.5), 'BAD_REQUEST', 'amountMicros'],
      ['a fractional string', () => top('1.5'), 'BAD_REQUEST', 'amountMicros'],
      ['an over-bigint amount', () => top('99999999999999999999999'), 'BAD_REQUEST', 'amountMicros'],
      ['an amount that is not a number', () => top({ x: 1 }), 'BAD_REQUEST', 'amountMicros'],
      ['an empty idempotency key', () => top(5, { idempotencyKey: '' }), 'BAD_REQUEST', 'idempotencyKey'],
      ['an idempotency key with a NUL', () => top(5, { idempotencyKey: 'a\u0000b' }), 'BAD_REQUEST', 'idempotencyKey'],
      [
        'a refund reason with a NUL',
        () => w.aOp.caller.credits.refund({ topUpId: topUp!.id, amountMicros: 1, reason: 'why\u0000' }),
        'BAD_REQUEST',
        'reason',
      ],
      [
        'a usage day in year 0',
        () => w.aOp.caller.credits.usage({ clientId: w.C1.id, from: '0000-01-01', to: '0000-01-02' }),
        'BAD_REQUEST',
        'from,to',
      ],
      ['a card of another client', () => top(5, { paymentMethodId: other.id }), 'NOT_FOUND', 'paymentMethodId'],
      [
        'a card that does not exist',
        () => top(5, { paymentMethodId: '00000000-0000-4000-8000-000000000000' }),
        'NOT_FOUND',
        'paymentMethodId',
      ],
      [
        'a top-up on an archived client',
        () =>
          w.aOp.caller.credits.topUp({
            clientId: C3.id,
            amountMicros: 5,
            paymentMethodId: pm3.id,
            idempotencyKey: 'archived',
          }),
        'CONFLICT',
        '',
      ],
      [
        'a card on an archived client',
        () => w.aOp.caller.credits.addCard({ clientId: C3.id, ...card() }),
        'CONFLICT',
        '',
      ],
      [
        'a refund above the top-up',
        () => w.aOp.caller.credits.refund({ topUpId: topUp!.id, amountMicros: 101, reason: 'too much' }),
        'BAD_REQUEST',
        'amountMicros',
      ],
      [
        'a refund above the balance',
        () => w.aOp.caller.credits.refund({ topUpId: topUp!.id, amountMicros: 41, reason: 'too much' }),
        'BAD_REQUEST',
        'amountMicros',
      ],
      [
        'a refund of zero',
        () => w.aOp.caller.credits.refund({ topUpId: topUp!.id, amountMicros: 0, reason: 'nothing' }),
        'BAD_REQUEST',
        'amountMicros',
      ],
      [
        'a refund without a reason',
        () => w.aOp.caller.credits.refund({ topUpId: topUp!.id, amountMicros: 1, reason: ' ' }),
        'BAD_REQUEST',
        'reason',
      ],
      [
        'a usage range backwards',
        () => w.aOp.caller.credits.usage({ clientId: w.C1.id, from: '2026-03-02', to: '2026-03-01' }),
        'BAD_REQUEST',
        'to',
      ],
      [
        'a usage day that does not exist',
        () => w.aOp.caller.credits.usage({ clientId: w.C1.id, from: '2026-02-30', to: '2026-03-01' }),
        'BAD_REQUEST',
        'from',
      ],
      [
        'a ledger cursor that is not one',
        () => w.aOp.caller.credits.ledger({ clientId: w.C1.id, cursor: "1' or 1=1" }),
        'BAD_REQUEST',
        'cursor',
      ],
      [
        'a ledger of an unknown entry kind',
        () => w.aOp.caller.credits.ledger({ clientId: w.C1.id, kinds: ['gift' as 'spend'] }),
        'BAD_REQUEST',
        'kinds.0',
      ],
      [
        'a ledger of no kind at all',
        () => w.aOp.caller.credits.ledger({ clientId: w.C1.id, kinds: [] }),
        'BAD_REQUEST',
        'kinds',
      ],
      ['credits of an agency', () => w.aOp.caller.credits.balance({ clientId: w.A.id }), 'BAD_REQUEST', 'clientId'],
    ];
    const got: Record<string, string> = {};
    for (const [label, p, , field] of cases) {
      const e = await p().then(
        () => null,
        (x) => x,
      );
      const fields = () =>
        e.shape?.data?.fieldErrors ??
        e.cause?.fields ??
        e.cause?.issues?.reduce((o: object, i: { path: string[] }) => ({ ...o, [i.path.join('.')]: 1 }), {}) ??
        {};
      got[label] = e ? `${e.code}${field ? ` ${Object.keys(fields()).join(',')}` : ''}` : 'ok';
    }
    expect(got).toEqual(
      Object.fromEntries(cases.map(([label, , code, field]) => [label, field ? `${code} ${field}` : code])),
    );
    expect(await ledgerState(t.db, w.C1.id)).toEqual(before.ledger);
    expect(providerCalls()).toBe(before.calls);
    expect((await w.aOp.caller.credits.cards({ clientId: w.C1.id })).items.length).toBe(before.cards);
  });
});

describe('overage, refunds and adjustments', () => {
  it('records spend beyond the balance as overage, pauses the campaigns, settles the overage first on the next top-up', async () => {
    const w = await world();
    const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
    const k1 = await w.aOp.caller.campaigns.create({ clientId: w.C1.id, name: 'K1' });
    const k2 = await w.aOp.caller.campaigns.create({ clientId: w.C2.id, name: 'K2' });
    await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 100,
      paymentMethodId: pm.id,
      idempotencyKey: 'a',
    });
    await debit(w.C1.id, 150n, 's1');
    expect(await w.aOp.caller.credits.balance({ clientId: w.C1.id })).toMatchObject({
      balanceMicros: '0',
      overageMicros: '50',
    });
    const list = (await w.aOp.caller.campaigns.list({ accountId: w.A.id })).items;
    expect(list.find((c) => c.id === k1.id)).toMatchObject({ status: 'paused', pausedReason: OUT_OF_CREDIT_REASON });
    expect(list.find((c) => c.id === k2.id)).toMatchObject({ status: 'active' });
    const refused = await w.aOp.caller.campaigns.update({ campaignId: k1.id, status: 'active' }).catch((e) => e);
    expect([refused.code, refused.message]).toEqual([
      'CONFLICT',
      'This campaign was paused because the client ran out of credit: top up first, then resume it.',
    ]);

    await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 30,
      paymentMethodId: pm.id,
      idempotencyKey: 'b',
    });
    expect(await w.aOp.caller.credits.balance({ clientId: w.C1.id })).toMatchObject({
      balanceMicros: '0',
      overageMicros: '20',
    });
    expect(await codeOf(w.aOp.caller.campaigns.update({ campaignId: k1.id, status: 'active' }))).toBe('CONFLICT');
    await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 80,
      paymentMethodId: pm.id,
      idempotencyKey: 'c',
    });
    expect(await w.aOp.caller.credits.balance({ clientId: w.C1.id })).toMatchObject({
      balanceMicros: '60',
      overageMicros: '0',
    });
    expect((await w.aOp.caller.campaigns.update({ campaignId: k1.id, status: 'active' })).status).toBe('active');
    const ledger = await w.aAnalyst.caller.credits.ledger({ clientId: w.C1.id });
    expect(ledger.items.map((e) => [e.kind, e.amountMicros, e.overageMicros, e.balanceAfterMicros])).toEqual([
      ['overage_settlement', '-20', '0', '60'],
      ['top_up', '80', '0', '80'],
      ['overage_settlement', '-30', '0', '0'],
      ['top_up', '30', '0', '30'],
      ['spend', '-100', '50', '0'],
      ['top_up', '100', '0', '100'],
    ]);
    const s = await ledgerState(t.db, w.C1.id);
    expect(s.spend + s.recorded_overage).toBe(150n); // spend attributed = spend entries + overage recorded
    expect(s.recorded_overage - s.settled).toBe(s.overage);
    expect(s.sum).toBe(s.balance);
  });

  it('refunds part and then the rest of a top-up to its card, never more', async () => {
    const w = await world();
    const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
    const tu = await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 100,
      paymentMethodId: pm.id,
      idempotencyKey: 'a',
    });
    const calls = providerCalls();
    expect(
      (await w.aOp.caller.credits.refund({ topUpId: tu.id, amountMicros: 40, reason: 'client asked' })).refundedMicros,
    ).toBe('40');
    expect(
      (await w.aOp.caller.credits.refund({ topUpId: tu.id, amountMicros: '60', reason: 'closing' })).refundedMicros,
    ).toBe('100');
    expect(providerCalls()).toBe(calls + 2);
    expect(await codeOf(w.aOp.caller.credits.refund({ topUpId: tu.id, amountMicros: 1, reason: 'again' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(w.aAnalyst.caller.credits.refund({ topUpId: tu.id, amountMicros: 1, reason: 'analyst' }))).toBe(
      'FORBIDDEN',
    );
    expect((await w.aOp.caller.credits.balance({ clientId: w.C1.id })).balanceMicros).toBe('0');
    expect(
      (await w.aOp.caller.credits.ledger({ clientId: w.C1.id })).items.map((e) => [e.kind, e.amountMicros, e.reason]),
    ).toEqual([
      ['refund', '-60', 'closing'],
      ['refund', '-40', 'client asked'],
      ['top_up', '100', null],
    ]);
  });

  it('lets only a platform operator adjust, with a reason, never below zero, and that operator reads no ledger', async () => {
    const w = await world();
    const adj = await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 500, reason: 'goodwill credit' });
    expect(adj).toMatchObject({ clientId: w.C1.id, amountMicros: '500', reason: 'goodwill credit' });
    expect(Object.keys(adj).sort()).toEqual(['amountMicros', 'clientId', 'createdAt', 'reason']);
    expect(
      await codeOf(w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: -200, reason: 'correction' })),
    ).toBe('ok');
    const below = await w.op.caller.credits
      .adjust({ clientId: w.C1.id, amountMicros: -301, reason: 'correction' })
      .catch((e) => e);
    expect([below.code, below.message]).toEqual(['CONFLICT', 'An adjustment may not take the balance below zero.']);
    expect(await codeOf(w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 5, reason: '' }))).toBe(
      'BAD_REQUEST',
    );
    for (const p of [w.admin, w.aOp]) {
      const e = await p.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 5, reason: 'mine' }).catch((x) => x);
      expect([e.code, e.cause?.code]).toEqual(['FORBIDDEN', 'FORBIDDEN_PLATFORM_OPERATOR_ONLY']);
    }
    const c = w.op.caller.credits;
    for (const read of [
      () => c.balance({ clientId: w.C1.id }),
      () => c.ledger({ clientId: w.C1.id }),
      () => c.usage({ clientId: w.C1.id, from: '2026-01-01', to: '2026-01-02' }),
      () => c.cards({ clientId: w.C1.id }),
      () => c.topUps({ clientId: w.C1.id }),
    ]) {
      expect(await codeOf(read())).toBe('NOT_FOUND');
    }
    expect(
      (await w.aOp.caller.credits.ledger({ clientId: w.C1.id })).items.map((e) => [e.kind, e.amountMicros, e.reason]),
    ).toEqual([
      ['adjustment', '-200', 'correction'],
      ['adjustment', '500', 'goodwill credit'],
    ]);
  });
});

describe('credits reads', () => {
  it('pages the ledger with cursors', async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 1_000_000, reason: 'start' });
    for (let i = 0; i < 6; i++) await debit(w.C1.id, 10n, `r${i}`);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await w.aAnalyst.caller.credits.ledger({ clientId: w.C1.id, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...p.items.map((e) => e.reference ?? e.kind));
      cursor = p.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['r5', 'r4', 'r3', 'r2', 'r1', 'r0', 'adjustment']);
  });

  it('pages the ledger of some kinds only: the adjustments among the spend entries, and the spend alone', async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 1_000_000, reason: 'start' });
    for (let i = 0; i < 5; i++) await debit(w.C1.id, 10n, `s${i}`);
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 500, reason: 'goodwill' });
    for (let i = 5; i < 8; i++) await debit(w.C1.id, 10n, `s${i}`);
    const all = async (kinds: ('spend' | 'adjustment' | 'top_up')[]) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const p = await w.aAnalyst.caller.credits.ledger({
          clientId: w.C1.id,
          limit: 2,
          kinds,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...p.items.map((e) => e.reference ?? e.reason ?? e.kind));
        cursor = p.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    expect(await all(['adjustment', 'top_up'])).toEqual(['goodwill', 'start']);
    expect(await all(['spend'])).toEqual(['s7', 's6', 's5', 's4', 's3', 's2', 's1', 's0']);
    // a sibling agency filtering by kind reads no more than without the filter
    expect(await codeOf(w.bOp.caller.credits.ledger({ clientId: w.C1.id, kinds: ['adjustment'] }))).toBe('NOT_FOUND');
  });

  it("answers usage per day in the client's zone and the runway at the last 7 days' average", async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 1_000_000_000, reason: 'start' });
    const now = new Date('2026-03-10T12:00:00Z');
    for (let d = 1; d <= 9; d++) {
      await t.db.transaction().execute((trx) =>
        debitSpend(trx, [{ clientId: w.C1.id, amountMicros: 7_000_000n, reference: `d${d}` }], {
          at: new Date(`2026-03-0${d}T20:00:00Z`),
        }),
      );
    }
    const caller: Caller = await callerAt(t.db, w.aAnalyst.token, now);
    // 20:00 UTC is 06:30 the next day in Adelaide (C1's zone, UTC+10:30 in March)
    const usage = await caller.credits.usage({ clientId: w.C1.id, from: '2026-03-01', to: '2026-03-03' });
    expect(usage).toEqual({
      timeZone: 'Australia/Adelaide',
      currency: 'EUR',
      items: [
        { day: '2026-03-01', spentMicros: '0' },
        { day: '2026-03-02', spentMicros: '7000000' },
        { day: '2026-03-03', spentMicros: '7000000' },
      ],
    });
    const b = await caller.credits.balance({ clientId: w.C1.id });
    // last 7 days: the debits of the 3rd (20:00) to the 9th: 7 x 7 = 49 a week, 7 a day; 937 left -> 133.8 days
    expect(b).toMatchObject({
      balanceMicros: '937000000',
      spentLast7DaysMicros: '49000000',
      runwayDays: 133.8,
      lowBalance: false,
    });
    expect((await w.aAnalyst.caller.credits.balance({ clientId: w.C2.id })).runwayDays).toBeNull();
  });

  it('sets the low-balance threshold, shows the banner, and mails once when a debit crosses it', async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 1000, reason: 'start' });
    expect(await codeOf(w.aAnalyst.caller.credits.setLowBalance({ clientId: w.C1.id, thresholdMicros: 500 }))).toBe(
      'FORBIDDEN',
    );
    expect(await w.aOp.caller.credits.setLowBalance({ clientId: w.C1.id, thresholdMicros: '500' })).toEqual({
      clientId: w.C1.id,
      lowBalanceMicros: '500',
      lowBalance: false,
    });
    await debit(w.C1.id, 600n, 'x1');
    await debit(w.C1.id, 100n, 'x2');
    expect(await w.aOp.caller.credits.balance({ clientId: w.C1.id })).toMatchObject({
      balanceMicros: '300',
      lowBalanceMicros: '500',
      lowBalance: true,
    });
    const mail = await sql<{
      to_email: string;
      body: string;
      link: string | null;
    }>`select to_email, body, link from mail_outbox where subject like 'Low credit balance%' order by to_email`.execute(
      t.db,
    );
    // it links to the client's Billing page
    expect(mail.rows.map((m) => m.link)).toEqual([`/accounts/${w.C1.id}/billing`]);
    // C1 is a standard client: its own admin, who may not see its credits, gets no mail (SPEC 2.2)
    expect(mail.rows.map((m) => m.to_email)).toEqual(['aop@x.test']);
    expect(mail.rows[0]!.body).toContain(
      'The credit balance of C1 is 0.00 EUR, below its low-balance threshold of 0.00 EUR',
    );
    // each recipient finds the alert in their own outbox; nobody else does
    const subjects = async (c: typeof w.c1Admin) =>
      (await c.caller.outbox.list({})).items.filter((m) => m.subject.startsWith('Low credit balance')).map((m) => m.to);
    expect(await subjects(w.c1Admin)).toEqual([]);
    expect(await codeOf(w.c1Admin.caller.credits.balance({ clientId: w.C1.id }))).toBe('FORBIDDEN');
    expect(await subjects(w.aOp)).toEqual(['aop@x.test']);
    expect(await subjects(w.aAnalyst)).toEqual([]);
    expect(await subjects(w.bOp)).toEqual([]);
  });
});

describe('low-balance alert recipients (SPEC 2.2)', () => {
  it.each([
    ['a standard client: only its agency admins and operators', 'C1', ['admin@holding.test', 'aop@x.test'], []],
    [
      'a connected premium client: its agency admins and operators and its own admins',
      'P',
      ['admin@holding.test', 'aop@x.test'],
      ['padmin@x.test'],
    ],
  ] as const)('mails %s', async (_, which, agencySide, own) => {
    const w = await world();
    await grant(t.db, w.admin.user.id, w.A, 'admin');
    if (which === 'P') {
      const request = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
      await w.admin.caller.connections.accept({ connectionId: request.id });
    }
    const client = w[which];
    await w.op.caller.credits.adjust({ clientId: client.id, amountMicros: 1000, reason: 'start' });
    await w.aOp.caller.credits.setLowBalance({ clientId: client.id, thresholdMicros: 500 });
    await w.op.caller.credits.adjust({ clientId: client.id, amountMicros: -700, reason: 'correction' });
    const mail = await sql<{ to_email: string }>`
      select to_email from mail_outbox where subject like 'Low credit balance%' order by to_email`.execute(t.db);
    expect(mail.rows.map((m) => m.to_email)).toEqual([...agencySide, ...own].sort());
    const ownAdmin = which === 'P' ? w.pAdmin : w.c1Admin;
    const alerts = (await ownAdmin.caller.outbox.list({})).items.filter((m) => m.subject.startsWith('Low credit'));
    expect(alerts.map((m) => m.to)).toEqual(own);
  });
});

describe('isolation of credits (SPEC 2.2, 3, 12)', () => {
  it("gives a sibling agency, another client and a standard client's own members nothing of a client's credits", async () => {
    const w = await world();
    const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
    const tu = await w.aOp.caller.credits.topUp({
      clientId: w.C1.id,
      amountMicros: 100,
      paymentMethodId: pm.id,
      idempotencyKey: 'iso',
    });
    const procs = (c: Caller): Record<string, () => Promise<unknown>> => ({
      addCard: () => c.credits.addCard({ clientId: w.C1.id, ...card() }),
      removeCard: () => c.credits.removeCard({ paymentMethodId: pm.id }),
      cards: () => c.credits.cards({ clientId: w.C1.id }),
      topUp: () =>
        c.credits.topUp({
          clientId: w.C1.id,
          amountMicros: 5,
          paymentMethodId: pm.id,
          idempotencyKey: `iso-${Math.random()}`,
        }),
      topUps: () => c.credits.topUps({ clientId: w.C1.id }),
      refund: () => c.credits.refund({ topUpId: tu.id, amountMicros: 1, reason: 'steal it' }),
      adjust: () => c.credits.adjust({ clientId: w.C1.id, amountMicros: 5, reason: 'free money' }),
      setLowBalance: () => c.credits.setLowBalance({ clientId: w.C1.id, thresholdMicros: 5 }),
      balance: () => c.credits.balance({ clientId: w.C1.id }),
      ledger: () => c.credits.ledger({ clientId: w.C1.id }),
      usage: () => c.credits.usage({ clientId: w.C1.id, from: '2026-01-01', to: '2026-01-02' }),
    });
    const run = async (c: Caller) => {
      const out: Record<string, string> = {};
      for (const [k, p] of Object.entries(procs(c))) {
        out[k] = await p().then(
          () => 'ok',
          (e) => `${e.code}${e.cause?.code === 'FORBIDDEN_BY_STANDARD_CLIENT_LIMIT' ? ' standard-client' : ''}`,
        );
      }
      return out;
    };
    const before = await ledgerState(t.db, w.C1.id);
    const N = 'NOT_FOUND';
    const notFound = {
      addCard: N,
      removeCard: N,
      cards: N,
      topUp: N,
      topUps: N,
      refund: N,
      adjust: 'FORBIDDEN',
      setLowBalance: N,
      balance: N,
      ledger: N,
      usage: N,
    };
    expect(await run(w.bOp.caller)).toEqual(notFound);
    expect(await run(w.pAdmin.caller)).toEqual(notFound);
    const S = 'FORBIDDEN standard-client';
    expect(await run(w.c1Admin.caller)).toEqual({
      addCard: S,
      removeCard: S,
      cards: S,
      topUp: S,
      topUps: S,
      refund: S,
      adjust: 'FORBIDDEN',
      setLowBalance: S,
      balance: S,
      ledger: S,
      usage: S,
    });
    expect(await ledgerState(t.db, w.C1.id)).toEqual(before);
    // an analyst of the agency views but does not pay
    const analyst = await run(w.aAnalyst.caller);
    expect(analyst).toMatchObject({
      cards: 'ok',
      topUps: 'ok',
      balance: 'ok',
      ledger: 'ok',
      usage: 'ok',
      addCard: 'FORBIDDEN',
      topUp: 'FORBIDDEN',
      refund: 'FORBIDDEN',
      removeCard: 'FORBIDDEN',
      setLowBalance: 'FORBIDDEN',
    });
  });
});

describe('credits of a premium client seen from its agency (SPEC 2.2)', () => {
  it('show the agency only what happened since the connection began: no earlier top-up, entry, usage, runway or refund', async () => {
    const w = await world();
    const pm = await w.pAdmin.caller.credits.addCard({ clientId: w.P.id, ...card() });
    const early = await w.pAdmin.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 40_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'before-connection',
    });
    await t.db
      .transaction()
      .execute((trx) => debitSpend(trx, [{ clientId: w.P.id, amountMicros: 1_000_000n, reference: 'early-spend' }]));
    const request = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    await w.admin.caller.connections.accept({ connectionId: request.id });
    const today = new Date().toISOString().slice(0, 10);
    const spent = async (c: Caller) =>
      (await c.credits.usage({ clientId: w.P.id, from: today, to: today })).items.reduce(
        (n, i) => n + BigInt(i.spentMicros),
        0n,
      );
    // the client's own admin keeps its whole history
    expect((await w.pAdmin.caller.credits.topUps({ clientId: w.P.id })).items.map((x) => x.id)).toEqual([early.id]);
    expect((await w.pAdmin.caller.credits.ledger({ clientId: w.P.id })).items.map((e) => e.kind).sort()).toEqual([
      'spend',
      'top_up',
    ]);
    expect(await spent(w.pAdmin.caller)).toBe(1_000_000n);
    // the agency starts at the connection
    expect((await w.aAnalyst.caller.credits.topUps({ clientId: w.P.id })).items).toEqual([]);
    expect((await w.aAnalyst.caller.credits.ledger({ clientId: w.P.id })).items).toEqual([]);
    expect(await spent(w.aAnalyst.caller)).toBe(0n);
    // nor does the spend before it count in the balance's last 7 days and runway seen from the agency
    // (spend that began moments ago gives no daily rate yet)
    expect(await w.pAdmin.caller.credits.balance({ clientId: w.P.id })).toMatchObject({
      spentLast7DaysMicros: '1000000',
      runwayDays: null,
      runwayBasis: 'not_enough_spend',
    });
    expect(await w.aAnalyst.caller.credits.balance({ clientId: w.P.id })).toMatchObject({
      balanceMicros: '39000000',
      spentLast7DaysMicros: '0',
      runwayDays: null,
      runwayBasis: 'no_spend',
    });
    expect(
      await codeOf(w.aOp.caller.credits.refund({ topUpId: early.id, amountMicros: 1_000_000, reason: 'not ours' })),
    ).toBe('NOT_FOUND');
    // what happens after the connection, it sees
    const later = await w.aOp.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 5_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'after-connection',
    });
    expect((await w.aAnalyst.caller.credits.topUps({ clientId: w.P.id })).items.map((x) => x.id)).toEqual([later.id]);
    expect((await w.aAnalyst.caller.credits.ledger({ clientId: w.P.id })).items.map((e) => e.kind)).toEqual(['top_up']);
    await t.db.transaction().execute((trx) =>
      debitSpend(trx, [{ clientId: w.P.id, amountMicros: 2_000_000n, reference: 'later-spend' }], {
        at: new Date(Date.now() + 20 * 60_000),
      }),
    );
    expect(await w.aAnalyst.caller.credits.balance({ clientId: w.P.id })).toMatchObject({
      spentLast7DaysMicros: '2000000',
    });
    expect(await w.pAdmin.caller.credits.balance({ clientId: w.P.id })).toMatchObject({
      spentLast7DaysMicros: '3000000',
    });
  });
});

describe('idempotency keys of a premium client seen from its agency (SPEC 2.2, 6)', () => {
  it('never hand the agency a top-up made with the same key before the connection, nor a conflict revealing it', async () => {
    const w = await world();
    const pm = await w.pAdmin.caller.credits.addCard({ clientId: w.P.id, ...card() });
    const early = await w.pAdmin.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 40_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'k-same',
    });
    await w.pAdmin.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 7_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'k-other',
    });
    const request = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    await w.admin.caller.connections.accept({ connectionId: request.id });
    // the same key and request: a new top-up of the agency's, charged anew, not the client's earlier one
    const same = await w.aOp.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 40_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'k-same',
    });
    expect(same.id).not.toBe(early.id);
    expect(same.createdAt).not.toBe(early.createdAt);
    // another amount on a key used before the connection: no IDEMPOTENCY_CONFLICT, a top-up of its own
    const other = await w.aOp.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 1_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'k-other',
    });
    expect(other).toMatchObject({ amountMicros: '1000000', status: 'succeeded' });
    // within the connection a key still answers once
    const retried = await w.aOp.caller.credits.topUp({
      clientId: w.P.id,
      amountMicros: 40_000_000,
      paymentMethodId: pm.id,
      idempotencyKey: 'k-same',
    });
    expect(retried.id).toBe(same.id);
    expect(
      await codeOf(
        w.aOp.caller.credits.topUp({
          clientId: w.P.id,
          amountMicros: 2,
          paymentMethodId: pm.id,
          idempotencyKey: 'k-same',
        }),
      ),
    ).toBe('CONFLICT');
    expect((await w.aAnalyst.caller.credits.topUps({ clientId: w.P.id })).items.map((x) => x.id).sort()).toEqual(
      [same.id, other.id].sort(),
    );
    expect((await w.pAdmin.caller.credits.balance({ clientId: w.P.id })).balanceMicros).toBe('88000000');
  });
});

describe('card data', () => {
  it('never reaches the database, a log line or an error message', async () => {
    const w = await world();
    const secrets = [
      '4242424242424242',
      '4242 4242 4242 4242',
      '5555555555554444',
      '4000000000000002',
      '4242424242424241',
      '9876',
      '987',
    ];
    const logged: string[] = [];
    const orig = {
      log: console.log,
      error: console.error,
      warn: console.warn,
      info: console.info,
      out: process.stdout.write.bind(process.stdout),
      err: process.stderr.write.bind(process.stderr),
    };
    const grab = (...a: unknown[]) => void logged.push(a.map(String).join(' '));
    Object.assign(console, { log: grab, error: grab, warn: grab, info: grab });
    process.stdout.write = (s: string | Uint8Array) => (logged.push(String(s)), true);
    process.stderr.write = (s: string | Uint8Array) => (logged.push(String(s)), true);
    const errors: string[] = [];
    try {
      const pm = await w.aOp.caller.credits.addCard({
        clientId: w.C1.id,
        number: '4242 4242 4242 4242',
        expMonth: 12,
        expYear: 2030,
        cvc: '987',
      });
      await w.aOp.caller.credits.topUp({
        clientId: w.C1.id,
        amountMicros: 100,
        paymentMethodId: pm.id,
        idempotencyKey: 'pan',
      });
      const mc = await w.aOp.caller.credits
        .addCard({ clientId: w.C1.id, number: '5555555555554444', expMonth: 1, expYear: 2031, cvc: '9876' })
        .catch((e) => e);
      errors.push(JSON.stringify({ m: mc.message, d: mc.shape?.data ?? null }));
      const declined = await w.aOp.caller.credits.addCard({
        clientId: w.C1.id,
        number: '4000000000000002',
        expMonth: 1,
        expYear: 2031,
        cvc: '987',
      });
      const d = await w.aOp.caller.credits
        .topUp({ clientId: w.C1.id, amountMicros: 100, paymentMethodId: declined.id, idempotencyKey: 'pan-d' })
        .catch((e) => e);
      errors.push(JSON.stringify({ m: d.message, f: d.cause?.fields ?? null }));
      const bad = await w.aOp.caller.credits
        .addCard({ clientId: w.C1.id, number: '4242424242424241', expMonth: 1, expYear: 2020, cvc: '987' })
        .catch((e) => e);
      errors.push(JSON.stringify({ m: bad.message, f: bad.cause?.fields ?? null }));
    } finally {
      Object.assign(console, { log: orig.log, error: orig.error, warn: orig.warn, info: orig.info });
      process.stdout.write = orig.out;
      process.stderr.write = orig.err;
    }
    // every row of every table, as text
    const tables = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(
      t.db,
    );
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ r: string }>`select t::text as r from ${sql.id(table_name)} t`.execute(t.db);
      dump += rows.rows.map((r) => r.r).join('\n');
    }
    expect(dump).toContain('4242'); // the last four are kept
    const haystack = [dump, ...logged, ...errors].join('\n');
    for (const s of secrets.slice(0, 5)) expect(haystack).not.toContain(s);
    // the CVCs, in the dump without its random ids, hashes, provider references and instants (random hex may hold 9876, a
    // millisecond .987)
    const plain = dump
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
      .replace(/[0-9a-f]{24,}/gi, '<hex>')
      .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?/g, '<instant>');
    expect(plain).not.toMatch(/\b987\b|9876/);
    expect(errors.join('\n')).not.toMatch(/987/);
  });
});

describe('concurrency (SPEC 6)', () => {
  it.each([1, 2, 3, 4])(
    'keeps the balance non-negative and every micro accounted for under 64 concurrent debits and top-ups on one client (seed %i)',
    async (seed) => {
      const w = await world();
      const pm = await w.aOp.caller.credits.addCard({ clientId: w.C1.id, ...card() });
      let s = seed * 7919;
      const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      let debited = 0n;
      let toppedUp = 0n;
      const ops = Array.from({ length: 64 }, (_, i) => {
        if (rand() < 0.5) {
          const items = Array.from({ length: 1 + Math.floor(rand() * 5) }, (_, j) => ({
            clientId: w.C1.id,
            amountMicros: BigInt(1 + Math.floor(rand() * 300)),
            reference: `s${seed}-${i}-${j}`,
          }));
          debited += items.reduce((a, b) => a + b.amountMicros, 0n);
          return t.db.transaction().execute((trx) => debitSpend(trx, items));
        }
        const amount = BigInt(1 + Math.floor(rand() * 400));
        toppedUp += amount;
        return w.aOp.caller.credits.topUp({
          clientId: w.C1.id,
          amountMicros: amount.toString(),
          paymentMethodId: pm.id,
          idempotencyKey: `t${seed}-${i}`,
        });
      });
      await Promise.all(ops);
      const st = await ledgerState(t.db, w.C1.id);
      expect(st.balance).toBeGreaterThanOrEqual(0n);
      expect(st.sum).toBe(st.balance);
      expect(st.top_ups).toBe(toppedUp);
      expect(st.spend + st.recorded_overage).toBe(debited);
      expect(st.bucket_spend).toBe(debited);
      expect(st.recorded_overage - st.settled).toBe(st.overage);
      expect(st.balance).toBe(toppedUp - st.spend - st.settled);
    },
    30_000,
  );
});

describe('usage and runway agree with the ledger (issue 19)', () => {
  it('cut a reconnected client exactly at the connection, inside the 15-minute bucket it began in', async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.P.id, amountMicros: 100_000_000, reason: 'start' });
    const request = await w.pAdmin.caller.connections.request({ clientId: w.P.id, agencyId: w.A.id });
    await w.admin.caller.connections.accept({ connectionId: request.id });
    // the connection began 7 minutes into a bucket of an hour ago; spend 5 minutes before it, 2 after, and later
    const bucket = Math.floor((Date.now() - 3_600_000) / 900_000) * 900_000;
    const since = new Date(bucket + 7 * 60_000);
    await sql`update connections set responded_at = ${since} where id = ${request.id}::uuid`.execute(t.db);
    const spend = async (minutes: number, micros: bigint, reference: string) =>
      t.db.transaction().execute((trx) =>
        debitSpend(trx, [{ clientId: w.P.id, amountMicros: micros, reference }], {
          at: new Date(bucket + minutes * 60_000),
        }),
      );
    await spend(2, 1_000_000n, 'before');
    await spend(9, 20_000n, 'after-in-bucket');
    await spend(25, 300_000n, 'after');
    const agency = w.aAnalyst.caller;
    const ledger = (await agency.credits.ledger({ clientId: w.P.id })).items.filter((e) => e.kind === 'spend');
    const ledgerSpend = ledger.reduce((n, e) => n - BigInt(e.amountMicros), 0n);
    expect(ledgerSpend).toBe(320_000n);
    expect((await agency.credits.balance({ clientId: w.P.id })).spentLast7DaysMicros).toBe('320000');
    const days = [new Date(bucket - 86_400_000), new Date(Date.now() + 86_400_000)].map((d) =>
      d.toISOString().slice(0, 10),
    );
    const usage = await agency.credits.usage({ clientId: w.P.id, from: days[0]!, to: days[1]! });
    expect(usage.items.reduce((n, i) => n + BigInt(i.spentMicros), 0n)).toBe(320_000n);
    // the client's own admin sees all of it
    expect((await w.pAdmin.caller.credits.balance({ clientId: w.P.id })).spentLast7DaysMicros).toBe('1320000');
  });

  it('estimates the runway over the days that had spend, only once a full day of spend exists', async () => {
    const w = await world();
    await w.op.caller.credits.adjust({ clientId: w.C1.id, amountMicros: 1_000_000_000, reason: 'start' });
    const now = new Date('2026-03-10T12:00:00Z');
    // two days of the last seven had spend, 10 each: 10 a day, not 20 / 7
    for (const [day, ref] of [
      ['2026-03-05T01:00:00Z', 'a'],
      ['2026-03-08T01:00:00Z', 'b'],
    ] as const)
      await t.db
        .transaction()
        .execute((trx) =>
          debitSpend(trx, [{ clientId: w.C1.id, amountMicros: 10_000_000n, reference: ref }], { at: new Date(day) }),
        );
    const b = await (await callerAt(t.db, w.aAnalyst.token, now)).credits.balance({ clientId: w.C1.id });
    expect(b).toMatchObject({
      balanceMicros: '980000000',
      spentLast7DaysMicros: '20000000',
      daysWithSpend: 2,
      averageDailySpendMicros: '10000000',
      runwayBasis: 'average',
      runwayDays: 98,
    });
    // seen 23 hours after the first spend: not enough to estimate
    const early = await (
      await callerAt(t.db, w.aAnalyst.token, new Date('2026-03-06T00:00:00Z'))
    ).credits.balance({ clientId: w.C1.id });
    expect(early).toMatchObject({ runwayBasis: 'not_enough_spend', runwayDays: null });
  });
});
