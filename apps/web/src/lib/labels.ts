import type { RouterInputs } from './trpc';

type Dsp = RouterInputs['seats']['link']['dsp'];
type DealType = RouterInputs['deals']['create']['type'];

/** Every DSP the api accepts (the Record type makes the compiler check the list is complete). */
export const DSP_LABEL: Record<Dsp, string> = {
  dv360: 'Display & Video 360',
  ttd: 'The Trade Desk',
  xandr: 'Xandr Invest',
  amazon: 'Amazon DSP',
  yahoo: 'Yahoo DSP',
};
export const DSPS = Object.keys(DSP_LABEL) as Dsp[];

export const DEAL_TYPE_LABEL: Record<DealType, string> = {
  preferred_deal: 'Preferred deal',
  private_auction: 'Private auction',
  programmatic_guaranteed: 'Programmatic guaranteed',
};
export const DEAL_TYPES = Object.keys(DEAL_TYPE_LABEL) as DealType[];
