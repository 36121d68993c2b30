import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seatMayTransact } from './deals';
import { SeatDealIndex } from './seat-deal-index';

const paths = new Map<string, string[]>([
  ['H', ['H']],
  ['A', ['H', 'A']],
  ['A1', ['H', 'A', 'A1']],
  ['B', ['H', 'B']],
  ['B1', ['H', 'B', 'B1']],
]);
const day = (d: number) => new Date(Date.UTC(2026, 0, d));

describe('SeatDealIndex', () => {
  const index = new SeatDealIndex({
    paths,
    mappings: [
      { seatId: 's', dsp: 'dv360', accountId: 'H', from: day(1), to: day(10) },
      { seatId: 's', dsp: 'dv360', accountId: 'A1', from: day(10), to: day(20) },
      { seatId: 's', dsp: 'dv360', accountId: 'B1', from: day(20), to: null },
    ],
    deals: [
      { id: 'h', ownerId: 'H', dsps: ['dv360', 'ttd'], startsAt: null, endsAt: null },
      { id: 'a', ownerId: 'A', dsps: ['dv360'], startsAt: null, endsAt: day(15) },
      { id: 'b', ownerId: 'B', dsps: ['dv360'], startsAt: null, endsAt: null },
      { id: 'a-ttd', ownerId: 'A', dsps: ['ttd'], startsAt: null, endsAt: null },
    ],
  });
  it.each([
    [day(0), null, []],
    [day(5), 'H', ['h']],
    [day(10), 'A1', ['h', 'a']],
    [day(16), 'A1', ['h']],
    [day(25), 'B1', ['h', 'b']],
  ])('at %s the seat sits on %s and may use %j', (at, holder, dealIds) => {
    expect(index.holderAt('s', at)).toBe(holder);
    expect(index.dealsAt('s', at).sort()).toEqual([...dealIds].sort());
  });

  it('agrees with seatMayTransact over a linear scan, on random histories and deals', () => {
    const accountIds = [...paths.keys()];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...accountIds), fc.integer({ min: 1, max: 5 })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(
          fc.record({
            owner: fc.constantFrom(...accountIds),
            dsp: fc.constantFrom('dv360', 'ttd'),
            start: fc.option(fc.integer({ min: 0, max: 30 })),
            len: fc.integer({ min: 0, max: 30 }),
          }),
          { maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 40 }),
        (hops, dealSpecs, atDay) => {
          let t = 1;
          const mappings = hops.map(([accountId, len], i) => {
            const m = {
              seatId: 's',
              dsp: 'dv360',
              accountId,
              from: day(t),
              to: i === hops.length - 1 ? null : day(t + len),
            };
            t += len;
            return m;
          });
          const deals = dealSpecs.map((d, i) => ({
            id: `d${i}`,
            ownerId: d.owner,
            dsps: [d.dsp],
            startsAt: d.start === null ? null : day(d.start),
            endsAt: d.start === null ? null : day(d.start + d.len),
          }));
          const at = day(atDay);
          const live = mappings.find(
            (m) => m.from.getTime() <= at.getTime() && (m.to === null || at.getTime() < m.to.getTime()),
          );
          const want = live
            ? deals
                .filter((d) =>
                  seatMayTransact(
                    { dsp: 'dv360', holderPath: paths.get(live.accountId)! },
                    { ...d, ownerPath: paths.get(d.ownerId)! },
                    at,
                  ),
                )
                .map((d) => d.id)
                .sort()
            : [];
          expect(new SeatDealIndex({ paths, mappings, deals }).dealsAt('s', at).sort()).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
