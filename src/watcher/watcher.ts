/**
 * The watcher: informers on WorkflowExecutions and RemediationRequests feed a keyed work queue; each item
 * is decided (decisions.ts, remediation-decisions.ts) and the decision carried out (actions.ts).
 *
 * It keeps no state that matters: everything it does is idempotent on Temporal's side, and what it
 * remembers (which uids it started, cancelled or reported) only saves calls. A restarted watcher or a
 * second replica lists everything and reaches the same decisions; a running workflow shows in the WFE's
 * `status.temporal`, a finished one in its terminal phase, so a relist costs Temporal nothing for them.
 *
 * Every relist (at start, every resync period, after 410 Gone) offers every cached object again, which
 * recovers events refused while the queue was full and actions whose retries were abandoned on shutdown.
 */
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { EffectivenessMonitorInput } from '../domain/effectiveness/monitor-state';
import { Informer, type InformerEventType } from '../kubernetes/informer';
import { REMEDIATION_REQUESTS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../kubernetes/resources';
import type { WorkflowExecutionOptions } from '../workflows/workflow-execution';
import { createWatcherActions, type WatcherActions } from './actions';
import {
  DECISION_REASONS,
  DUPLICATE_REASONS,
  decideWorkflowExecution,
  workflowIdOf,
  type DecisionContext,
  type WorkflowExecutionDecision,
} from './decisions';
import { KeyedQueue } from './keyed-queue';
import { createWatcherMetrics, type WatcherMetrics } from './metrics';
import {
  REMEDIATION_DECISION_REASONS,
  decideRemediationRequest,
  type RemediationDecision,
} from './remediation-decisions';

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
  watchRemediationRequests?: boolean;
  effectivenessShards?: number;
  monitor?: EffectivenessMonitorInput;
  workflowOptions?: WorkflowExecutionOptions;
  logger: Logger;
  metrics?: WatcherMetrics;
}

type Resource = 'workflowexecutions' | 'remediationrequests';

interface WorkItem {
  resource: Resource;
  object: KubernetesObject;
  /** The object no longer exists. */
  deleted: boolean;
  /** Offered by a relist: decide without this process's memory of cancellations. */
  fromRelist: boolean;
  /** When this process first saw an event for the key (ms). */
  firstSeenAt: number;
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
} as const;

export class Watcher {
  readonly metrics: WatcherMetrics;
  private readonly o: WatcherOptions & { [K in keyof typeof WATCHER_DEFAULTS]: number };
  private readonly informers: { resource: Resource; informer: Informer }[] = [];
  private readonly queue: KeyedQueue<WorkItem>;
  private readonly actions: WatcherActions;
  private readonly log: Logger;
  // What this process did, to save calls; never needed for correctness.
  private readonly startedHere = new Set<string>();
  private readonly cancelRequestedHere = new Set<string>();
  private readonly signalledPhase = new Map<string, string>();
  private readonly warnedNoTarget = new Set<string>();

