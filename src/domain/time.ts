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

const RFC3339_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * An RFC 3339 timestamp with seconds and an offset, on a day the calendar has: `2025-10-01T12:00:00Z`,
 * `2025-10-01T14:00:00.5+02:00`. The rule of zod's `z.iso.datetime({ offset: true })`, for workflow code.
 */
export function isRfc3339Timestamp(text: string): boolean {
  const date = RFC3339_TIMESTAMP.exec(text);
  if (!date) return false;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}
