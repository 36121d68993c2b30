/**
 * Card checks the form runs as the user types (the server checks again before any provider call: SPEC 6). The
 * number never leaves this form except in the one addCard call.
 */
export type Brand = 'visa' | 'mastercard' | 'amex' | 'discover';

export const cardDigits = (raw: string) => raw.replace(/[\s-]/g, '');

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export function brandOf(digits: string): Brand | null {
  const n = digits.length;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (digits.startsWith('4') && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (n === 16 && ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))) return 'mastercard';
  if (n === 15 && (two === 34 || two === 37)) return 'amex';
  if (n === 16 && (digits.startsWith('6011') || digits.startsWith('65'))) return 'discover';
  return null;
}

export const BRAND_LABEL: Record<Brand, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
};

/** The number's problem, or null when it is a card number we accept. */
export function numberProblem(raw: string): string | null {
  const d = cardDigits(raw);
  if (d === '') return 'required';
  if (!/^\d+$/.test(d)) return 'digits only';
  if (d.length < 12) return 'too short for a card number';
  if (d.length > 19 || !luhnValid(d)) return 'is not a valid card number';
  if (!brandOf(d)) return 'is not a card brand we accept (Visa, Mastercard, Amex, Discover)';
  return null;
}

/** "MM/YY" or "MM/YYYY" -> month and four-digit year, or the problem (expired against `now`). */
export function parseExpiry(raw: string, now: Date): { month: number; year: number } | string {
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(raw);
  if (!m) return 'MM/YY';
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12) return 'a month is 01-12';
  if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1))
    return 'the card has expired';
  return { month, year };
}

export function cvcProblem(cvc: string, number: string): string | null {
  const brand = brandOf(cardDigits(number));
  const want = brand === 'amex' ? 4 : 3;
  return new RegExp(`^\\d{${brand ? want : '3,4'}}$`).test(cvc) ? null : brand ? `${want} digits` : '3 or 4 digits';
}
