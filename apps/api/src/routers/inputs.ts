import { z } from 'zod';

/**
 * The building blocks of every procedure input (SPEC 9: no request, however malformed, crashes a process).
 * Whatever passes them is safe to hand to PostgreSQL: no NUL or other control character in text (22021), no lone
 * surrogate (which the driver would silently turn into U+FFFD), no number outside a bigint column (22003), no date
 * outside the timestamp range (22007/22008), no cursor that does not decode to what the list expects.
 * New inputs use these rather than bare `z.string()` / `z.number()`; apps/api/src/hostile-input.test.ts runs a
 * corpus of hostile values through every procedure of the router.
 */

/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, minus tab, line feed and carriage return (for multi-line text). */
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate that is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

const codePoints = (s: string) => [...s].length;

/**
 * Text typed by a person: trimmed, NFC, 1..max characters (counted as code points), no control characters, no lone
 * surrogates. `{ min: 0 }` allows the empty string; `{ multiline: true }` allows tab and line breaks.
 */
export function text(max: number, opts: { min?: number; multiline?: boolean } = {}) {
  const min = opts.min ?? 1;
  const control = opts.multiline ? CONTROL_BUT_LINES : CONTROL;
  return (
    z
      .string({ message: 'must be text' })
      .trim()
      .normalize('NFC')
      // Cheap bound first, so a megabyte string is not spread into code points.
      .max(max * 2, { message: `must be at most ${max} characters` })
      .refine((s) => codePoints(s) >= min, {
        message: min === 1 ? 'must not be empty' : `must be at least ${min} characters`,
        abort: true,
      })
      .refine((s) => codePoints(s) <= max, { message: `must be at most ${max} characters`, abort: true })
      .refine((s) => !control.test(s), { message: 'must not contain control characters' })
      .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode text' })
  );
}

/** An email address (trimmed, at most 254 characters); callers still normalize it (`normalizeEmail`). */
export const email = z
  .string({ message: 'must be an email address' })
  .trim()
  .max(254, { message: 'must be at most 254 characters' })
  .pipe(z.email({ message: 'must be an email address' }));

/** A password as typed: not trimmed, 1..200 characters, no NUL, valid Unicode. Strength is a domain rule. */
export const password = z
  .string({ message: 'must be text' })
  .min(1, { message: 'must not be empty' })
  .max(200, { message: 'must be at most 200 characters' })
  .refine((s) => !s.includes('\u0000'), { message: 'must not contain a NUL character' })
  .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode text' });

/** A Trellis id. */
export const id = z.uuid({ message: 'must be a valid id' });

/** A secret token from a link or a previous answer (base64url), never stored as given. */
export const token = z
  .string({ message: 'must be a token' })
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(200, { message: 'must be at most 200 characters' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'is not a valid token' });

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/** An ISO-8601 instant with an offset, a real calendar date, in years 1..9999 UTC (what PostgreSQL and Date agree on). */
export const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 date and time with an offset' })
  .refine(
    (s) => {
      const t = Date.parse(s);
      return Number.isFinite(t) && t >= FIRST_INSTANT && t <= LAST_INSTANT;
    },
    { message: 'is outside the supported range of dates' },
  );

/** A calendar day, YYYY-MM-DD, that exists (no 30 February), years 1..9999. */
export const day = z
  .string({ message: 'must be a day, YYYY-MM-DD' })
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: 'must be a day, YYYY-MM-DD' })
  .refine(
    (s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return Number.isFinite(d.getTime()) && d.toISOString().startsWith(s) && s >= '0001-01-01';
    },
    { message: 'must be a real day' },
  );

/** The range of a PostgreSQL bigint. */
export const BIGINT_MIN = -(2n ** 63n);
export const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * Integer micros (SPEC 10: a JSON number or a string of digits), parsed to a bigint within `[min, max]`. By default
 * money may not be negative (`min: 0n`); signed amounts pass `{ min: -BIGINT_MAX }`, positive ones `{ min: 1n }`.
 */
export function micros(opts: { min?: bigint; max?: bigint } = {}) {
  const min = opts.min ?? 0n;
  const max = opts.max ?? BIGINT_MAX;
  return z
    .union([z.number(), z.string().max(40)], { message: 'must be a whole number of micros' })
    .transform((raw, ctx): bigint => {
      let value: bigint;
      if (typeof raw === 'number') {
        if (!Number.isSafeInteger(raw)) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be a whole number of micros (as a string of digits above 2^53)',
          });
          return z.NEVER;
        }
        value = BigInt(raw);
      } else {
        const s = raw.trim();
        if (!/^-?[0-9]{1,20}$/.test(s)) {
          ctx.addIssue({ code: 'custom', message: 'must be a whole number of micros' });
          return z.NEVER;
        }
        value = BigInt(s);
      }
      if (value < min) {
        ctx.addIssue({ code: 'custom', message: min === 0n ? 'must not be negative' : `must be at least ${min}` });
        return z.NEVER;
      }
      if (value > max) {
        ctx.addIssue({ code: 'custom', message: max === BIGINT_MAX ? 'is too large' : `must be at most ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

/** A page size. */
export const limit = (max: number, fallback: number) =>
  z
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1)
    .max(max)
    .default(fallback);

/** A cursor that is a row's numeric id (bigserial), as a string. */
export const serialCursor = z.string().regex(/^[0-9]{1,18}$/, { message: 'must be a cursor from a previous page' });

/** Encodes a cursor for `nextCursor`; `cursor(shape)` reads it back. */
export const encodeCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * An opaque list cursor: base64url of JSON, decoded and checked against `shape` (use the blocks above inside it,
 * e.g. `cursor(z.object({ at: instant, id }))`). Anything else is BAD_REQUEST, never a query with garbage in it.
 */
export function cursor<T extends z.ZodType>(shape: T) {
  return z
    .string({ message: 'must be a cursor from a previous page' })
    .max(1000, { message: 'must be a cursor from a previous page' })
    .transform((raw, ctx): z.output<T> => {
      let decoded: unknown;
      try {
        if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('not base64url');
        decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a cursor from a previous page' });
        return z.NEVER;
      }
      const parsed = shape.safeParse(decoded);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'must be a cursor from a previous page' });
        return z.NEVER;
      }
      return parsed.data;
    });
}
