/** "2.5" (currency units) -> "2500000" (integer micros), by string arithmetic: never a float. Null if not a valid amount. */
export function unitsToMicros(input: string): string | null {
  const m = /^\s*(\d{1,12})(?:[.,](\d{1,6}))?\s*$/.exec(input);
  if (!m) return null;
  const micros = `${m[1]}${(m[2] ?? '').padEnd(6, '0')}`.replace(/^0+(?=\d)/, '');
  return micros;
}

/** "2500000" micros -> "2.50" units, for display. */
export function microsToUnits(micros: string): string {
  const neg = micros.startsWith('-');
  const digits = (neg ? micros.slice(1) : micros).padStart(7, '0');
  const whole = digits.slice(0, -6).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(-6).replace(/0+$/, '').padEnd(2, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}
