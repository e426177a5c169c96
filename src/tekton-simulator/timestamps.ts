/**
 * Timestamps in status fields. Real Tekton writes metav1.Time with whole seconds; the simulator keeps
 * milliseconds (still RFC 3339, still accepted by the CRD schema and by Go's time.Parse) so that sub-second
 * step durations, and latencies measured from them, stay meaningful in tests and benchmarks.
 */

export function toTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined when absent or unreadable. */
export function parseTimestamp(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
