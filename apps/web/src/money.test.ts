import { describe, expect, it } from 'vitest';
import { microsToUnits, unitsToMicros } from './money';

describe('money in the browser is integer micros, by string arithmetic', () => {
  it.each([
    ['2.5', '2500000'],
    ['0', '0'],
    ['0.000001', '1'],
    ['12,75', '12750000'],
    ['999999999999.999999', '999999999999999999'],
  ])('%s units is %s micros', (units, micros) => expect(unitsToMicros(units)).toBe(micros));

  it.each([['-1'], ['1.0000001'], ['abc'], [''], ['1e3']])('refuses %j', (units) => expect(unitsToMicros(units)).toBeNull());

  it('shows micros as units', () => {
    expect(microsToUnits('2500000')).toBe('2.50');
    expect(microsToUnits('1')).toBe('0.000001');
    expect(microsToUnits('1000000000')).toBe('1000.00');
  });
});
