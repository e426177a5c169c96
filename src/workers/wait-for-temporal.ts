/**
 * How the worker process gets through a Temporal outage at start-up: it retries connecting (and creating
 * its worker, which describes the namespace) with jittered exponential back-off instead of exiting. In
 * Kubernetes an exit is a crash loop whose restart back-off grows to five minutes, so a worker that
 * crashed through a Temporal outage would come back minutes after Temporal did; a worker that waits
 * starts polling within one back-off step (at most `maxMs`) of Temporal answering, and says meanwhile on
 * `/readyz` why it is not ready.
 *
 * `retryDelayMs` is pure (the jitter source is a parameter); `startWhenReachable` does the waiting.
 */

export interface RetryBackoff {
  /** Wait after the first failed attempt. */
  initialMs: number;
  /** Longest wait between attempts: also the longest delay between Temporal answering and the worker polling. */
  maxMs: number;
}

export const DEFAULT_TEMPORAL_RETRY: RetryBackoff = { initialMs: 500, maxMs: 10_000 };

/**
 * The wait after failed attempt number `attempt` (1 for the first): doubling from `initialMs`, capped at
 * `maxMs`, then drawn from its upper half so that many workers restarted together do not retry in step.
 */
export function retryDelayMs(attempt: number, backoff: RetryBackoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  return Math.round(base * (0.5 + random() / 2));
}

export interface FailedAttempt {
  attempt: number;
  error: unknown;
  /** How long until the next attempt. */
  delayMs: number;
}

export interface StartWhenReachableOptions {
  backoff?: RetryBackoff;
  /** Errors that mean "Temporal is not reachable (yet)"; anything else is thrown at once. */
  isUnavailable: (err: unknown) => boolean;
  onFailedAttempt?: (failed: FailedAttempt) => void;
  /** Aborting (SIGTERM while waiting) ends the wait: the promise resolves with undefined. */
  signal?: AbortSignal;
  random?: () => number;
}

/** Calls `attempt` until it succeeds, waiting between tries; undefined when aborted first. */
export async function startWhenReachable<T>(
  attempt: () => Promise<T>,
  o: StartWhenReachableOptions,
): Promise<T | undefined> {
  const backoff = o.backoff ?? DEFAULT_TEMPORAL_RETRY;
  for (let n = 1; ; n++) {
    if (o.signal?.aborted) return undefined;
    try {
      return await attempt();
    } catch (error) {
      if (!o.isUnavailable(error)) throw error;
      const delayMs = retryDelayMs(n, backoff, o.random);
      o.onFailedAttempt?.({ attempt: n, error, delayMs });
      if (!(await sleep(delayMs, o.signal))) return undefined;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
