import { z } from 'zod';
import { parseMoney } from './money';

/** A zod string that must read as money (in the user's locale); optional ones may stay empty. */
export const moneyString = (opts: { optional?: boolean; allowNegative?: boolean } = {}) =>
  z.string().superRefine((v, ctx) => {
    if (opts.optional && v.trim() === '') return;
    const r = parseMoney(v, opts);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  });
export const toMicros = (v: string) => {
  const r = parseMoney(v);
  return r.ok ? r.micros : null;
};
