import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  filtersCanReturnClient,
  AUCTION_TYPES,
  metrics,
  microsToDecimal,
  presetRange,
  ROW_VISIBILITY,
  rowVisible,
  sharedRowVisible,
  totalsByCurrency,
  validateReportQuery,
  type ReportViewer,
  type RowFacts,
} from './reports';
import { codeOf } from './test-support';

const L1: ReportViewer = { level: 1, root: true };
const L2: ReportViewer = { level: 2, root: false };
const L3: ReportViewer = { level: 3, root: false };
const L3root: ReportViewer = { level: 3, root: true };

const row = (over: Partial<RowFacts>): RowFacts => ({
  account: 'self',
  dealOwner: null,
  seatLinker: 'other',
  auctionType: 'open_auction',
  beforeCurrentConnection: false,
  ...over,
});

describe('the row-visibility table of SPEC 7', () => {
  it('reads like the spec', () => {
    expect(ROW_VISIBILITY).toEqual({
      1: { accounts: 'self_and_descendants', rows: 'all' },
      2: { accounts: 'self_and_descendants', rows: 'all' },
      3: { accounts: 'self', rows: 'own_deals_or_own_seats' },
    });
  });

  //  viewer   attributed     deal owner  seat linker  auction               included
  it.each([
    ['L1', L1, 'self', null, 'self', 'open_auction', true],
    ['L1', L1, 'descendant', null, 'other', 'open_auction', true],
    ['L1', L1, 'descendant', 'other', 'other', 'private_auction', true],
    ['L1', L1, 'descendant', 'self', 'self', 'programmatic_guaranteed', true],
    ['L1', L1, 'other', 'self', 'self', 'private_auction', false],
    ['L2', L2, 'self', null, 'other', 'open_auction', true],
    ['L2', L2, 'descendant', null, 'other', 'open_auction', true],
    ['L2', L2, 'descendant', 'other', 'other', 'preferred_deal', true],
    ['L2', L2, 'other', 'self', 'other', 'preferred_deal', false],
    ['L3', L3, 'self', 'self', 'other', 'private_auction', true],
    ['L3', L3, 'self', 'other', 'other', 'private_auction', false],
    ['L3', L3, 'self', null, 'other', 'open_auction', false],
    ['L3', L3, 'self', 'other', 'self', 'preferred_deal', true],
    ['L3', L3, 'self', null, 'self', 'open_auction', true],
    ['L3', L3, 'other', 'self', 'self', 'private_auction', false],
    ['L3', L3, 'descendant', 'self', 'self', 'private_auction', false],
    ['L3 standalone', L3root, 'self', null, 'self', 'open_auction', true],
    ['L3 standalone', L3root, 'self', 'self', 'self', 'programmatic_guaranteed', true],
    ['L3 standalone', L3root, 'self', 'other', 'other', 'private_auction', false],
  ] as const)(
    '%s: a row attributed to %s, deal by %s, seat linked by %s, %s -> %s',
    (_label, viewer, account, dealOwner, seatLinker, auctionType, want) => {
      expect(rowVisible(viewer, row({ account, dealOwner, seatLinker, auctionType }))).toBe(want);
    },
  );

  it.each([
    ['L1', L1, 'descendant'],
    ['L2', L2, 'descendant'],
    ['L3 (reached from above)', L3, 'self'],
  ] as const)('%s: never a premium client row from before its current connection', (_l, viewer, account) => {
    expect(
      rowVisible(viewer, row({ account, dealOwner: 'self', seatLinker: 'self', beforeCurrentConnection: true })),
    ).toBe(false);
  });

  it("a shared report: the sharer's visibility restricted to the client's own rows", () => {
    const r = row({ account: 'descendant', dealOwner: null, seatLinker: 'other' });
    expect(sharedRowVisible(L2, { ...r, attributedToSharedClient: true })).toBe(true);
    expect(sharedRowVisible(L2, { ...r, attributedToSharedClient: false })).toBe(false);
    expect(sharedRowVisible(L3, { ...r, account: 'self', attributedToSharedClient: true })).toBe(false);
  });

  it("equals a naive reading of the spec's sentences on every combination of facts", () => {
    const naive = (v: ReportViewer, r: RowFacts): boolean => {
      if (r.beforeCurrentConnection) return false;
      // "L1/L2: everything attributed to A or any descendant"
      if (v.level === 1 || v.level === 2) return r.account === 'self' || r.account === 'descendant';
      // "L3: rows attributed to A whose deal was created by A, plus every row on a seat that A linked itself"
      if (r.account !== 'self') return false;
      const onOwnDeal = r.dealOwner === 'self' && r.auctionType !== 'open_auction';
      const onOwnSeat = r.seatLinker === 'self';
      return onOwnDeal || onOwnSeat;
    };
    fc.assert(
      fc.property(
        fc.record({ level: fc.constantFrom(1 as const, 2 as const, 3 as const), root: fc.boolean() }),
        fc
          .record({
            account: fc.constantFrom('self' as const, 'descendant' as const, 'other' as const),
            hasDeal: fc.boolean(),
            dealOwner: fc.constantFrom('self' as const, 'other' as const),
            seatLinker: fc.constantFrom('self' as const, 'other' as const),
            dealType: fc.constantFrom(...AUCTION_TYPES.filter((t) => t !== 'open_auction')),
            beforeCurrentConnection: fc.boolean(),
          })
          .map(({ hasDeal, dealOwner, dealType, ...r }): RowFacts => ({
            ...r,
            dealOwner: hasDeal ? dealOwner : null,
            auctionType: hasDeal ? dealType : 'open_auction',
          })),
        (v, r) => rowVisible(v, r) === naive(v, r),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('report queries', () => {
  const q = { from: '2026-03-01', to: '2026-03-31', groupBy: ['day', 'account'] as const, filters: {} };
  it('accepts a month grouped by day and account', () => {
    expect(codeOf(() => validateReportQuery({ ...q, groupBy: [...q.groupBy] }))).toBe('ok');
  });
  it.each([
    ['a range ending before it starts', { from: '2026-03-02', to: '2026-03-01' }],
    ['a day that does not exist', { from: '2026-02-30' }],
    ['more than 400 days', { from: '2025-01-01', to: '2026-03-01' }],
    ['hours over more than 92 days', { from: '2026-01-01', to: '2026-06-01', groupBy: ['hour'] }],
    ['a dimension twice', { groupBy: ['day', 'day'] }],
    ['an unknown dimension', { groupBy: ['colour'] }],
    ['an unknown auction type filter', { filters: { auctionType: ['auction'] } }],
    ['an empty filter', { filters: { dsp: [] } }],
  ])('refuses %s', (_l, over) => {
    expect(codeOf(() => validateReportQuery({ ...q, ...over } as never))).toBe('INVALID_INPUT');
  });

  it.each([
    ['today', '2026-03-29', '2026-03-29'],
    ['yesterday', '2026-03-28', '2026-03-28'],
    ['last7', '2026-03-23', '2026-03-29'],
    ['last30', '2026-02-28', '2026-03-29'],
    ['thisMonth', '2026-03-01', '2026-03-29'],
    ['lastMonth', '2026-02-01', '2026-02-28'],
  ] as const)('the preset %s on 2026-03-29 covers %s .. %s', (preset, from, to) => {
    expect(presetRange(preset, '2026-03-29')).toEqual({ from, to });
  });
});

describe('metrics', () => {
  it('computes CTR and eCPM in integers, rounding half up, and nothing without impressions', () => {
    expect(metrics(3n, 1n, 1_000_000n)).toEqual({ ctr: 0.333333, ecpmMicros: 333_333_333n });
    expect(metrics(2000n, 3n, 5n)).toEqual({ ctr: 0.0015, ecpmMicros: 3n }); // 2.5 micros -> 3
    expect(metrics(0n, 0n, 5n)).toEqual({ ctr: null, ecpmMicros: null });
  });

  it('never sums spend across currencies', () => {
    const t = totalsByCurrency([
      { currency: 'USD', impressions: 10n, clicks: 1n, spendMicros: 7n },
      { currency: 'EUR', impressions: 1000n, clicks: 0n, spendMicros: 2_000_000n },
      { currency: 'USD', impressions: 10n, clicks: 1n, spendMicros: 9_007_199_254_740_993n },
    ]);
    expect(t.map((x) => [x.currency, x.spendMicros])).toEqual([
      ['EUR', 2_000_000n],
      ['USD', 9_007_199_254_741_000n],
    ]);
    expect(t[0]!.ecpmMicros).toBe(2_000_000n);
  });

  it.each([
    [0n, '0.00'],
    [1n, '0.000001'],
    [1_500_000n, '1.50'],
    [123_456_789n, '123.456789'],
    [9_223_372_036_854_775_807n, '9223372036854.775807'],
  ])('shows %s micros as %s currency units', (m, s) => {
    expect(microsToDecimal(m)).toBe(s);
  });
});

describe('filtersCanReturnClient', () => {
  const path = ['holding', 'agency', 'acme'];
  it.each([
    ['no filter', {}, [], true],
    ['an account filter naming the client', { account: ['acme'] }, [], true],
    ['an account filter naming its agency', { account: ['agency'] }, [], true],
    ['an account filter naming another client only', { account: ['other'] }, [], false],
    ['a campaign filter on one of its campaigns', { campaign: ['c1'] }, ['acme'], true],
    ["a campaign filter on another client's campaigns", { campaign: ['c2'] }, ['other'], false],
    ['a DSP filter (any client may have such rows)', { dsp: ['ttd'] }, [], true],
  ] as const)('%s: %s', (_, filters, campaignClients, expected) => {
    expect(filtersCanReturnClient(filters, path, campaignClients)).toBe(expected);
  });
});
