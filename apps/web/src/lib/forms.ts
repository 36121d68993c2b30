import type { FieldValues, Path, UseFormReturn } from 'react-hook-form';
import { errorMessage, errorRule, fieldErrors } from './trpc';

/**
 * Puts the server's field errors on the form's own fields (so they show next to the field that caused them, never
 * as raw `key: message` text below the form). A refusal by a product rule also keeps its readable sentence at the
 * form level ("This seat is already linked in Trellis."); input validation does not (its fields say it all).
 * `fieldMap` renames api fields to form fields (`cpmMicros` -> `cpm`).
 */
export function applyServerErrors<T extends FieldValues>(
  form: UseFormReturn<T>,
  error: unknown,
  fieldMap: Record<string, Path<T>> = {},
) {
  const fields = fieldErrors(error);
  const known = new Set(Object.keys(form.getValues()));
  const unplaced: string[] = [];
  let placed = 0;
  for (const [key, message] of Object.entries(fields)) {
    const target = fieldMap[key] ?? (known.has(key) ? (key as Path<T>) : null);
    if (target) form.setError(target, { type: 'server', message }, { shouldFocus: placed++ === 0 });
    else unplaced.push(message);
  }
  // INVALID_INPUT with fields (a weak password) is input validation too: its fields say it, once
  const rule = errorRule(error);
  const byRule = rule !== null && !(rule === 'INVALID_INPUT' && placed > 0);
  if (placed === 0 || byRule || unplaced.length) {
    const msg = placed > 0 && !byRule ? unplaced.join('; ') : errorMessage(error);
    form.setError('root.server', { type: 'server', message: msg ?? 'Something went wrong.' });
  }
}

/** The form-level message set by applyServerErrors. */
export const serverError = <T extends FieldValues>(form: UseFormReturn<T>): string | undefined =>
  (form.formState.errors.root as { server?: { message?: string } } | undefined)?.server?.message;
