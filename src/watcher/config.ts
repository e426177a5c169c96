/**
 * Watcher configuration from the environment, validated once at start (DESIGN.md §3 names: TEMPORAL_*,
 * KUBECONFIG, the rest prefixed KUBERNAUT_). Every option has a default; the README's table lists them.
 */
import { z } from 'zod';
import {
  ConfigurationError,
  envBoolean,
  envList as list,
  envLogLevel,
  envPort,
  envPositiveInt as positiveInt,
  envStabilizationWindowMs,
  loadEnvironment,
  temporalEnvironment,
} from '../config/environment';
import { DEFAULT_EFFECTIVENESS_SHARDS, MAX_EFFECTIVENESS_SHARDS } from '../domain/effectiveness/sharding';

export { ConfigurationError };

export const WatcherConfigSchema = z.object({
  ...temporalEnvironment,
  /** Path of a kubeconfig; in-cluster service account when unset. */
  KUBECONFIG: z.string().optional(),
  /** Namespaces whose WorkflowExecutions and RemediationRequests are watched; all when empty. */
  KUBERNAUT_WATCH_NAMESPACES: list,
  /**
   * Full relist period: the repair for a watch that missed something and the retry of events refused
   * while the queue was full. Each replica costs one LIST per kind and namespace per period.
   */
  KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS: positiveInt.default(180_000),
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. */
  KUBERNAUT_WATCH_SILENCE_MS: positiveInt.default(90_000),
  /** Longest wait between reconnection attempts while the API server is unreachable (jittered). */
  KUBERNAUT_WATCH_BACKOFF_MAX_MS: positiveInt.default(10_000),
  /** Resources (keys) the work queue holds at most; events for new keys beyond it wait for the next relist. */
  KUBERNAUT_WATCHER_QUEUE_CAPACITY: positiveInt.default(10_000),
  /** Resources processed at once: the concurrency of Temporal calls. */
  KUBERNAUT_WATCHER_CONCURRENCY: positiveInt.default(32),
  /** Longest backoff between retries of a failed start/cancel/signal (Temporal unavailable). */
  KUBERNAUT_WATCHER_RETRY_MAX_MS: positiveInt.default(30_000),
  /**
   * After starting a workflow, wait this long for the workflow's own first status (which names it) before
   * writing `status.temporal` itself; 0 writes it at once (one more WFE write per start).
   */
  KUBERNAUT_WATCHER_STATUS_DELAY_MS: z.coerce
    .number()
    .int('must be an integer number of milliseconds')
    .min(0, 'must be >= 0')
    .max(3_600_000, 'must be at most 3600000 (an hour)')
    .default(2_000),
  /** Report RemediationRequests reaching a terminal phase to the effectiveness monitor. */
  KUBERNAUT_WATCH_REMEDIATION_REQUESTS: envBoolean(true),
  /** Monitor shards; must equal the worker's. */
  KUBERNAUT_EFFECTIVENESS_SHARDS: positiveInt.max(MAX_EFFECTIVENESS_SHARDS).default(DEFAULT_EFFECTIVENESS_SHARDS),
  /** Wait after a remediation ends before assessing it (5 minutes); every worker and watcher must agree. */
  KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: envStabilizationWindowMs,
  /** Port of /metrics, /healthz, /readyz; 0 disables. */
  KUBERNAUT_HTTP_PORT: envPort.default(9465),
  /** How long SIGTERM waits for Temporal calls in progress. */
  KUBERNAUT_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  KUBERNAUT_LOG_LEVEL: envLogLevel,
});

export type WatcherConfig = z.infer<typeof WatcherConfigSchema>;

export function loadWatcherConfig(env: NodeJS.ProcessEnv = process.env): WatcherConfig {
  return loadEnvironment(WatcherConfigSchema, env, 'watcher');
}
