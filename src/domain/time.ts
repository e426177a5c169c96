/**
 * Timestamps in statuses are RFC 3339 strings at second precision ("2026-08-20T10:00:01Z"), the form
 * Kubernetes writes for metav1.Time. Normalising every input the same way is what makes the status
 * mapping idempotent: re-mapping an unchanged PipelineRun yields byte-identical timestamps.
 */

export type Instant = Date | string;

/** RFC 3339 UTC at second precision, or undefined when the value is missing or not a time. */
export function toTimestamp(value: unknown): string | undefined {
  if (!(value instanceof Date) && typeof value !== 'string') return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Milliseconds from `from` to `to`, or undefined when either is missing. */
export function elapsedMs(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? b - a : undefined;
}
