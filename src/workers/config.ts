/**
 * Worker configuration from the environment, validated once at start (DESIGN.md §3 names: TEMPORAL_*,
 * DATABASE_URL, KUBECONFIG, the rest prefixed KUBERNAUT_). Every option has a safe default except the
 * database URL; the README's configuration table lists them.
 */
import { z } from 'zod';
import { ACTION_RUNNER_SERVICE_ACCOUNT } from '../domain/names';
import { isDns1123Subdomain } from '../domain/kubernetes-names';
import type { ValidationPolicy } from '../domain/validation';
import { DEFAULT_TARGET_COOLDOWN } from '../domain/workflow-execution';
import {
  ConfigurationError,
  envBoolean,
  envGoDurationMs,
  envList as list,
  envLogLevel,
  envPort,
  envPositiveInt as positiveInt,
  envStabilizationWindowMs,
  loadEnvironment,
  temporalEnvironment,
} from '../config/environment';

export { ConfigurationError };

/** KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS=* turns the ServiceAccount policy off (an unset variable never does). */
const ANY_SERVICE_ACCOUNT = '*';

export const WorkerConfigSchema = z.object({
  ...temporalEnvironment,
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is required (postgres://user:pass@host:5432/db)' })
    .min(1, 'DATABASE_URL is required (postgres://user:pass@host:5432/db)'),
  KUBERNAUT_DATABASE_POOL_SIZE: positiveInt.default(10),
  KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(10_000),
  /** Apply the Data Storage migrations at start (safe with several workers: they take a lock). */
  KUBERNAUT_MIGRATE_ON_START: envBoolean(true),
  /** Path of a kubeconfig; in-cluster service account when unset. */
  KUBECONFIG: z.string().optional(),
  /** Namespaces whose PipelineRuns the worker watches; all when empty. */
  KUBERNAUT_WATCH_NAMESPACES: list,
  /** Full relist period of the PipelineRun/TaskRun informers (repairs stalled watches). */
  KUBERNAUT_RESYNC_INTERVAL_MS: positiveInt.default(60_000),
  /** Restart a PipelineRun watch silent for this long. */
  KUBERNAUT_WATCH_SILENCE_MS: positiveInt.default(90_000),
  KUBERNAUT_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(100),
  /** Each running WFE holds one waiting activity: keep this above the expected in-flight count. */
  KUBERNAUT_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(1000),
  KUBERNAUT_MAX_CACHED_WORKFLOWS: positiveInt.default(1000),
  KUBERNAUT_SHUTDOWN_GRACE_MS: positiveInt.default(30_000),
  /**
   * Longest wait between attempts to reach Temporal at start-up (jittered, doubling from 0.5 s): also the
   * longest delay between Temporal answering again and the worker polling.
   */
  KUBERNAUT_TEMPORAL_RETRY_MAX_MS: positiveInt.default(10_000),
  /** The policy every WFE is validated against before anything is created (SECURITY.md). */
  KUBERNAUT_REQUIRE_DIGEST: envBoolean(true),
  KUBERNAUT_ALLOWED_REGISTRIES: list,
  KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS: list
    .transform((names) => (names.length === 0 ? [ACTION_RUNNER_SERVICE_ACCOUNT] : names))
    .refine((names) => names.every((n) => n === ANY_SERVICE_ACCOUNT || isDns1123Subdomain(n)), {
      error: `must be ServiceAccount names separated by commas, or ${ANY_SERVICE_ACCOUNT} for any`,
    })
    .refine((names) => !names.includes(ANY_SERVICE_ACCOUNT) || names.length === 1, {
      error: `${ANY_SERVICE_ACCOUNT} allows any ServiceAccount: list nothing else with it`,
    }),
  /**
   * One remediation at a time per target (issue #12). Switch off only where something else serializes
   * remediations, or to measure the lock's cost (bench:execution --target-lock off).
   */
  KUBERNAUT_TARGET_LOCK: envBoolean(true),
  /** How long a target rests after a remediation that ran, unless its WFE sets spec.cooldown. */
  KUBERNAUT_TARGET_COOLDOWN: envGoDurationMs(DEFAULT_TARGET_COOLDOWN),
  /** Bounds of a WFE's own spec.cooldown. */
  KUBERNAUT_TARGET_COOLDOWN_MIN: envGoDurationMs('0s'),
  KUBERNAUT_TARGET_COOLDOWN_MAX: envGoDurationMs('1h'),
  /**
   * Least time between two progress writes of one WFE's status while its PipelineRun runs ("0s": every
   * change); changes in between merge into the next write, and the final status is written at once.
   */
  KUBERNAUT_STATUS_PROGRESS_INTERVAL: envGoDurationMs('1s'),
  KUBERNAUT_EFFECTIVENESS_SHARDS: positiveInt.default(4),
  /** Wait after a remediation ends before assessing it (5 minutes); every worker and watcher must agree. */
  KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: envStabilizationWindowMs,
  /** Port of /metrics, /healthz, /readyz; 0 disables. */
  KUBERNAUT_HTTP_PORT: envPort.default(9464),
  /** Port of the Temporal SDK's own Prometheus exporter (its metrics are also appended to /metrics); 0 disables. */
  KUBERNAUT_SDK_METRICS_PORT: envPort.default(9466),
  KUBERNAUT_LOG_LEVEL: envLogLevel,
});

export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** The policy the worker validates every WorkflowExecution against. */
export function validationPolicyOf(config: WorkerConfig): ValidationPolicy {
  const accounts = config.KUBERNAUT_ALLOWED_SERVICE_ACCOUNTS;
  return {
    requireDigest: config.KUBERNAUT_REQUIRE_DIGEST,
    allowedRegistries: config.KUBERNAUT_ALLOWED_REGISTRIES,
    allowedServiceAccounts: accounts.includes(ANY_SERVICE_ACCOUNT) ? [] : accounts,
    cooldownBoundsMs: { min: config.KUBERNAUT_TARGET_COOLDOWN_MIN, max: config.KUBERNAUT_TARGET_COOLDOWN_MAX },
  };
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const config = loadEnvironment(WorkerConfigSchema, env, 'worker');
  if (config.KUBERNAUT_TARGET_COOLDOWN_MIN > config.KUBERNAUT_TARGET_COOLDOWN_MAX) {
    throw new ConfigurationError(
      'invalid worker configuration: KUBERNAUT_TARGET_COOLDOWN_MIN must not be longer than KUBERNAUT_TARGET_COOLDOWN_MAX',
    );
  }
  return config;
}
