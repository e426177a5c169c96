/**
 * The watcher's core: informers on WorkflowExecutions and RemediationRequests feed a keyed work queue,
 * and each item goes to the handler of its kind, which decides and acts
 * (workflow-execution-handler.ts, remediation-request-handler.ts).
 *
 * It keeps no state that matters: everything it does is idempotent on Temporal's side, and what the
 * handlers remember (which uids they started, cancelled or reported) only saves calls. A restarted watcher
 * or a second replica lists everything and reaches the same decisions; a running workflow shows in the
 * WFE's `status.temporal`, a finished one in its terminal phase, so a relist costs Temporal nothing for them.
 *
 * Every relist (at start, every resync period, after 410 Gone) offers every cached object again, which
 * recovers events refused while the queue was full and actions whose retries were abandoned on shutdown.
 */
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { Informer, type InformerEventType } from '../kubernetes/informer';
import {
  REMEDIATION_REQUESTS,
  WORKFLOW_EXECUTIONS,
  type KubernetesObject,
  type ResourceCoordinates,
} from '../kubernetes/resources';
import type { WorkflowExecutionOptions } from '../workflows/workflow-execution';
import { createWatcherActions } from './actions';
import { KeyedQueue } from './keyed-queue';
import { createWatcherMetrics, type WatcherMetrics } from './metrics';
import { RemediationRequestHandler } from './remediation-request-handler';
import { WorkflowExecutionHandler } from './workflow-execution-handler';
import { mergeWorkItems, type ResourceHandler, type WatchedResource, type WorkItem } from './work-item';

export interface WatcherOptions {
  kubeConfig: k8s.KubeConfig;
  client: Client;
  taskQueue: string;
  /** Namespaces to watch; all when empty. */
  namespaces?: string[];
  resyncIntervalMs?: number;
  watchSilenceMs?: number;
  watchBackoffMaxMs?: number;
  queueCapacity?: number;
  concurrency?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Wait for the workflow's own first status before writing `status.temporal` (0: write it at once). */
  startedStatusDelayMs?: number;
  watchRemediationRequests?: boolean;
  effectivenessShards?: number;
  /** Stabilization window of the remediations it reports; the monitor's default (5 min) when unset. */
  stabilizationWindowMs?: number;
  workflowOptions?: WorkflowExecutionOptions;
  logger: Logger;
  metrics?: WatcherMetrics;
  /** Runs around the handling of each work item, retries included (main.ts: one tracing span each). */
  aroundWorkItem?: (item: WorkItem, handle: () => Promise<void>) => Promise<void>;
}

export const WATCHER_DEFAULTS = {
  resyncIntervalMs: 180_000,
  watchSilenceMs: 90_000,
  watchBackoffMaxMs: 10_000,
  queueCapacity: 10_000,
  concurrency: 32,
  retryInitialMs: 200,
  retryMaxMs: 30_000,
  effectivenessShards: 4,
  startedStatusDelayMs: 2_000,
} as const;

export class Watcher {
  readonly metrics: WatcherMetrics;
  private readonly o: WatcherOptions & { [K in keyof typeof WATCHER_DEFAULTS]: number };
  private readonly log: Logger;
  private readonly handlers: Record<WatchedResource, ResourceHandler>;
  private readonly queue: KeyedQueue<WorkItem>;
  private readonly informers: { resource: WatchedResource; informer: Informer }[] = [];

  constructor(options: WatcherOptions) {
    this.o = { ...options, ...WATCHER_DEFAULTS, ...stripUndefined(options) };
    this.log = options.logger;
    this.metrics = options.metrics ?? createWatcherMetrics();
    const actions = createWatcherActions({
      client: options.client,
      customObjects: options.kubeConfig.makeApiClient(k8s.CustomObjectsApi),
      taskQueue: options.taskQueue,
      effectivenessShards: this.o.effectivenessShards,
      stabilizationWindowMs: options.stabilizationWindowMs,
      workflowOptions: options.workflowOptions,
    });
    const parts = { actions, metrics: this.metrics, log: this.log };
    this.handlers = {
      workflowexecutions: new WorkflowExecutionHandler(parts, {
        startedStatusDelayMs: this.o.startedStatusDelayMs,
        latest: (wfe) => this.latest('workflowexecutions', wfe),
      }),
      remediationrequests: new RemediationRequestHandler(parts),
    };
    this.queue = new KeyedQueue<WorkItem>({
      capacity: this.o.queueCapacity,
      concurrency: this.o.concurrency,
      retryInitialMs: this.o.retryInitialMs,
      retryMaxMs: this.o.retryMaxMs,
      merge: mergeWorkItems,
      process: (_key, item) => {
        const handle = () => this.handlers[item.resource].process(item);
        return options.aroundWorkItem ? options.aroundWorkItem(item, handle) : handle();
      },
      onRetry: (key, item, err, attempt, delayMs) => {
        this.metrics.retries.inc({ resource: item.resource });
        this.log.warn(
          { key, resource: item.resource, attempt, retryInMs: delayMs, err: describe(err) },
          'action failed: will retry',
        );
      },
    });
    this.watch('workflowexecutions', WORKFLOW_EXECUTIONS);
    if (this.o.watchRemediationRequests !== false) this.watch('remediationrequests', REMEDIATION_REQUESTS);
    this.metrics.bind({
      informers: () => this.informers.map(({ resource, informer }) => ({ resource, stats: informer.stats })),
      queue: () => this.queue.stats(),
    });
  }

