import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@trellis/db/testing';
import { createContextInner } from '../context';
import { codeOf } from '../testing';
import { createCallerFactory, publicProcedure, router } from '../trpc';
import { cursor, day, email, encodeCursor, id, instant, micros, password, text, token } from './inputs';

const ok = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;
const out = (schema: z.ZodType, value: unknown) => schema.parse(value);

describe('text(max)', () => {
  it.each([
    ['a name', 'Acme', true],
    ['120 characters', 'x'.repeat(120), true],
    ['120 emoji (240 UTF-16 units)', '😀'.repeat(120), true],
    ['121 characters', 'x'.repeat(121), false],
    ['only spaces', '   ', false],
    ['a NUL', 'a\u0000b', false],
    ['a tab', 'a\tb', false],
    ['a line break', 'a\nb', false],
    ['DEL', 'a\u007fb', false],
    ['a C1 control', 'a\u0085b', false],
    ['a lone surrogate', 'a\ud800b', false],
    ['a number', 42, false],
  ])('%s: %s', (_label, value, accepted) => {
    expect(ok(text(120), value)).toBe(accepted);
  });

  it('trims and composes (NFC) what it keeps', () => {
    expect(out(text(10), '  Cafe\u0301 ')).toBe('Café');
  });

  it('allows line breaks and tabs only when multi-line, and the empty string only with min 0', () => {
    expect(ok(text(100, { multiline: true }), 'a\r\n\tb')).toBe(true);
    expect(ok(text(100, { multiline: true }), 'a\u0000b')).toBe(false);
    expect(ok(text(100, { min: 0 }), '')).toBe(true);
    expect(ok(text(100), '')).toBe(false);
  });
});

describe('email, password, token, id, instant', () => {
  it.each([
    ['email', email, 'a@b.test', true],
    ['email with a NUL', email, 'a\u0000@b.test', false],
    ['email of 255 characters', email, `${'a'.repeat(248)}@b.test`, false],
    ['password with spaces', password, ' a  long pass ', true],
    ['password with a NUL', password, 'long password\u0000', false],
    ['password of 201 characters', password, 'x'.repeat(201), false],
    ['token', token, 'AbC_-123', true],
    ['token with a NUL', token, 'abc\u0000', false],
    ['id', id, '7b0c4d5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e', true],
    ['id with a NUL', id, '7b0c4d5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e\u0000', false],
    ['instant', instant, '2026-11-25T21:30:00+01:00', true],
    ['instant on 30 February', instant, '2026-02-30T00:00:00Z', false],
    ['instant without offset', instant, '2026-11-25T21:30:00', false],
    ['instant in 1850', instant, '1850-06-01T00:00:00Z', true],
    ['instant in year 1', instant, '0001-01-01T00:00:00Z', true],
    ['instant in year 0', instant, '0000-12-31T23:59:59Z', false],
    ['instant past 9999 UTC', instant, '9999-12-31T23:59:59-01:00', false],
    ['day', day, '2028-02-29', true],
    ['day that does not exist', day, '2026-02-29', false],
    ['day zero', day, '0000-01-01', false],
    ['day with a time', day, '2026-11-25T00:00:00Z', false],
  ])('%s', (_label, schema, value, accepted) => {
    expect(ok(schema, value)).toBe(accepted);
  });
});

describe('micros', () => {
  it.each([
    ['a number', 1_500_000, 1_500_000n],
    ['a string of digits', ' 2500000 ', 2_500_000n],
    ['zero', 0, 0n],
    ['the largest bigint', '9223372036854775807', 9_223_372_036_854_775_807n],
  ])('takes %s', (_label, value, expected) => {
    expect(out(micros(), value)).toBe(expected);
  });

  it.each([
    ['2^63', '9223372036854775808'],
    ['2^63 as a number', 2 ** 63],
    ['a negative amount', -1],
    ['a fraction', 1.5],
    ['a fraction string', '1.5'],
    ['an exponent', '1e309'],
    ['NaN', 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a non-ASCII digit', '١٢٣'],
    ['a boolean', true],
  ])('refuses %s', (_label, value) => {
    expect(ok(micros(), value)).toBe(false);
  });

  it('takes signed amounts within the bigint range when asked', () => {
    const signed = micros({ min: -(2n ** 63n) + 1n });
    expect(out(signed, '-5000000')).toBe(-5_000_000n);
    expect(ok(signed, '-9223372036854775808')).toBe(false);
    expect(ok(micros({ min: 1n }), 0)).toBe(false);
  });
});

describe('cursor(shape)', () => {
  const position = cursor(z.object({ at: instant, id }));
  const good = { at: '2026-11-25T21:30:00.000Z', id: '7b0c4d5e-1f2a-4b3c-8d4e-5f6a7b8c9d0e' };

  it('reads back what encodeCursor wrote', () => {
    expect(out(position, encodeCursor(good))).toEqual(good);
  });

  it.each([
    ['base64 of no JSON', Buffer.from('not json').toString('base64url')],
    ['JSON of no date', encodeCursor({ ...good, at: '2026-99-99T99:99:99Z' })],
    ['JSON of no uuid', encodeCursor({ ...good, id: '------------------------------------' })],
    ['JSON with a NUL in the id', encodeCursor({ ...good, id: `${good.id}\u0000` })],
    ['not base64url', 'a b/c+d='],
    ['the old timestamp_uuid form', `${good.at}_${good.id}`],
    ['an empty string', ''],
  ])('refuses %s', (_label, value) => {
    expect(ok(position, value)).toBe(false);
  });
});

const t = useTestDatabase();

describe('the PostgreSQL safety net in mapErrors', () => {
  // Procedures that hand a bad value straight to PostgreSQL, as a missing input block would.
  const raw = router({
    nul: publicProcedure.mutation(({ ctx }) => sql`select ${'a\u0000b'}::text`.execute(ctx.db)),
    bigint: publicProcedure.mutation(({ ctx }) => sql`select ${'9223372036854775808'}::bigint`.execute(ctx.db)),
    date: publicProcedure.mutation(({ ctx }) => sql`select ${'2026-02-30'}::timestamptz`.execute(ctx.db)),
    uuid: publicProcedure.mutation(({ ctx }) => sql`select ${'not-a-uuid'}::uuid`.execute(ctx.db)),
    bug: publicProcedure.mutation(({ ctx }) => sql`select no_such_column from accounts`.execute(ctx.db)),
  });
  const callerOf = createCallerFactory(raw);

  it.each(['nul', 'bigint', 'date', 'uuid'] as const)(
    'answers a %s PostgreSQL refuses with BAD_REQUEST',
    async (name) => {
      const caller = callerOf(await createContextInner({ db: t.db }));
      expect(await codeOf(caller[name]())).toBe('BAD_REQUEST');
    },
  );

  it('leaves a server bug a server error', async () => {
    const caller = callerOf(await createContextInner({ db: t.db }));
    expect(await codeOf(caller.bug())).toBe('INTERNAL_SERVER_ERROR');
  });
});
