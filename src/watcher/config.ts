/**
 * Watcher configuration from the environment, validated once at start (DESIGN.md §3 names: TEMPORAL_*,
 * KUBECONFIG, the rest prefixed KUBERNAUT_). Every option has a default; the README's table lists them.
 */
import { z } from 'zod';
import { DEFAULT_EFFECTIVENESS_SHARDS, MAX_EFFECTIVENESS_SHARDS } from '../domain/effectiveness/sharding';
import { TASK_QUEUE } from '../domain/names';
import { ConfigurationError } from '../workers/config';

export { ConfigurationError };

/** A switch that is on unless set to false/0 (empty counts as unset). */
const onByDefault = z
  .enum(['true', 'false', '1', '0', ''])
  .default('')
  .transform((v) => v !== 'false' && v !== '0');
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
const positiveInt = z.coerce.number().int().positive();

export const WatcherConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  /** mTLS to Temporal (self-hosted with TLS, or Temporal Cloud with certificates); as for the worker. */
  KUBERNAUT_TEMPORAL_TLS_CERT: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_KEY: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_CA: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key (implies TLS). */
  KUBERNAUT_TEMPORAL_API_KEY: z.string().optional(),
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
  /** Report RemediationRequests reaching a terminal phase to the effectiveness monitor. */
  KUBERNAUT_WATCH_REMEDIATION_REQUESTS: onByDefault,
  /** Monitor shards; must equal the worker's. */
  KUBERNAUT_EFFECTIVENESS_SHARDS: positiveInt.max(MAX_EFFECTIVENESS_SHARDS).default(DEFAULT_EFFECTIVENESS_SHARDS),
  /** Stabilization window given to a monitor this watcher starts; the monitor's default (5 min) when unset. */
  KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: z.coerce.number().int().min(0).optional(),
  /** Port of /metrics, /healthz, /readyz; 0 disables. */
  KUBERNAUT_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  /** How long SIGTERM waits for Temporal calls in progress. */
  KUBERNAUT_SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  KUBERNAUT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export type WatcherConfig = z.infer<typeof WatcherConfigSchema>;

export function loadWatcherConfig(env: NodeJS.ProcessEnv = process.env): WatcherConfig {
  const parsed = WatcherConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigurationError(`invalid watcher configuration:\n${problems}`);
  }
  const c = parsed.data;
  if (Boolean(c.KUBERNAUT_TEMPORAL_TLS_CERT) !== Boolean(c.KUBERNAUT_TEMPORAL_TLS_KEY)) {
    throw new ConfigurationError(
      'invalid watcher configuration: KUBERNAUT_TEMPORAL_TLS_CERT and KUBERNAUT_TEMPORAL_TLS_KEY go together',
    );
  }
  return c;
}
