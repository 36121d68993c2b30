import type { FieldValues, Path, UseFormReturn } from 'react-hook-form';
import { errorMessage, fieldErrors } from './trpc';

/**
 * Puts the server's field errors on the form's own fields (so they show next to the field that caused them, never
 * as raw keys below the form) and anything else on `root.server`. `fieldMap` renames api fields to form fields
 * (`cpmMicros` -> `cpm`).
 */
export function applyServerErrors<T extends FieldValues>(form: UseFormReturn<T>, error: unknown, fieldMap: Record<string, Path<T>> = {}) {
  const fields = fieldErrors(error);
  const known = new Set(Object.keys(form.getValues()));
  let placed = 0;
  for (const [key, message] of Object.entries(fields)) {
    const target = fieldMap[key] ?? (known.has(key) ? (key as Path<T>) : null);
    if (target) {
      form.setError(target, { type: 'server', message }, { shouldFocus: placed === 0 });
      placed++;
    }
  }
  if (placed === 0 || placed < Object.keys(fields).length) {
    const unplaced = Object.entries(fields).filter(([k]) => !(fieldMap[k] ?? (known.has(k) ? k : null)));
    const msg = unplaced.length ? `${errorMessage(error)} (${unplaced.map(([, m]) => m).join('; ')})` : errorMessage(error);
    if (placed === 0 || unplaced.length) form.setError('root.server' as Path<T>, { type: 'server', message: msg ?? 'Something went wrong.' });
  }
}

/** The form-level message set by applyServerErrors. */
export const serverError = (form: UseFormReturn<any>): string | undefined => (form.formState.errors.root as { server?: { message?: string } } | undefined)?.server?.message;
