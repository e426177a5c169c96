/**
 * The watcher process: `npm run watcher` (development) or `node dist/watcher/main.js` (image).
 * Configuration comes from the environment (config.ts). It starts even while Temporal is unreachable (the
 * connection is lazy and every call is retried) or the API server is (informers retry the first list).
 * SIGTERM/SIGINT stop the watches, let Temporal calls in progress finish within
 * KUBERNAUT_SHUTDOWN_GRACE_MS and exit 0; a second signal exits at once. Nothing is lost by stopping at any
 * point, SIGKILL included: the next watcher lists everything again.
 *
 * Tracing (OTEL_* variables, off when unset) starts with the first import, before http is loaded: each
 * work item is handled in a span, `watcher.handle WorkflowExecution` (or RemediationRequest), which the
 * workflow start it makes carries to the workflow through Temporal's headers.
 */
import { tracing } from '../observability/tracing-watcher';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { startObservabilityServer, type ObservabilityServer } from '../observability/http-server';
import { temporalConnectionOptions } from '../temporal-client/connection-options';
import { ConfigurationError, loadWatcherConfig } from './config';
import { createWatcherMetrics } from './metrics';
import { Watcher } from './watcher';
import type { WorkItem } from './work-item';

const KINDS = { workflowexecutions: 'WorkflowExecution', remediationrequests: 'RemediationRequest' } as const;

/** The watcher's span of one work item, named by kind, with the object it is about. */
function workItemSpan(item: WorkItem, handle: () => Promise<void>): Promise<void> {
  const m = item.object.metadata;
  return tracing!.inSpan(
    `watcher.handle ${KINDS[item.resource]}`,
    {
      'k8s.namespace.name': m.namespace ?? '',
      'kubernaut.resource.kind': KINDS[item.resource],
      'kubernaut.resource.name': m.name,
      'kubernaut.resource.uid': m.uid ?? '',
      'kubernaut.resource.version': m.resourceVersion ?? '',
      'kubernaut.resource.deleted': item.deleted,
      'kubernaut.watcher.from_relist': item.fromRelist,
    },
    handle,
  );
}

async function main(): Promise<void> {
  const config = loadWatcherConfig();
  // With tracing, every line logged inside a span (a work item's) carries its trace_id and span_id.
  const logger = pino({
    level: config.KUBERNAUT_LOG_LEVEL,
    base: { component: 'watcher', pid: process.pid },
    ...(tracing && { mixin: tracing.logFields }),
  });
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    identity: `watcher/${os.hostname()}/${process.pid}`,
    ...(tracing && { interceptors: { workflow: tracing.temporal().clientInterceptors } }),
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
    startedStatusDelayMs: config.KUBERNAUT_WATCHER_STATUS_DELAY_MS,
    watchRemediationRequests: config.KUBERNAUT_WATCH_REMEDIATION_REQUESTS,
    effectivenessShards: config.KUBERNAUT_EFFECTIVENESS_SHARDS,
    stabilizationWindowMs: config.KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS,
    logger,
    metrics,
    ...(tracing && { aroundWorkItem: workItemSpan }),
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
      await tracing?.shutdown().catch(() => undefined); // export the spans still buffered
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
