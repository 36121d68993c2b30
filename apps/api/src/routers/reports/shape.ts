import { z } from 'zod';
import {
  AUCTION_TYPES,
  COMPARISONS,
  MAX_FILTER_VALUES,
  metrics,
  RANGE_PRESETS,
  REPORT_DIMENSIONS,
  type Compared,
  type ReportFilters,
} from '@trellis/domain';
import type { reports } from '@trellis/db';
import { day, text } from '../inputs';
import { id } from '../shapes';

/** Report inputs and outputs (SPEC 10: reports.*). */
export { day };
const values = <T extends z.ZodType>(v: T) =>
  z.array(v).min(1, 'names no value').max(MAX_FILTER_VALUES, `at most ${MAX_FILTER_VALUES} values`);
export const filtersIn = z
  .object({
    account: values(id).optional(),
    dsp: values(z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be a DSP name')).optional(),
    seat: values(id).optional(),
    deal: values(id).optional(),
    auctionType: values(z.enum(AUCTION_TYPES)).optional(),
    campaign: values(id).optional(),
  })
  .strict();
export const groupByIn = z.array(z.enum(REPORT_DIMENSIONS)).max(REPORT_DIMENSIONS.length);
/** A comparison: 'previous_period' (the same length just before; for calendar months the months before). */
export const compareIn = z.enum(COMPARISONS);
export const runInput = z.object({
  accountId: id,
  from: day,
  to: day,
  groupBy: groupByIn,
  filters: filtersIn.optional(),
  compare: compareIn.optional(),
});
export type RunInput = z.infer<typeof runInput>;

/** A saved query: groupings, filters, and a range that is either a preset (moves with the days) or fixed days. */
export const savedQueryIn = z
  .object({
    groupBy: groupByIn,
    filters: filtersIn.optional(),
    range: z.union([z.object({ preset: z.enum(RANGE_PRESETS) }).strict(), z.object({ from: day, to: day }).strict()]),
    compare: compareIn.optional(),
  })
  .strict();
export type SavedQuery = z.infer<typeof savedQueryIn>;

/** A report's name: 1-120 characters, trimmed, NFC, no control characters or lone surrogates. */
export const reportName = text(120);

export const runSavedInput = z.object({
  reportId: id,
  from: day.optional(),
  to: day.optional(),
  clientId: id.optional(),
  /** Compare with the previous period even if the saved report does not. */
  compare: compareIn.optional(),
});
export type RunSavedInput = z.infer<typeof runSavedInput>;

const metricsOut = {
  currency: z.string(),
  impressions: z.number(),
  clicks: z.number(),
  spendMicros: z.string(),
  /** SPEC 13: the net difference of corrected records included in spendMicros (negative for a credit). */
  correctionMicros: z.string(),
  ctr: z.number().nullable(),
  ecpmMicros: z.string().nullable(),
  /** With `compare`: the previous period's figures of the same group, and the change of spend. */
  previousImpressions: z.number().optional(),
  previousClicks: z.number().optional(),
  previousSpendMicros: z.string().optional(),
  spendChangeMicros: z.string().optional(),
  /** A whole percentage; null when the previous period had no spend ("new"). */
  spendChangePercent: z.number().int().nullable().optional(),
};
export const rowOut = z.object({
  hour: z.string().optional(),
  day: z.string().optional(),
  month: z.string().optional(),
  accountId: z.string().optional(),
  accountName: z.string().nullable().optional(),
  dsp: z.string().optional(),
  seatId: z.string().optional(),
  seatName: z.string().nullable().optional(),
  dealId: z.string().nullable().optional(),
  dealExternalId: z.string().nullable().optional(),
  dealName: z.string().nullable().optional(),
  auctionType: z.string().optional(),
  campaignId: z.string().nullable().optional(),
  campaignName: z.string().nullable().optional(),
  ...metricsOut,
});
export const totalOut = z.object(metricsOut);
export const reportOut = z.object({
  rows: z.array(rowOut),
  totals: z.array(totalOut),
  /** More rows than a report returns: narrow it, or export it as CSV. */
  truncated: z.boolean(),
  completeUntil: z.string().nullable(),
  timeZone: z.string(),
  from: z.string(),
  to: z.string(),
  groupBy: z.array(z.enum(REPORT_DIMENSIONS)),
  /** The days the report is compared with (null without `compare`). */
  previous: z.object({ from: z.string(), to: z.string() }).nullable(),
  /**
   * A client's own report (SPEC 7's L3 rule) for a viewer who may see its credits: what its credits were charged in
   * the report's days, as its Billing page's usage sums them (null otherwise).
   */
  charged: z.object({ accountId: z.string(), currency: z.string(), chargedMicros: z.string() }).nullable(),
});
export type ReportOut = z.infer<typeof reportOut>;

/** A report row as the API answers it (one fixed shape: see `reports.rowReader`). */
export function toRowOut(r: reports.ReportRowOut & Partial<Compared>): z.infer<typeof rowOut> {
  const m = metrics(r.impressions, r.clicks, r.spendMicros);
  return {
    hour: r.hour,
    day: r.day,
    month: r.month,
    accountId: r.accountId,
    accountName: r.accountName,
    dsp: r.dsp,
    seatId: r.seatId,
    seatName: r.seatName,
    dealId: r.dealId,
    dealExternalId: r.dealExternalId,
    dealName: r.dealName,
    auctionType: r.auctionType,
    campaignId: r.campaignId,
    campaignName: r.campaignName,
    currency: r.currency,
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    spendMicros: r.spendMicros.toString(),
    correctionMicros: r.correctionMicros.toString(),
    ctr: m.ctr,
    ecpmMicros: m.ecpmMicros?.toString() ?? null,
    ...comparedOut(r),
  };
}

/** The comparison's fields on the wire, when the row has them (money as strings of micros). */
function comparedOut(r: Partial<Compared>) {
  if (r.previousSpendMicros === undefined) return {};
  return {
    previousImpressions: Number(r.previousImpressions),
    previousClicks: Number(r.previousClicks),
    previousSpendMicros: r.previousSpendMicros.toString(),
    spendChangeMicros: r.spendChangeMicros!.toString(),
    spendChangePercent: r.spendChangePercent ?? null,
  };
}

export function toTotalOut(
  t: {
    currency: string;
    impressions: bigint;
    clicks: bigint;
    spendMicros: bigint;
    correctionMicros: bigint;
  } & Partial<Compared>,
): z.infer<typeof totalOut> {
  const m = metrics(t.impressions, t.clicks, t.spendMicros);
  return {
    currency: t.currency,
    impressions: Number(t.impressions),
    clicks: Number(t.clicks),
    spendMicros: t.spendMicros.toString(),
    correctionMicros: t.correctionMicros.toString(),
    ctr: m.ctr,
    ecpmMicros: m.ecpmMicros?.toString() ?? null,
    ...comparedOut(t),
  };
}

export const filtersOf = (f: z.infer<typeof filtersIn> | undefined): ReportFilters => {
  const out: ReportFilters = {};
  for (const [k, v] of Object.entries(f ?? {}))
    if (v) (out as Record<string, readonly string[]>)[k] = [...new Set(v as string[])];
  return out;
};

export const savedOut = z.object({
  id: z.string(),
  accountId: z.string(),
  name: z.string(),
  query: savedQueryIn,
  createdAt: z.string(),
  shares: z.array(z.object({ clientId: z.string(), clientName: z.string(), sharedAt: z.string() })),
  /** The clients it may still be shared with: below its account, and whose rows its filters can return. */
  shareTo: z.array(z.object({ id: z.string(), name: z.string() })),
});
