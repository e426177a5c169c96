/**
 * The worker process: `npm run worker` (development) or `node dist/workers/main.js` (image).
 * Configuration comes from the environment (config.ts); SIGTERM/SIGINT drain the worker within
 * KUBERNAUT_SHUTDOWN_GRACE_MS, and a second signal exits at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import { runMigrations } from '../datastorage/migrate';
import { createPool } from '../datastorage/pool';
import { createDataStorage } from '../datastorage/repository';
import { startObservabilityServer } from '../observability/http-server';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { createWorkerMetrics } from '../observability/worker-metrics';
import { ConfigurationError, loadWorkerConfig, validationPolicyOf } from './config';
import { createExecutionWorker } from './execution-worker';
import { temporalConnectionOptions } from '../temporal-client/connection-options';

/** The bundle `npm run build` writes next to this file; absent when running from source. */
function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = path.join(__dirname, '..', 'workflow-bundle.js');
  return fs.existsSync(codePath) ? { codePath } : undefined;
}

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = pino({ level: config.KUBERNAUT_LOG_LEVEL, base: { component: 'worker' } });
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
  const connection = await NativeConnection.connect(connectionOptions);
  const clientConnection = await Connection.connect(connectionOptions);
  const temporalClient = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });

  const metrics = createWorkerMetrics();
  const { worker, observer } = await createExecutionWorker({
    metrics,
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    kubeConfig: loadKubeConfig(config.KUBECONFIG),
    dataStorage: createDataStorage(pool, {
      onPartitionsCreated: (names) => logger.warn({ names }, 'action_records partitions created on demand'),
    }),
    temporalClient,
    policy: validationPolicyOf(config),
    effectivenessShards: config.KUBERNAUT_EFFECTIVENESS_SHARDS,
    effectivenessStabilizationMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
    watchNamespaces: config.KUBERNAUT_WATCH_NAMESPACES,
    resyncIntervalMs: config.KUBERNAUT_RESYNC_INTERVAL_MS,
    watchSilenceMs: config.KUBERNAUT_WATCH_SILENCE_MS,
    logger: logger.child({ component: 'pipeline-run-observer' }),
    workflowBundle: prebuiltBundle(),
    tuning: {
      maxConcurrentActivityTaskExecutions: config.KUBERNAUT_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.KUBERNAUT_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: config.KUBERNAUT_MAX_CACHED_WORKFLOWS,
      shutdownGraceTime: config.KUBERNAUT_SHUTDOWN_GRACE_MS,
    },
  });

  const http = config.KUBERNAUT_HTTP_PORT
    ? await startObservabilityServer({
        port: config.KUBERNAUT_HTTP_PORT,
        registry: metrics.registry,
        extraMetrics: sdkMetricsAddress
          ? async () => (await fetch(`http://${sdkMetricsAddress}/metrics`)).text()
          : undefined,
        notReadyReason: () => {
          if (worker.getState() !== 'RUNNING') return `worker is ${worker.getState()}`;
          if (!observer.synced) return 'PipelineRun/TaskRun caches not synced yet';
          return undefined;
        },
      })
    : undefined;
  void observer.start(); // warm the caches now rather than on the first wait

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.KUBERNAUT_SHUTDOWN_GRACE_MS }, 'shutting down: draining the worker');
    worker.shutdown();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info(
    { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE },
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

main().catch((err: unknown) => {
  if (err instanceof ConfigurationError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
