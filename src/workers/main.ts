/**
 * The worker process: `npm run worker` (development) or `node dist/workers/main.js` (image).
 * Configuration comes from the environment (config.ts); SIGTERM/SIGINT drain the worker within
 * KUBERNAUT_SHUTDOWN_GRACE_MS, and a second signal exits at once.
 *
 * Temporal unreachable at start-up is waited out, not a crash (wait-for-temporal.ts): `/healthz` answers
 * from the start, `/readyz` says why the worker is not polling yet, and it polls as soon as Temporal answers.
 *
 * Tracing (OTEL_* variables, off when unset) starts with the first import, before pg and http are loaded.
 */
import { tracing } from '../observability/tracing-worker';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, TransportError, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import { runMigrations } from '../datastorage/migrate';
import { createPool } from '../datastorage/pool';
import { createDataStorage } from '../datastorage/repository';
import { startObservabilityServer } from '../observability/http-server';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { createWorkerMetrics } from '../observability/worker-metrics';
import { ConfigurationError, loadWorkerConfig, validationPolicyOf } from './config';
import { createExecutionWorker, type ExecutionWorker } from './execution-worker';
import { startWhenReachable } from './wait-for-temporal';
import { temporalConnectionOptions } from '../temporal-client/connection-options';

/** The bundle `npm run build` writes next to this file; absent when running from source. */
function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = path.join(__dirname, '..', 'workflow-bundle.js');
  return fs.existsSync(codePath) ? { codePath } : undefined;
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  // With tracing, every line logged inside a span carries its trace_id and span_id.
  const logger = pino({
    level: config.KUBERNAUT_LOG_LEVEL,
    base: { component: 'worker' },
    ...(tracing && { mixin: tracing.logFields }),
  });
  const temporalTracing = tracing?.temporal();
  const sdkMetricsAddress = config.KUBERNAUT_SDK_METRICS_PORT
    ? `127.0.0.1:${config.KUBERNAUT_SDK_METRICS_PORT}`
    : undefined;
  Runtime.install({
    ...(sdkMetricsAddress && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress }, metricPrefix: 'temporal_' } },
    }),
    logger: new DefaultLogger(config.KUBERNAUT_LOG_LEVEL.toUpperCase() as LogLevel, (entry) =>
      logger[entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'info')](
        { ...entry.meta },
        entry.message,
      ),
    ),
  });

  const pool = createPool(
    {
      databaseUrl: config.DATABASE_URL,
      max: config.KUBERNAUT_DATABASE_POOL_SIZE,
      statementTimeoutMs: config.KUBERNAUT_DATABASE_STATEMENT_TIMEOUT_MS,
    },
    (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection failed'),
  );
  if (config.KUBERNAUT_MIGRATE_ON_START) {
    const result = await runMigrations({ databaseUrl: config.DATABASE_URL });
    logger.info({ applied: result.applied, partitionsCreated: result.partitionsCreated }, 'database schema current');
  }

  const connectionOptions = temporalConnectionOptions(config);
  // A grpc-js client, connecting on first use and reconnecting by itself: the lock's holder watch (a long poll
  // that must stop when cancelled) and the tracing interceptors; the quick calls use the worker's
  // NativeConnection (execution-worker.ts).
  const clientConnection = Connection.lazy(connectionOptions);
  const temporalClient = new Client({
    connection: clientConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(temporalTracing && { interceptors: { workflow: temporalTracing.clientInterceptors } }),
  });
  const metrics = createWorkerMetrics();
  const kubeConfig = loadKubeConfig(config.KUBECONFIG);
  const dataStorage = createDataStorage(pool, {
    onPartitionsCreated: (names) => logger.warn({ names }, 'action_records partitions created on demand'),
  });

  let started: (ExecutionWorker & { connection: NativeConnection }) | undefined;
  let waitingFor = `connecting to Temporal at ${config.TEMPORAL_ADDRESS}`;
  const http = config.KUBERNAUT_HTTP_PORT
    ? await startObservabilityServer({
        port: config.KUBERNAUT_HTTP_PORT,
        registry: metrics.registry,
        extraMetrics: sdkMetricsAddress
          ? async () => (await fetch(`http://${sdkMetricsAddress}/metrics`)).text()
          : undefined,
        notReadyReason: () => {
          if (!started) return waitingFor;
          if (started.worker.getState() !== 'RUNNING') return `worker is ${started.worker.getState()}`;
          if (!started.observer.synced) return 'PipelineRun/TaskRun caches not synced yet';
          return undefined;
        },
      })
    : undefined;

  const stopWaiting = new AbortController();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    if (!started) {
      logger.info({ signal }, 'shutting down before Temporal answered');
      stopWaiting.abort();
      return;
    }
    logger.info({ signal, graceMs: config.KUBERNAUT_SHUTDOWN_GRACE_MS }, 'shutting down: draining the worker');
    started.worker.shutdown();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    started = await startWhenReachable(
      async () => {
        const connection = await NativeConnection.connect(connectionOptions);
        try {
          const execution = await createExecutionWorker({
            metrics,
            connection,
            namespace: config.TEMPORAL_NAMESPACE,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            kubeConfig,
            dataStorage,
            temporalClient,
            policy: validationPolicyOf(config),
            targetLock: {
              enabled: config.KUBERNAUT_TARGET_LOCK,
              defaultCooldownMs: config.KUBERNAUT_TARGET_COOLDOWN,
            },
            progressWriteIntervalMs: config.KUBERNAUT_STATUS_PROGRESS_INTERVAL,
            effectivenessShards: config.KUBERNAUT_EFFECTIVENESS_SHARDS,
            effectivenessStabilizationMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
            watchNamespaces: config.KUBERNAUT_WATCH_NAMESPACES,
            resyncIntervalMs: config.KUBERNAUT_RESYNC_INTERVAL_MS,
            watchSilenceMs: config.KUBERNAUT_WATCH_SILENCE_MS,
            logger: logger.child({ component: 'pipeline-run-observer' }),
            workflowBundle: prebuiltBundle(),
            tracing: temporalTracing,
            tuning: {
              maxConcurrentActivityTaskExecutions: config.KUBERNAUT_MAX_CONCURRENT_ACTIVITIES,
              maxConcurrentWorkflowTaskExecutions: config.KUBERNAUT_MAX_CONCURRENT_WORKFLOW_TASKS,
              maxCachedWorkflows: config.KUBERNAUT_MAX_CACHED_WORKFLOWS,
              shutdownGraceTime: config.KUBERNAUT_SHUTDOWN_GRACE_MS,
            },
          });
          return { ...execution, connection };
        } catch (err) {
          await connection.close().catch(() => undefined);
          throw err;
        }
      },
      {
        backoff: { initialMs: 500, maxMs: config.KUBERNAUT_TEMPORAL_RETRY_MAX_MS },
        // Refused or reset connections, timeouts, and a namespace not registered yet all surface as this.
        isUnavailable: (err) => err instanceof TransportError,
        signal: stopWaiting.signal,
        onFailedAttempt: ({ attempt, error, delayMs }) => {
          const reason = error instanceof Error ? error.message : String(error);
          waitingFor = `Temporal at ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}) not reachable after ${attempt} attempt(s), retrying in ${delayMs} ms: ${reason}`;
          logger.warn(
            {
              address: config.TEMPORAL_ADDRESS,
              namespace: config.TEMPORAL_NAMESPACE,
              attempt,
              retryInMs: delayMs,
              err: reason,
            },
            'Temporal not reachable: waiting for it',
          );
        },
      },
    );
  } catch (err) {
    await http?.close();
    await clientConnection.close();
    await pool.end();
    throw err;
  }
  if (!started) {
    await http?.close();
    await clientConnection.close();
    await pool.end();
    logger.info('worker stopped');
    return;
  }

  const { worker, observer, connection } = started;
  void observer.start(); // warm the caches now rather than on the first wait
  logger.info(
    {
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      stabilizationWindowMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
    },
    'worker started',
  );
  try {
    await worker.run();
  } finally {
    observer.stop();
    await http?.close();
    await clientConnection.close();
    await connection.close();
    await pool.end();
    logger.info('worker stopped');
  }
}

main()
  // The spans still buffered (up to OTEL_BSP_SCHEDULE_DELAY's worth) are exported before the process ends.
  .finally(() => tracing?.shutdown().catch(() => undefined))
  .catch((err: unknown) => {
    if (err instanceof ConfigurationError) console.error(err.message);
    else console.error(err);
    process.exit(1);
  });
