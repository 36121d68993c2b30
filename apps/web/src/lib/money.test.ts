import { describe, expect, it } from 'vitest';
import { formatCents, formatMoney, microsToUnits, parseMoney, unitsToMicros } from './money';

const en = (s: string) => parseMoney(s, { locale: 'en-US' });

describe('the money parser reads amounts as integer micros, locale-aware, by string arithmetic', () => {
  it.each([
    ['1,000', '1000000000'],
    ['1.000,50', '1000500000'],
    ['2.5', '2500000'],
    ['0.000001', '1'],
    ['12,75', '12750000'],
    ['1,000,000.25', '1000000250000'],
    ['0', '0'],
    ['9223372036854.775807', '9223372036854775807'],
  ])('reads %j as %s micros (en-US)', (input, micros) => expect(en(input)).toEqual({ ok: true, micros }));

  it('never reads 1,000 as one in German: it is refused as ambiguous with a hint', () => {
    const r = parseMoney('1,000', { locale: 'de-DE' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/ambiguous: write 1000 for the thousands, or 1,0? for the decimal/);
    expect(parseMoney('1.000', { locale: 'de-DE' })).toEqual({ ok: true, micros: '1000000000' });
    // the hint's decimal reading is never the ambiguous input again
    const hint = parseMoney('12.345', { locale: 'en-US' });
    expect(!hint.ok && hint.error).toBe(
      '"12.345" is ambiguous: write 12345 for the thousands, or 12.3450 for the decimal',
    );
    expect(parseMoney('12.3450', { locale: 'en-US' })).toEqual({ ok: true, micros: '12345000' });
    expect(parseMoney('1.000,50', { locale: 'de-DE' })).toEqual({ ok: true, micros: '1000500000' });
  });

  it.each([
    ['-1', 'a non-negative amount with at most 6 decimals'],
    ['1e3', 'write the amount in digits, e.g. 1000 (no exponent)'],
    ['', 'required'],
    ['   ', 'required'],
    ['9223372036854.775808', 'this amount is too large'],
    ['99999999999999999999', 'this amount is too large'],
    ['1.0000001', 'at most 6 decimals'],
    ['abc', 'a non-negative amount with at most 6 decimals'],
    ['1,00,000', 'cannot read "1,00,000": group thousands in threes, or leave them out'],
  ])('refuses %j: %s', (input, error) => expect(en(input)).toEqual({ ok: false, error }));

  it('accepts a negative amount only when asked to', () => {
    expect(parseMoney('-1', { locale: 'en-US', allowNegative: true })).toEqual({ ok: true, micros: '-1000000' });
    expect(unitsToMicros('-1')).toBeNull();
  });

  it('formats micros in the currency without a float', () => {
    expect(formatMoney('50000000000', 'EUR', 'en-US')).toBe('€50,000.00');
    expect(formatMoney('1', 'USD', 'en-US')).toBe('$0.000001');
    expect(formatMoney('9223372036854775807', 'EUR', 'en-US')).toBe('€9,223,372,036,854.775807');
    expect(microsToUnits('2500000')).toBe('2.50');
  });
});

describe('headline figures are rounded to the cent, half away from zero, by bigint arithmetic', () => {
  it.each([
    ['2765666895', '€2,765.67'],
    ['2765664999', '€2,765.66'],
    ['2765665000', '€2,765.67'],
    ['-6973846', '-€6.97'],
    ['-6975000', '-€6.98'],
    ['0', '€0.00'],
    ['9223372036854775807', '€9,223,372,036,854.78'],
  ])('%s micros -> %s', (micros, want) => expect(formatCents(micros, 'EUR', 'en-US')).toBe(want));
});
