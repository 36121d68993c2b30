import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as common } from '@zxcvbn-ts/language-common';
import { dictionary as english, translations } from '@zxcvbn-ts/language-en';
import { DomainError, validatePassword } from '@trellis/domain';

/** zxcvbn's score (0..4) a new password needs: 3 is "safely unguessable" against a throttled online attack and more. */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
const zxcvbn = () =>
  (estimator ??= new ZxcvbnFactory({ translations, graphs: adjacencyGraphs, dictionary: { ...common, ...english } }));

/**
 * The rule for every password someone sets (SPEC 12): the length rule of the domain, then a strength estimate
 * (zxcvbn-ts, with the common and English dictionaries) that must reach MIN_PASSWORD_SCORE. The refusal says why,
 * in zxcvbn's words. `related` are the user's email and name: a password built from them (the email's local part,
 * a word of the name) is easy to guess for them.
 */
export function assertStrongPassword(password: string, related: readonly string[] = []): void {
  validatePassword(password);
  const words = related.flatMap((r) => [
    r.toLowerCase(),
    ...r
      .toLowerCase()
      .split('@')[0]!
      .split(/[^\p{L}\p{N}]+/u),
  ]);
  const result = zxcvbn().check(password, [...new Set(words.filter((w) => w.length >= 3))]);
  if (result.score >= MIN_PASSWORD_SCORE) return;
  const why = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => !!s);
  const reason = why.length ? why.join(' ') : 'It is too easy to guess.';
  throw new DomainError('INVALID_INPUT', `This password is too easy to guess. ${reason}`, {
    password: `too easy to guess: ${reason}`,
  });
}
