/**
 * Input validation at the repository boundary: a zod failure becomes a DataStorageValidationError that
 * names each offending field by JSON path (`$[2].stepName`) and the rule it broke.
 */
import type { z } from 'zod';
import { DataStorageValidationError, type InputProblem } from './errors';

export function jsonPath(path: readonly PropertyKey[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

export function problemsOf(error: z.ZodError): InputProblem[] {
  return error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
}

export function parseInput<S extends z.ZodType>(operation: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new DataStorageValidationError(operation, problemsOf(result.error));
  return result.data;
}
