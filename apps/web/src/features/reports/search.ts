import { z } from 'zod';

/** Every choice of the Reports screen lives in the URL, so a report can be bookmarked and shared as a link. */
export const DIMENSIONS = [
  'hour',
  'day',
  'month',
  'account',
  'dsp',
  'seat',
  'deal',
  'auctionType',
  'campaign',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const AUCTION_TYPES = ['open_auction', 'private_auction', 'preferred_deal', 'programmatic_guaranteed'] as const;
/** `month`: a calendar month picked by its `month` (YYYY-MM); `custom`: the days in `from` and `to`. */
export const PRESETS = ['today', 'yesterday', 'last7', 'last30', 'thisMonth', 'lastMonth', 'month', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];
/** The presets the server knows too (a saved report keeps them and they move with today). */
export type MovingPreset = Exclude<Preset, 'month' | 'custom'>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const reportsSearch = z.object({
  preset: z.enum(PRESETS).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
  compare: z.enum(['previous_period']).optional().catch(undefined),
  groupBy: z.array(z.enum(DIMENSIONS)).max(9).optional().catch(undefined),
  auctionType: z.enum(AUCTION_TYPES).optional().catch(undefined),
  dsp: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/)
    .optional()
    .catch(undefined),
  account: z.uuid().optional().catch(undefined),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .catch(undefined),
});
export type ReportsSearch = z.infer<typeof reportsSearch>;

export const sharedReportsSearch = z.object({
  report: z.uuid().optional().catch(undefined),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .catch(undefined),
});
export type SharedReportsSearch = z.infer<typeof sharedReportsSearch>;
