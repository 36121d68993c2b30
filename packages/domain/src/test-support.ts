import type { DomainError } from './errors';

/** The code a rule refuses with, or 'ok' (test helper). */
export function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as DomainError).code;
  }
}