  /** Resolves once every informer has listed (retrying while the API server is unreachable). */
  async start(): Promise<void> {
    await Promise.all(this.informers.map(({ informer }) => informer.start()));
    this.log.info(
      { informers: this.informers.length, resyncIntervalMs: this.o.resyncIntervalMs },
      'watcher synced: watching',
    );
  }

  /** Stops watching; waits up to `graceMs` for the Temporal calls in progress. */
  async stop(graceMs?: number): Promise<void> {
    for (const { informer } of this.informers) informer.stop();
    for (const handler of Object.values(this.handlers)) handler.stop?.();
    await this.queue.stop(graceMs);
  }

  /** Why the watcher is not ready, or undefined (for /readyz). */
  notReadyReason(): string | undefined {
    const unsynced = this.informers.filter(({ informer }) => !informer.hasSynced);
    return unsynced.length ? `${unsynced.length} informer(s) not synced` : undefined;
  }

  /** Resolves when the work queue is empty (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  stats() {
    return {
      queue: this.queue.stats(),
      informers: this.informers.map(({ resource, informer }) => ({ resource, ...informer.stats })),
    };
  }

  /** One informer per watched namespace (one cluster-wide when none is given). */
  private watch(resource: WatchedResource, coordinates: ResourceCoordinates): void {
    const namespaces = this.o.namespaces?.length ? this.o.namespaces : [undefined];
    for (const namespace of namespaces) {
      const informer = new Informer({
        kubeConfig: this.o.kubeConfig,
        resource: coordinates,
        namespace,
        resyncIntervalMs: this.o.resyncIntervalMs,
        watchSilenceMs: this.o.watchSilenceMs,
        backoffMaxMs: this.o.watchBackoffMaxMs,
        logger: this.log.child({ resource, namespace: namespace ?? '*' }),
      });
      informer.on((type, object) => this.offer(resource, type, object, false));
      informer.onRelist((objects) => {
        for (const object of objects) this.offer(resource, 'RESYNC', object, true);
      });
      this.informers.push({ resource, informer });
    }
  }

  /** The latest state of an object in the informers' cache (the same uid), or undefined once it is gone. */
  private latest(resource: WatchedResource, object: KubernetesObject): KubernetesObject | undefined {
    for (const { resource: watched, informer } of this.informers) {
      if (watched !== resource) continue;
      const cached = informer.get(object.metadata.namespace, object.metadata.name);
      if (cached && cached.metadata.uid === object.metadata.uid) return cached;
    }
    return undefined;
  }

  private offer(
    resource: WatchedResource,
    type: InformerEventType | 'RESYNC',
    object: KubernetesObject,
    fromRelist: boolean,
  ): void {
    this.metrics.events.inc({ resource, type });
    const key = `${resource}/${object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`}`;
    const item: WorkItem = { resource, object, deleted: type === 'DELETED', fromRelist, firstSeenAt: Date.now() };
    // Only what needs an action takes a place in the queue: a relist offers every object, and most need
    // nothing (running and reported, or finished). Letting those in would fill a small queue with no-ops and
    // starve the objects that do need work. A key already queued always takes the newer state.
    if (!this.queue.has(key) && this.handlers[resource].needsNothing(item)) return;
    if (this.queue.offer(key, item) === 'refused') {
      this.metrics.refused.inc({ resource });
      this.log.debug({ key, type }, 'queue full: event refused, the next relist offers it again');
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
