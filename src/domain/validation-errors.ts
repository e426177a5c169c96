/**
 * What validation reports: errors with the JSON path of the field and the fix, and how they are printed.
 * Apart from validation.ts (zod) so workflow code can format a rejection without bundling zod.
 */
export interface ValidationError {
  /** JSON path of the offending field, e.g. `spec.steps[2].runAfter[0]`. */
  path: string;
  message: string;
}

/** One line per error, for logs, CLI output and the WFE failure message. */
export function formatValidationErrors(errors: readonly ValidationError[]): string {
  return errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('\n');
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