  constructor(options: WatcherOptions) {
    this.o = { ...options, ...WATCHER_DEFAULTS, ...stripUndefined(options) };
    this.log = options.logger;
    this.metrics = options.metrics ?? createWatcherMetrics();
    this.actions = createWatcherActions({
      client: options.client,
      customObjects: options.kubeConfig.makeApiClient(k8s.CustomObjectsApi),
      taskQueue: options.taskQueue,
      effectivenessShards: this.o.effectivenessShards,
      monitor: options.monitor,
      workflowOptions: options.workflowOptions,
    });
    this.queue = new KeyedQueue<WorkItem>({
      capacity: this.o.queueCapacity,
      concurrency: this.o.concurrency,
      retryInitialMs: this.o.retryInitialMs,
      retryMaxMs: this.o.retryMaxMs,
      merge: (older, newer) => ({
        ...newer,
        deleted: older.deleted || newer.deleted,
        fromRelist: older.fromRelist || newer.fromRelist,
        firstSeenAt: Math.min(older.firstSeenAt, newer.firstSeenAt),
      }),
      process: (_key, item) => this.process(item),
      onRetry: (key, item, err, attempt, delayMs) => {
        this.metrics.retries.inc({ resource: item.resource });
        this.log.warn(
          { key, resource: item.resource, attempt, retryInMs: delayMs, err: describe(err) },
          'action failed: will retry',
        );
      },
    });
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    const resources: [Resource, typeof WORKFLOW_EXECUTIONS][] = [['workflowexecutions', WORKFLOW_EXECUTIONS]];
    if (this.o.watchRemediationRequests !== false) resources.push(['remediationrequests', REMEDIATION_REQUESTS]);
    for (const [resource, coordinates] of resources) {
      for (const namespace of namespaces) {
        const informer = new Informer({
          kubeConfig: options.kubeConfig,
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

  private offer(resource: Resource, type: InformerEventType | 'RESYNC', object: KubernetesObject, fromRelist: boolean) {
    this.metrics.events.inc({ resource, type });
    const key = `${resource}/${object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`}`;
    const item: WorkItem = { resource, object, deleted: type === 'DELETED', fromRelist, firstSeenAt: Date.now() };
    // Only what needs an action takes a place in the queue: a relist offers every object, and most need
    // nothing (running and reported, or finished). Letting those in would fill a small queue with no-ops and
    // starve the objects that do need work. A key already queued always takes the newer state.
    if (!this.queue.has(key) && this.needsNothing(item)) return;
    if (this.queue.offer(key, item) === 'refused') {
      this.metrics.refused.inc({ resource });
      this.log.debug({ key, type }, 'queue full: event refused, the next relist offers it again');
    }
  }

  /** Decides at once when the answer is "nothing to do" (recording it as processing would). */
  private needsNothing(item: WorkItem): boolean {
    if (item.resource === 'workflowexecutions') {
      const decision = decideWorkflowExecution(item.object, this.contextFor(item));
      if (decision.action !== 'ignore') return false;
      this.record(item.object, decision);
      this.settle(item, decision);
      return true;
    }
    return this.remediationDecision(item).action === 'ignore';
  }

  private process(item: WorkItem): Promise<void> {
    return item.resource === 'workflowexecutions' ? this.processWorkflowExecution(item) : this.processRemediation(item);
  }

  private async processWorkflowExecution(item: WorkItem): Promise<void> {
    const wfe = item.object;
    const uid = wfe.metadata.uid ?? '';
    const context = this.contextFor(item);
    let decision = this.decide(wfe, context);
    const fields = () => ({
      wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`,
      uid,
      workflowId: workflowIdOf(wfe),
      reason: DECISION_REASONS[decision.reason],
    });

    if (decision.action === 'start') {
      const started = await this.actions.start(wfe);
      this.startedHere.add(uid);
      this.metrics.starts.inc({ outcome: started.outcome });
      if (started.outcome === 'running') {
        const created = Date.parse(wfe.metadata.creationTimestamp ?? '');
        if (!Number.isNaN(created)) this.metrics.startLag.observe(Math.max(0, Date.now() - created) / 1000);
        this.metrics.eventToStart.observe((Date.now() - item.firstSeenAt) / 1000);
        this.log.info({ ...fields(), runId: started.runId }, 'workflow started');
      } else {
        this.log.info(fields(), 'workflow already finished: not re-run');
      }
      return;
    }

    if (decision.action === 'inspect-workflow') {
      const state = await this.actions.inspect(wfe);
      decision = this.decide(wfe, { ...context, workflowGone: state === 'gone', workflowRunning: state === 'running' });
    }
    if (decision.action === 'cancel') {
      const outcome = await this.actions.cancel(wfe);
      this.metrics.cancels.inc({ outcome });
      this.log.info({ ...fields(), outcome }, 'workflow cancellation requested');
      if (outcome === 'requested' && !item.deleted) this.cancelRequestedHere.add(uid);
    }
    if (decision.action === 'release-finalizer') {
      const outcome = await this.actions.releaseFinalizer(wfe);
      if (outcome === 'written') this.metrics.finalizersReleased.inc();
      this.log.info({ ...fields(), outcome }, 'finalizer released: no workflow left to release it');
      return this.forget(uid);
    }
    this.settle(item, decision);
  }

  private contextFor(item: WorkItem): DecisionContext {
    const uid = item.object.metadata.uid ?? '';
    return {
      deleted: item.deleted,
      startedHere: this.startedHere.has(uid),
      cancelRequestedHere: !item.fromRelist && this.cancelRequestedHere.has(uid),
    };
  }

  /** Nothing more to do for this uid: forget it, so memory stays bounded by what is in flight. */
  private settle(item: WorkItem, decision: WorkflowExecutionDecision): void {
    const uid = item.object.metadata.uid ?? '';
    if (decision.reason === 'terminal' || decision.reason === 'deletedTerminal' || item.deleted) this.forget(uid);
    if (decision.reason === 'reportedByWorkflow') this.startedHere.delete(uid);
  }

  private decide(wfe: KubernetesObject, context: DecisionContext): WorkflowExecutionDecision {
    const decision = decideWorkflowExecution(wfe, context);
    this.record(wfe, decision);
    return decision;
  }

  private record(wfe: KubernetesObject, decision: WorkflowExecutionDecision): void {
    this.metrics.decisions.inc({ resource: 'workflowexecutions', action: decision.action, reason: decision.reason });
    if (DUPLICATE_REASONS.includes(decision.reason)) {
      this.metrics.duplicatesSuppressed.inc({ resource: 'workflowexecutions' });
    }
    this.log.debug(
      { wfe: `${wfe.metadata.namespace}/${wfe.metadata.name}`, action: decision.action, reason: decision.reason },
      'decided',
    );
  }

  private forget(uid: string): void {
    this.startedHere.delete(uid);
    this.cancelRequestedHere.delete(uid);
  }

  /** The decision on a RemediationRequest; an "ignore" is recorded (and its memory cleaned) here. */
  private remediationDecision(item: WorkItem): RemediationDecision {
    const rr = item.object;
    const uid = rr.metadata.uid ?? `${rr.metadata.namespace}/${rr.metadata.name}`;
    if (item.deleted) {
      this.signalledPhase.delete(uid);
      this.warnedNoTarget.delete(uid);
      return { action: 'ignore', reason: 'deleted' };
    }
    const decision = decideRemediationRequest(rr, { signalledPhase: this.signalledPhase.get(uid), now: new Date() });
    if (decision.action === 'signal') return decision;
    this.metrics.decisions.inc({ resource: 'remediationrequests', action: decision.action, reason: decision.reason });
    if (decision.reason === 'signalledHere') this.metrics.duplicatesSuppressed.inc({ resource: 'remediationrequests' });
    if (decision.reason === 'noTarget' && !this.warnedNoTarget.has(uid)) {
      this.warnedNoTarget.add(uid);
      this.log.warn(
        { rr: `${rr.metadata.namespace}/${rr.metadata.name}`, reason: REMEDIATION_DECISION_REASONS.noTarget },
        'terminal RemediationRequest not reported',
      );
    }
    return decision;
  }

  private async processRemediation(item: WorkItem): Promise<void> {
    const rr = item.object;
    const uid = rr.metadata.uid ?? `${rr.metadata.namespace}/${rr.metadata.name}`;
    const decision = this.remediationDecision(item);
    if (decision.action === 'ignore') return;
    this.metrics.decisions.inc({ resource: 'remediationrequests', action: decision.action, reason: decision.reason });
    const monitor = await this.actions.signal(decision.signal);
    this.signalledPhase.set(uid, decision.signal.phase);
    this.metrics.remediationSignals.inc({ phase: decision.signal.phase });
    this.log.info(
      { remediation: decision.signal.remediation.id, phase: decision.signal.phase, monitor: monitor.workflowId },
      'remediation reported to the effectiveness monitor',
    );
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
