/**
 * The watcher process: `npm run watcher` (development) or `node dist/watcher/main.js` (image).
 * Configuration comes from the environment (config.ts). It starts even while Temporal is unreachable (the
 * connection is lazy and every call is retried) or the API server is (informers retry the first list).
 * SIGTERM/SIGINT stop the watches, let Temporal calls in progress finish within
 * KUBERNAUT_SHUTDOWN_GRACE_MS and exit 0; a second signal exits at once. Nothing is lost by stopping at any
 * point, SIGKILL included: the next watcher lists everything again.
 */
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { startObservabilityServer, type ObservabilityServer } from '../observability/http-server';
import { temporalConnectionOptions } from '../temporal-client/connection-options';
import { ConfigurationError, loadWatcherConfig } from './config';
import { createWatcherMetrics } from './metrics';
import { Watcher } from './watcher';

async function main(): Promise<void> {
  const config = loadWatcherConfig();
  const logger = pino({ level: config.KUBERNAUT_LOG_LEVEL, base: { component: 'watcher', pid: process.pid } });
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    identity: `watcher/${os.hostname()}/${process.pid}`,
  });
  const metrics = createWatcherMetrics();
  const watcher = new Watcher({
    kubeConfig: loadKubeConfig(config.KUBECONFIG),
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespaces: config.KUBERNAUT_WATCH_NAMESPACES,
    resyncIntervalMs: config.KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS,
    watchSilenceMs: config.KUBERNAUT_WATCH_SILENCE_MS,
    watchBackoffMaxMs: config.KUBERNAUT_WATCH_BACKOFF_MAX_MS,
    queueCapacity: config.KUBERNAUT_WATCHER_QUEUE_CAPACITY,
    concurrency: config.KUBERNAUT_WATCHER_CONCURRENCY,
    retryMaxMs: config.KUBERNAUT_WATCHER_RETRY_MAX_MS,
    watchRemediationRequests: config.KUBERNAUT_WATCH_REMEDIATION_REQUESTS,
    effectivenessShards: config.KUBERNAUT_EFFECTIVENESS_SHARDS,
    stabilizationWindowMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
    logger,
    metrics,
  });

  let http: ObservabilityServer | undefined;
  if (config.KUBERNAUT_HTTP_PORT > 0) {
    http = await startObservabilityServer({
      port: config.KUBERNAUT_HTTP_PORT,
      registry: metrics.registry,
      notReadyReason: () => watcher.notReadyReason(),
    });
    logger.info({ port: http.port }, 'serving /metrics /healthz /readyz');
  }

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal, graceMs: config.KUBERNAUT_SHUTDOWN_GRACE_MS }, 'shutting down');
    stopping = (async () => {
      await watcher.stop(config.KUBERNAUT_SHUTDOWN_GRACE_MS);
      await http?.close();
      await connection.close();
      logger.info('watcher stopped');
    })();
    stopping.then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info(
    {
      temporal: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      watchNamespaces: config.KUBERNAUT_WATCH_NAMESPACES.length ? config.KUBERNAUT_WATCH_NAMESPACES : 'all',
      stabilizationWindowMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
    },
    'watcher starting',
  );
  await watcher.start();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigurationError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
