import { flightCovers } from './deals';

/**
 * An in-memory answer to "which deals may seat S transact on at time T" (SPEC 4-5), for hot paths such as the spend
 * worker, built from the mapping history, the account tree and the deals. Same rule as `seatMayTransact`: the deal's
 * owner is the account the seat was mapped to at T or one of its ancestors, the deal runs on the seat's DSP, and its
 * flight covers T.
 */
export interface SeatDealIndexInput {
  /** Every account's path, root first, this account last. */
  paths: ReadonlyMap<string, readonly string[]>;
  mappings: readonly { seatId: string; dsp: string; accountId: string; from: Date; to: Date | null }[];
  deals: readonly {
    id: string;
    ownerId: string;
    dsps: readonly string[];
    startsAt: Date | null;
    endsAt: Date | null;
  }[];
}

interface Period {
  from: number;
  to: number;
  accountId: string;
}
type IndexedDeal = SeatDealIndexInput['deals'][number];

export class SeatDealIndex {
  private readonly periods = new Map<string, { dsp: string; periods: Period[] }>();
  /** owner id -> dsp -> deals */
  private readonly dealsByOwner = new Map<string, Map<string, IndexedDeal[]>>();

  constructor(private readonly input: SeatDealIndexInput) {
    for (const m of input.mappings) {
      const entry = this.periods.get(m.seatId) ?? { dsp: m.dsp, periods: [] };
      entry.periods.push({
        from: m.from.getTime(),
        to: m.to?.getTime() ?? Number.POSITIVE_INFINITY,
        accountId: m.accountId,
      });
      this.periods.set(m.seatId, entry);
    }
    for (const e of this.periods.values()) e.periods.sort((a, b) => a.from - b.from);
    for (const d of input.deals) {
      const byDsp = this.dealsByOwner.get(d.ownerId) ?? new Map<string, IndexedDeal[]>();
      for (const dsp of d.dsps) {
        const list = byDsp.get(dsp) ?? [];
        list.push(d);
        byDsp.set(dsp, list);
      }
      this.dealsByOwner.set(d.ownerId, byDsp);
    }
  }

  /** The account the seat was mapped to at `at` (mappings are half-open: [from, to)), or null. */
  holderAt(seatId: string, at: Date): string | null {
    const entry = this.periods.get(seatId);
    if (!entry) return null;
    const t = at.getTime();
    const ps = entry.periods;
    let lo = 0;
    let hi = ps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ps[mid]!.from <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && t < ps[found]!.to ? ps[found]!.accountId : null;
  }

  /** Ids of the deals the seat may transact on at `at`. */
  dealsAt(seatId: string, at: Date): string[] {
    const holder = this.holderAt(seatId, at);
    if (holder === null) return [];
    const dsp = this.periods.get(seatId)!.dsp;
    const out: string[] = [];
    for (const owner of this.input.paths.get(holder) ?? []) {
      for (const d of this.dealsByOwner.get(owner)?.get(dsp) ?? []) if (flightCovers(d, at)) out.push(d.id);
    }
    return out;
  }
}
