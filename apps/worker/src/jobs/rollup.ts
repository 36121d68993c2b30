/**
 * The worker's rollup job: one unit of the incremental rollup of spend (claim a root, aggregate its safe range, debit
 * its clients, advance the watermark, in one transaction). It lives in @trellis/db (`spend.rollupUnit`), which the
 * demo seed also runs to turn its month of history into debits the way the worker does.
 */
import { spend } from '@trellis/db';

export type { RollupOptions, RollupDone } from '@trellis/db';
export const rollup = spend.rollupUnit;
