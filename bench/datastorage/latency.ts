/** Wall-clock timing of calls and their latency percentiles (nearest-rank), in milliseconds. */

export interface LatencySummary {
  calls: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await call();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const ms = (n: number) => Math.round(n * 100) / 100;

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    calls: samples.length,
    p50: ms(percentile(sorted, 50)),
    p95: ms(percentile(sorted, 95)),
    p99: ms(percentile(sorted, 99)),
    max: ms(sorted[sorted.length - 1] ?? NaN),
    mean: ms(samples.reduce((a, b) => a + b, 0) / (samples.length || 1)),
  };
}
