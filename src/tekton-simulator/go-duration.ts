/**
 * Go `time.Duration` text, as Tekton reads (`timeouts.pipeline: "1h30m"`) and prints it (messages quote
 * `Duration.String()`, e.g. `failed to finish within "1h0m0s"`; TaskRun `spec.timeout` is re-serialised the
 * same way). Values are carried as integer nanoseconds, like Go.
 */

const UNIT_NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a non-negative Go duration ("0", "30s", "1h0m0s", "1.5h", "250ms") into nanoseconds. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  if (text.length === 0) throw new Error('empty duration: expected a Go duration such as "30s" or "1h0m0s"');
  let rest = text;
  let total = 0;
  while (rest.length > 0) {
    const match = COMPONENT.exec(rest);
    if (!match || (match[1] === '' && (match[2] ?? '') === '')) {
      throw new Error(`invalid duration ${JSON.stringify(text)}: expected a Go duration such as "30s" or "1h0m0s"`);
    }
    const unit = UNIT_NANOS[match[3]!]!;
    const whole = match[1] === '' ? 0 : Number(match[1]);
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    total += whole * unit + Math.round(fraction * unit);
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** Go's `Duration.String()` for a non-negative nanosecond count: "0s", "500ms", "1.5s", "1m30s", "1h0m0s". */
export function formatGoDuration(nanos: number): string {
  const ns = Math.round(nanos);
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${decimal(ns, 1e3, 3)}µs`;
  if (ns < 1e9) return `${decimal(ns, 1e6, 6)}ms`;
  const hours = Math.floor(ns / 3600e9);
  const minutes = Math.floor((ns % 3600e9) / 60e9);
  const seconds = decimal(ns % 60e9, 1e9, 9);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

function decimal(value: number, unit: number, digits: number): string {
  const whole = Math.floor(value / unit);
  const fraction = String(value % unit)
    .padStart(digits, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export const nanosToMs = (nanos: number): number => nanos / 1e6;
export const msToNanos = (ms: number): number => Math.round(ms * 1e6);
