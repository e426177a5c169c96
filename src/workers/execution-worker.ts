/**
 * Builds the execution worker from its dependencies: every workflow and activity of the project on one task
 * queue. Used by the worker process (main.ts), the tests and the benchmarks, so they all run the same thing.
 */
import * as k8s from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import { instrumentActivities } from '../activities/instrumentation';
import { DROPPED_WORKFLOW_SPANS, type TemporalTracing } from '../observability/tracing';
import type { WorkerMetrics } from '../observability/worker-metrics';
import type { DataStorage } from '../datastorage/repository';
import type { ValidationPolicy } from '../domain/validation';
import { parseGoDuration } from '../domain/duration';
import { DEFAULT_TARGET_COOLDOWN } from '../domain/workflow-execution';
import { withConnectionReuse } from '../kubernetes/connection-reuse';
import { PipelineRunObserver } from '../kubernetes/pipeline-run-observer';
import type { InformerLogger } from '../kubernetes/informer';
import { WORKFLOW_BUNDLE_OPTIONS } from './workflow-bundle';

export interface ExecutionWorkerDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  kubeConfig: k8s.KubeConfig;
  dataStorage: DataStorage;
  /**
   * A client on a grpc-js `Connection`, for the lock's holder watch (a long poll its activity's cancellation
   * must stop) and its interceptors (tracing); the quick calls go over `connection` (quickCallsClient).
   */
  temporalClient: Client;
  policy?: ValidationPolicy;
  effectivenessShards?: number;
  /** Stabilization window of the remediations this worker reports (default: the monitor's, 5 min). */
  effectivenessStabilizationMs?: number;
  /**
   * The per-target lock (issue #12): on unless `enabled: false`; `defaultCooldownMs` when a WFE sets no
   * spec.cooldown (default 5 minutes).
   */
  targetLock?: { enabled?: boolean; defaultCooldownMs?: number };
  /** Least time between two progress writes of one WFE's status (default 1 s; 0: every change). */
  progressWriteIntervalMs?: number;
  watchNamespaces?: string[];
  resyncIntervalMs?: number;
  watchSilenceMs?: number;
  logger?: InformerLogger;
  /** The worker's Prometheus metrics, fed from activity results. */
  metrics?: WorkerMetrics;
  /**
   * Prebuilt workflow bundle (production: built by `npm run build`; tests: bundled once per file), with
   * WORKFLOW_BUNDLE_OPTIONS (workflow-bundle.ts: the tracing gate for workflows started with a trace, the
   * shared domain modules); without one, src/workflows is bundled here with those options.
   */
  workflowBundle?: WorkflowBundleOption;
  /** OpenTelemetry (src/observability/tracing.ts): activity interceptors and the workflow spans' sink. */
  tracing?: Pick<TemporalTracing, 'activityInterceptors' | 'sinks'>;
  tuning?: Pick<
    WorkerOptions,
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxCachedWorkflows'
    | 'shutdownGraceTime'
  >;
}

export interface ExecutionWorker {
  worker: Worker;
  observer: PipelineRunObserver;
}

export async function createExecutionWorker(d: ExecutionWorkerDependencies): Promise<ExecutionWorker> {
  // loadKubeConfig's already keeps its connections (a no-op then); a KubeConfig built otherwise gets it here.
  const kubeConfig = withConnectionReuse(d.kubeConfig);
  const observer = new PipelineRunObserver({
    kubeConfig,
    namespaces: d.watchNamespaces,
    resyncIntervalMs: d.resyncIntervalMs,
    watchSilenceMs: d.watchSilenceMs,
    logger: d.logger,
  });
  const plain = createActivities({
    customObjects: kubeConfig.makeApiClient(k8s.CustomObjectsApi),
    observer,
    dataStorage: d.dataStorage,
    temporalClient: quickCallsClient(d),
    holderWatchClient: d.temporalClient,
    policy: d.policy,
    progressWriteIntervalMs: d.progressWriteIntervalMs,
    events: {
      events: kubeConfig.makeApiClient(k8s.EventsV1Api),
      onOutcome: (reason, outcome) => d.metrics?.workflowExecutionEvents.inc({ reason, outcome }),
    },
    ...(d.targetLock?.enabled !== false && {
      targetLock: {
        taskQueue: d.taskQueue,
        defaultCooldownMs: d.targetLock?.defaultCooldownMs ?? parseGoDuration(DEFAULT_TARGET_COOLDOWN),
      },
    }),
    signalOptions: {
      shards: d.effectivenessShards,
      taskQueue: d.taskQueue,
      stabilizationWindowMs: d.effectivenessStabilizationMs,
    },
  });
  const activities = d.metrics ? instrumentActivities(plain, d.metrics) : plain;
  const worker = await Worker.create({
    connection: d.connection,
    namespace: d.namespace,
    taskQueue: d.taskQueue,
    ...(d.workflowBundle
      ? { workflowBundle: d.workflowBundle }
      : {
          workflowsPath: WORKFLOW_BUNDLE_OPTIONS.workflowsPath,
          bundlerOptions: { preloadModules: WORKFLOW_BUNDLE_OPTIONS.preloadModules },
        }),
    activities,
    interceptors: {
      ...(d.tracing && { activity: d.tracing.activityInterceptors }),
      ...(!d.workflowBundle && { workflowModules: WORKFLOW_BUNDLE_OPTIONS.workflowInterceptorModules }),
    },
    sinks: d.tracing?.sinks ?? DROPPED_WORKFLOW_SPANS,
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 1000,
    shutdownGraceTime: '30 seconds',
    ...d.tuning,
  });
  return { worker, observer };
}

/**
 * The client of the activities' quick calls to Temporal — three or four per WFE: its target lock's start and
 * release, the monitor's signal, the assessment's start — over the worker's own NativeConnection: the request
 * is encoded and sent by the SDK's Rust core instead of by grpc-js on the main thread (README "Decisions", and
 * its figures). The same options as `temporalClient`. Its retries are the core's (transient gRPC errors,
 * bounded), its errors the same gRPC ServiceErrors (status code and details metadata) as grpc-js's, so the
 * client raises the same typed errors (WorkflowExecutionAlreadyStartedError, …); their messages may be shorter.
 */
function quickCallsClient(d: Pick<ExecutionWorkerDependencies, 'connection' | 'temporalClient'>): Client {
  // Every option of `temporalClient` (namespace, identity, data converter, interceptors), on the other connection.
  const { loadedDataConverter: _loaded, ...options } = d.temporalClient.options;
  return new Client({ ...options, connection: d.connection });
}
