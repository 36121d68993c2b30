import { describe, expect, it } from 'vitest';
import { actionLabel, describeChange, namesFromEntries, show, type Ctx } from './describe';

describe('audit action labels', () => {
  it('names every credits, ingest-key and report action in words, and reads any other in lower-case words', () => {
    for (const [action, label] of [
      ['credits.topUp', 'Credits topped up'],
      ['credits.setLowBalance', 'Low-balance alert changed'],
      ['credits.addCard', 'Card added'],
      ['ingestKey.revoke', 'Ingest key revoked'],
      ['report.share', 'Report shared'],
      ['connection.withdraw', 'Request withdrawn'],
      ['credits.spend_correction', 'Spend corrected'],
      ['spend.setCorrectionWindow', 'Correction window changed'],
      ['something.newThingDone', 'Something new thing done'],
    ])
      expect(actionLabel(action!)).toBe(label);
  });
});

describe('audit entries in the product words', () => {
  const ctx = (names: [string, string][] = []): Ctx => ({ currency: 'EUR', timeZone: 'UTC', names: new Map(names) });
  const CLIENT = '3f2b8c1e-1111-4aaa-8bbb-000000000001';
  const CARD = '3f2b8c1e-2222-4aaa-8bbb-000000000002';
  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-/;

  it('names a card the viewer added "Visa •••• 4242", never its parts or its id', () => {
    const added = {
      id: CARD,
      clientId: CLIENT,
      brand: 'visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
      expired: false,
    };
    const lines = describeChange(null, added, ctx([[CLIENT, 'Acme Foods']]));
    expect(lines).toEqual(['card: Visa •••• 4242', 'expiry month: 12', 'expiry year: 2030']);
  });

  it('shows a top-up with its card and amounts, without the idempotency key, micros or raw ids', () => {
    const before = { balanceMicros: '0', overageMicros: '0' };
    const after = {
      id: 'x',
      clientId: CLIENT,
      amountMicros: '50000000',
      paymentMethodId: CARD,
      status: 'succeeded',
      declineReason: null,
      refundedMicros: '0',
      idempotencyKey: 'topup-7f3a',
      createdAt: '2026-03-01T10:00:00.000Z',
      card: 'visa 4242',
      settledOverageMicros: '0',
      balanceMicros: '50000000',
      overageMicros: '0',
    };
    const text = describeChange(before, after, ctx([[CLIENT, 'Acme Foods']])).join(' / ');
    expect(text).toContain('amount: €50.00');
    expect(text).toContain('card: Visa •••• 4242');
    expect(text).toContain('balance: €0.00 → €50.00');
    expect(text).not.toMatch(/idempotency|topup-7f3a|micros|Micros/i);
    expect(text).not.toMatch(UUID);
  });

  it('shows a spend correction by its amount and counts, never the batches it came from (SPEC 13)', () => {
    const after = { clients: 2, events: 14, deltaMicros: '-1250000', batches: [CLIENT, CARD] };
    const text = describeChange(null, after, ctx()).join(' / ');
    expect(text).toContain('delta: -€1.25');
    expect(text).toContain('events: 14');
    expect(text).not.toMatch(/batch|micros/i);
    expect(text).not.toMatch(UUID);
  });

  it('counts what a disconnect removed in words', () => {
    const after = {
      client: 'Orbit',
      agency: 'Bright Media',
      endedBySide: 'client',
      seatsReturned: 1,
      campaignsPaused: 2,
      campaignsWithDealsRemoved: 3,
      invitationsRevoked: 1,
      cardsRemoved: 1,
      reportsDeleted: 1,
      reportsUnshared: 2,
    };
    expect(describeChange(null, after, ctx())).toEqual([
      'client: Orbit',
      'agency: Bright Media',
      'ended by: client',
      'seats returned: 1',
      'campaigns paused: 2',
      "campaigns that lost the agency's deals: 3",
      'invitations revoked: 1',
      'cards removed: 1',
      'reports deleted: 1',
      'reports no longer shared: 2',
    ]);
  });

  it('says a repeated field once: "client: Acme Foods", not also "client name: Acme Foods"', () => {
    expect(describeChange(null, { clientId: CLIENT, clientName: 'Acme Foods' }, ctx([[CLIENT, 'Acme Foods']]))).toEqual(
      ['client: Acme Foods'],
    );
    expect(describeChange(null, { clientId: CLIENT, clientName: 'Acme Foods' }, ctx())).toEqual(['client: Acme Foods']);
  });

  it('names a card a refund refers to from the entry that added it, and never prints an id it cannot name', () => {
    const names = namesFromEntries([
      { entityId: CARD, after: { id: CARD, brand: 'mastercard', last4: '4444' } },
      { entityId: 'r', before: null, after: { name: 'x' } },
    ]);
    expect(names.get(CARD)).toBe('Mastercard •••• 4444');
    expect(show('paymentMethodId', CARD, ctx([...names]))).toBe('Mastercard •••• 4444');
    expect(show('paymentMethodId', CARD, ctx())).toBe('a card');
    expect(show('note', CLIENT, ctx())).toBe('another record');
  });
});
