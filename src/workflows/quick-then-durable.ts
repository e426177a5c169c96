/**
 * A quick, idempotent call made first as a local activity — inside the workflow task that asks for it, no
 * round trip through Temporal's task queues and no history events but a marker — and, when that has not
 * succeeded within its few local attempts (its retry policy's `maximumAttempts`, LOCAL_ATTEMPTS), again as a
 * regular activity, which the server retries with backoff for as long as its own policy allows without adding
 * history events (issue #13).
 *
 * Why not local activities alone: a local activity retrying for hours keeps its workflow task alive, which
 * costs three history events every 8 s (the SDK's workflow task heartbeat) or a timer per attempt — an outage
 * of the API server or the database would grow the history without bound. Why not regular activities alone: each
 * is a workflow task more and four history events, on every run, for a call that takes milliseconds.
 *
 * A failure that retrying cannot fix (a non-retryable ApplicationFailure such as `DataStorageRejected`) and a
 * cancellation are not tried again.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation, log } from '@temporalio/workflow';

/**
 * Local attempts before a call goes on as a regular activity: with a 1 s initial interval doubling, at 0, 1, 3
 * and 7 s. Bounded by attempts, not by a schedule-to-close timeout: the SDK (1.24) keeps retrying a local
 * activity past that one.
 */
export const LOCAL_ATTEMPTS = 4;

type Calls = Record<string, (...args: never[]) => Promise<unknown>>;

/** The calls of `quick` (local activities), each going on as the same call of `durable` when it fails. */
export function quickThenDurableActivities<A extends object>(quick: A, durable: A): A {
  const [q, d] = [quick as unknown as Calls, durable as unknown as Calls];
  return new Proxy({} as A, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: never[]) =>
        quickThenDurable(
          name,
          () => q[name](...args),
          () => d[name](...args),
        );
    },
  });
}

export async function quickThenDurable<T>(
  what: string,
  quick: () => Promise<T>,
  durable: () => Promise<T>,
): Promise<T> {
  try {
    return await quick();
  } catch (err) {
    if (!worthRetrying(err)) throw err;
    log.warn(`${what}: not done within its local attempts; retrying it as a regular activity`, {
      error: err instanceof Error ? (err.cause ?? err).toString() : String(err),
    });
    return durable();
  }
}

/**
 * Whether a local activity's failure may go away on another attempt (pure). Once its attempts are spent the
 * SDK (1.24) hands the workflow the last attempt's failure itself, not wrapped in an ActivityFailure as a
 * regular activity's; both shapes are read.
 */
export function worthRetrying(err: unknown): boolean {
  if (isCancellation(err)) return false;
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (failure instanceof ApplicationFailure) return !failure.nonRetryable;
  return failure instanceof TimeoutFailure;
}
