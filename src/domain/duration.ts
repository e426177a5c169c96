/**
 * Go duration strings ("90s", "1h30m", "1.5h", "300ms"): the format of WFE `timeout`s, of Tekton
 * `timeouts`/task `timeout`, and of metav1.Duration in statuses. Parsing follows Go's
 * `time.ParseDuration` so a value accepted here means the same thing to Tekton.
 *
 * Kept free of Node APIs: workflow code (Temporal's sandbox) imports it.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const UNITS_HELP = 'h, m, s, ms, us, ns';

/**
 * The durations a WorkflowExecution may hold: unsigned, ASCII units only. Narrower than Go (no sign, no
 * 'µs') because the CRD checks timeouts with CEL's duration(), which knows only these units.
 */
export const TIMEOUT_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$';

export class DurationSyntaxError extends Error {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`"${text}" is not a Go duration (${reason}); write e.g. "90s", "30m" or "1h30m" (units ${UNITS_HELP})`);
    this.name = 'DurationSyntaxError';
  }
}

/**
 * Go duration → milliseconds (may be fractional below 1 ms, may be negative). Throws
 * DurationSyntaxError with a message saying what is allowed.
 */
export function parseGoDuration(text: string): number {
  if (typeof text !== 'string') throw new DurationSyntaxError(String(text), 'not a string');
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationSyntaxError(text, 'empty');
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      throw new DurationSyntaxError(text, 'expected a number followed by a unit');
    }
    const unit = UNIT_MS[m[3]];
    if (unit === undefined) throw new DurationSyntaxError(text, `unknown unit "${m[3]}"`);
    const value = Number(`${m[1] || '0'}.${m[2] || '0'}`);
    total += value * unit;
    rest = rest.slice(m[0].length);
  }
  if (!Number.isFinite(total)) throw new DurationSyntaxError(text, 'out of range');
  return sign * total;
}

/** Like parseGoDuration, but undefined instead of throwing. */
export function tryParseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseGoDuration(text);
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds → Go's `time.Duration.String()` form ("1h0m0s", "3m11s", "1.5s", "250ms", "0s"), the
 * form Kubernetes shows for metav1.Duration. Sub-millisecond precision is dropped.
 */
export function formatGoDuration(ms: number): string {
  let rest = Math.round(Math.abs(ms));
  const sign = ms < 0 && rest > 0 ? '-' : '';
  if (rest === 0) return '0s';
  if (rest < 1_000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  const millis = rest - seconds * 1_000;
  const secondsText = millis === 0 ? `${seconds}` : `${seconds}.${String(millis).padStart(3, '0').replace(/0+$/, '')}`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secondsText}s`;
  if (minutes > 0) return `${sign}${minutes}m${secondsText}s`;
  return `${sign}${secondsText}s`;
}
