/**
 * Worker configuration from the environment, validated once at start (DESIGN.md §3 names: TEMPORAL_*,
 * DATABASE_URL, KUBECONFIG, the rest prefixed KUBERNAUT_). Every option has a safe default except the
 * database URL; the README's configuration table lists them.
 */
import { z } from 'zod';
import { TASK_QUEUE } from '../domain/names';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1')
  .default(false);
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

export const WorkerConfigSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  /** mTLS to Temporal (self-hosted with TLS, or Temporal Cloud with certificates). */
  KUBERNAUT_TEMPORAL_TLS_CERT: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_KEY: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_CA: z.string().optional(),
  KUBERNAUT_TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key (implies TLS). */
  KUBERNAUT_TEMPORAL_API_KEY: z.string().optional(),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (postgres://user:pass@host:5432/db)'),
  KUBERNAUT_DATABASE_POOL_SIZE: positiveInt.default(10),
  KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(10_000),
  /** Apply the Data Storage migrations at start (safe with several workers: they take a lock). */
  KUBERNAUT_MIGRATE_ON_START: bool.default(true),
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
  /** Image policy applied when validating a WFE. */
  KUBERNAUT_REQUIRE_DIGEST: bool,
  KUBERNAUT_ALLOWED_REGISTRIES: list,
  KUBERNAUT_EFFECTIVENESS_SHARDS: positiveInt.default(4),
  /** Wait after a remediation ends before assessing it; default: the monitor's (5 minutes). */
  KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: z.coerce.number().int().min(0).optional(),
  /** Port of /metrics, /healthz, /readyz; 0 disables. */
  KUBERNAUT_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Port of the Temporal SDK's own Prometheus exporter (its metrics are also appended to /metrics); 0 disables. */
  KUBERNAUT_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  KUBERNAUT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigurationError(`invalid worker configuration:\n${problems}`);
  }
  const c = parsed.data;
  if (Boolean(c.KUBERNAUT_TEMPORAL_TLS_CERT) !== Boolean(c.KUBERNAUT_TEMPORAL_TLS_KEY)) {
    throw new ConfigurationError(
      'invalid worker configuration: KUBERNAUT_TEMPORAL_TLS_CERT and KUBERNAUT_TEMPORAL_TLS_KEY go together',
    );
  }
  return c;
}
