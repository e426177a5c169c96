/**
 * Which Data Storage failures are worth retrying.
 *
 * Activities call the repository and turn a `DataStorageError` with `retryable: false` into a
 * non-retryable Temporal failure: retrying a bad row, a missing table or a violated constraint only
 * burns the retry budget and hides the bug. Everything that can heal by itself — the server restarting,
 * a dropped connection, a full connection table, a deadlock or serialization conflict, a statement
 * timeout under load — is retryable, so the activity's retry policy rides it out.
 */

/** SQLSTATE classes (first two characters) that describe a transient condition. */
const RETRYABLE_SQLSTATE_CLASSES = new Set([
  '08', // connection exception
  '53', // insufficient resources: too many connections, out of memory, disk full
  '58', // system error: I/O error on the server
]);

/** Individual SQLSTATEs that are transient although their class is not. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout under load)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up or in recovery)
  '57P05', // idle_session_timeout
]);

/** Node socket errors: the server is (temporarily) unreachable. */
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND', // DNS in a cluster can lag behind a starting database Service
]);

/** Messages of node-postgres (pg, pg-pool) errors that carry no code but mean a lost connection. */
const RETRYABLE_MESSAGES = [
  /connection terminated/i,
  /connection ended/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error and is not queryable/i,
  /cannot use a pool after calling end/i,
  /server closed the connection unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function asErrorLike(err: unknown): ErrorLike | undefined {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : undefined;
}

/**
 * True when retrying the same call later may succeed. Follows `cause` chains and AggregateErrors
 * (Node reports a refused connection to every resolved address as an AggregateError).
 */
export function isRetryableDatabaseError(err: unknown): boolean {
  return classify(err, 0);
}

function classify(err: unknown, depth: number): boolean {
  const e = asErrorLike(err);
  if (e === undefined || depth > 5) return false;
  if (err instanceof DataStorageError) return err.retryable;
  if (typeof e.code === 'string') {
    const code = e.code;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return RETRYABLE_SQLSTATES.has(code) || RETRYABLE_SQLSTATE_CLASSES.has(code.slice(0, 2));
    }
    if (RETRYABLE_NODE_CODES.has(code)) return true;
  }
  if (typeof e.message === 'string' && RETRYABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => classify(inner, depth + 1))) return true;
  if (e.cause !== undefined) return classify(e.cause, depth + 1);
  return false;
}

/** A Data Storage call failed. `retryable` says whether the same call may succeed later. */
export class DataStorageError extends Error {
  readonly retryable: boolean;
  /** SQLSTATE or Node error code of the underlying failure, when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { retryable: boolean; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'DataStorageError';
    this.retryable = options.retryable;
    this.code = options.code;
  }
}

/** One broken rule of an input: where (`$[2].stepName`) and what is allowed. */
export interface InputProblem {
  path: string;
  message: string;
}

/** The input of a call was rejected before anything was written. Never retryable. */
export class DataStorageValidationError extends DataStorageError {
  readonly problems: InputProblem[];

  constructor(operation: string, problems: InputProblem[]) {
    const listed = problems
      .slice(0, 10)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
    super(`${operation}: invalid input, nothing was changed: ${listed}${more}`, { retryable: false });
    this.name = 'DataStorageValidationError';
    this.problems = problems;
  }
}

/** Wraps any failure of `operation` in a DataStorageError that says whether to retry. */
export function toDataStorageError(operation: string, err: unknown): DataStorageError {
  if (err instanceof DataStorageError) return err;
  const e = asErrorLike(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  return new DataStorageError(`${operation}: ${message}${code ? ` (${code})` : ''}`, {
    retryable: isRetryableDatabaseError(err),
    code,
    cause: err,
  });
}
