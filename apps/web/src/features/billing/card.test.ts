import { describe, expect, it } from 'vitest';
import { brandOf, cvcProblem, numberProblem, parseExpiry } from './card';

describe('the card form checks', () => {
  const now = new Date(2026, 10, 25);
  it.each([
    ['4242 4242 4242 4242', null],
    ['5555-5555-5555-4444', null],
    ['4242424242424241', 'is not a valid card number'],
    ['4242', 'too short for a card number'],
    ['4242abcd', 'digits only'],
    ['', 'required'],
  ])('number %s: %s', (n, want) => expect(numberProblem(n)).toBe(want));

  it.each([
    ['12/30', { month: 12, year: 2030 }],
    ['11/26', { month: 11, year: 2026 }],
    ['10/26', 'the card has expired'],
    ['13/30', 'a month is 01-12'],
    ['1230', 'MM/YY'],
  ])('expiry %s', (e, want) => expect(parseExpiry(e, now)).toEqual(want));

  it('wants 3 CVC digits, 4 on an Amex', () => {
    expect(brandOf('378282246310005')).toBe('amex');
    expect(cvcProblem('123', '4242424242424242')).toBeNull();
    expect(cvcProblem('1234', '4242424242424242')).toBe('3 digits');
    expect(cvcProblem('1234', '378282246310005')).toBeNull();
  });
});
