/**
 * The Tekton simulator process: a small controller that plays Tekton's part against a real API server.
 *
 * It keeps PipelineRuns and TaskRuns labelled as ours (app.kubernetes.io/managed-by=kubernaut-temporal; the
 * TaskRuns inherit the label) in memory, fed by watches and by a full re-list every `resyncIntervalMs`
 * (JS watches can stall silently; one list per resource per period keeps the API load independent of how
 * many PipelineRuns are in flight). Every change to a PipelineRun or one of its TaskRuns queues that
 * PipelineRun; a reconcile asks the pure planner what Tekton would write next and performs it. Planned
 * wake-ups (a step's end, a timeout) are timers. The API server has no garbage collector here, so the
 * simulator also deletes TaskRuns whose owning PipelineRun is gone, as Kubernetes' GC would.
 */
import type * as k8s from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { LABELS, MANAGED_BY, PIPELINE_RUN, TASK_RUN } from '../domain/names';
import { ObjectCache } from './object-cache';
import { planNextStep } from './plan';
import { executePlan, type WriteCounters } from './plan-executor';
import { ReconcileQueue } from './reconcile-queue';
import {
  describeApiError,
  TektonApi,
  type ApiRequestCounts,
  type FieldValidation,
  type TektonResource,
  type WatchEventType,
} from './tekton-api';
import { isDone, objectKey, type PipelineRun, type TaskRun } from './tekton-objects';
import { TEKTON_LABELS } from './tekton-vocabulary';

export interface TektonSimulatorOptions {
  kubeConfig: k8s.KubeConfig;
  /** Namespaces to serve; all namespaces when absent. */
  namespaces?: readonly string[];
  /** Full re-list period (ms). Default 5000. Lower = faster recovery from a stalled watch, more list calls. */
  resyncIntervalMs?: number;
  /** Duration of a step whose inputs do not say (ms). Default 200; 0 completes steps instantly (benchmarks). */
  defaultStepDurationMs?: number;
  /** Server-side field validation of every write. Default 'Strict', so a field the CRD schema would prune fails loudly. */
  fieldValidation?: FieldValidation;
  /** PipelineRuns reconciled at once. Default 8. */
  concurrency?: number;
  logger?: Logger;
}

export interface TektonSimulatorStats extends WriteCounters {
  pipelineRuns: number;
  pipelineRunsInFlight: number;
  taskRuns: number;
  reconciles: number;
  relists: number;
  watchStarts: number;
  taskRunsCollected: number;
  /** Every request the simulator made to the API server. */
  apiRequests: number;
  apiRequestsByKind: ApiRequestCounts;
  queueDepth: number;
}

export interface TektonSimulator {
  /** Settles once the first list has been taken (or has failed and will be retried at the next resync). */
  ready: Promise<void>;
  /** Stops watching and re-listing, lets in-flight reconciles finish. */
  stop(): Promise<void>;
  stats(): TektonSimulatorStats;
}

const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Starts the simulator and returns at once; `await simulator.ready` to know the first sync is done. (Objects
 * created before that are picked up by that sync anyway.)
 */
export function startTektonSimulator(options: TektonSimulatorOptions): TektonSimulator {
  const controller = new SimulatorController(options);
  const ready = controller.start();
  return { ready, stop: () => controller.stop(), stats: () => controller.stats() };
}

class SimulatorController {
  private readonly api: TektonApi;
  private readonly logger: Logger;
  private readonly pipelineRuns = new ObjectCache<PipelineRun>();
  private readonly taskRuns = new ObjectCache<TaskRun>();
  private readonly queue: ReconcileQueue;
  private readonly watches = new Map<string, { controller?: AbortController; alive: boolean }>();
  private readonly counters: WriteCounters = {
    taskRunsCreated: 0,
    taskRunStatusUpdates: 0,
    taskRunsCancelled: 0,
    pipelineRunStatusUpdates: 0,
    pipelineRunsLabelled: 0,
    conflicts: 0,
    errors: 0,
  };
  private reconciles = 0;
  private relists = 0;
  private watchStarts = 0;
  private taskRunsCollected = 0;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncInFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly resyncIntervalMs: number;
  private readonly defaultStepDurationMs: number;
  private readonly namespaces: readonly (string | undefined)[];

  constructor(options: TektonSimulatorOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.api = new TektonApi(options.kubeConfig, options.fieldValidation ?? 'Strict');
    this.resyncIntervalMs = options.resyncIntervalMs ?? 5000;
    this.defaultStepDurationMs = options.defaultStepDurationMs ?? 200;
    this.namespaces = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [undefined];
    this.queue = new ReconcileQueue(
      (key) => this.reconcile(key),
      options.concurrency ?? 8,
      (key, err) => {
        this.counters.errors++;
        this.logger.error({ pipelineRun: key, error: describeApiError(err) }, 'reconcile failed');
        this.queue.enqueueAt(key, Date.now() + RETRY_AFTER_FAILURE_MS);
      },
    );
  }

  async start(): Promise<void> {
    this.logger.info(
      {
        namespaces: this.namespaces.map((n) => n ?? '*'),
        resyncIntervalMs: this.resyncIntervalMs,
        defaultStepDurationMs: this.defaultStepDurationMs,
      },
      'tekton simulator starting',
    );
    await this.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    for (const watch of this.watches.values()) watch.controller?.abort();
    await this.resyncInFlight;
    await this.queue.stop();
    this.logger.info(this.stats(), 'tekton simulator stopped');
  }

  stats(): TektonSimulatorStats {
    let inFlight = 0;
    for (const pipelineRun of this.pipelineRuns.values()) if (!isDone(pipelineRun)) inFlight++;
    return {
      ...this.counters,
      pipelineRuns: this.pipelineRuns.size,
      pipelineRunsInFlight: inFlight,
      taskRuns: this.taskRuns.size,
      reconciles: this.reconciles,
      relists: this.relists,
      watchStarts: this.watchStarts,
      taskRunsCollected: this.taskRunsCollected,
      apiRequests: Object.values(this.api.requests).reduce((a, b) => a + b, 0),
      apiRequestsByKind: { ...this.api.requests },
      queueDepth: this.queue.depth,
    };
  }

  /** One full sync, then the next one scheduled; never two at once. */
  private resync(): Promise<void> {
    this.resyncInFlight = this.relistAll()
      .catch((err) =>
        this.logger.error(
          { error: describeApiError(err) },
          'tekton simulator re-list failed; retrying at the next resync',
        ),
      )
      .finally(() => {
        this.resyncInFlight = undefined;
        if (this.stopped) return;
        const jitter = 0.9 + Math.random() * 0.2;
        // Not unref'd: like any controller, the simulator keeps its process alive until stopped.
        this.resyncTimer = setTimeout(() => void this.resync(), this.resyncIntervalMs * jitter);
      });
    return this.resyncInFlight;
  }

  private async relistAll(): Promise<void> {
    for (const namespace of this.namespaces) {
      // TaskRuns before PipelineRuns: a listed TaskRun's owner was created before it, hence before the
      // PipelineRun list, so an owner missing from that list really is gone.
      const taskRuns = await this.api.list<TaskRun>(TASK_RUN, namespace, MANAGED_SELECTOR);
      const pipelineRuns = await this.api.list<PipelineRun>(PIPELINE_RUN, namespace, MANAGED_SELECTOR);
      if (this.stopped) return;
      this.relists++;
      this.taskRuns.replaceAll(taskRuns.items, taskRuns.resourceVersion, namespace);
      const dropped = this.pipelineRuns.replaceAll(pipelineRuns.items, pipelineRuns.resourceVersion, namespace);
      for (const gone of dropped) this.queue.forget(objectKey(gone.metadata));

      const liveOwners = new Set(pipelineRuns.items.map((pr) => pr.metadata.uid));
      for (const taskRun of taskRuns.items) {
        const owner = pipelineRunOwner(taskRun);
        if (owner && !liveOwners.has(owner)) await this.collect(taskRun);
      }
      this.ensureWatch(PIPELINE_RUN, namespace, pipelineRuns.resourceVersion);
      this.ensureWatch(TASK_RUN, namespace, taskRuns.resourceVersion);
    }
    for (const pipelineRun of this.pipelineRuns.values()) this.queue.enqueue(objectKey(pipelineRun.metadata));
  }

  private ensureWatch(resource: TektonResource, namespace: string | undefined, resourceVersion: string): void {
    const id = `${resource.plural}/${namespace ?? '*'}`;
    const existing = this.watches.get(id);
    if (existing?.alive || this.stopped) return;
    const watch: { controller?: AbortController; alive: boolean } = { alive: true };
    this.watches.set(id, watch);
    this.watchStarts++;
    const onDone = (err: unknown) => {
      watch.alive = false;
      if (!this.stopped && err)
        this.logger.debug(
          { watch: id, error: describeApiError(err) },
          'watch ended; restarting after the next re-list',
        );
    };
    this.api
      .watch<PipelineRun | TaskRun>(
        resource,
        namespace,
        MANAGED_SELECTOR,
        resourceVersion,
        (type, object) => this.onWatchEvent(resource, type, object),
        onDone,
      )
      .then((controller) => {
        watch.controller = controller;
        if (this.stopped) controller.abort();
      })
      .catch(onDone);
  }

  private onWatchEvent(resource: TektonResource, type: WatchEventType, object: PipelineRun | TaskRun): void {
    if (this.stopped || type === 'BOOKMARK' || type === 'ERROR' || !object?.metadata) return;
    if (resource === PIPELINE_RUN) {
      const pipelineRun = object as PipelineRun;
      const key = objectKey(pipelineRun.metadata);
      if (type === 'DELETED') {
        this.pipelineRuns.remove(key, pipelineRun.metadata.uid);
        this.queue.forget(key);
        for (const taskRun of [...this.taskRuns.values()]) {
          if (pipelineRunOwner(taskRun) === pipelineRun.metadata.uid) void this.collect(taskRun);
        }
        return;
      }
      this.pipelineRuns.upsert(pipelineRun);
      this.queue.enqueue(key);
      return;
    }
    const taskRun = object as TaskRun;
    if (type === 'DELETED') this.taskRuns.remove(objectKey(taskRun.metadata), taskRun.metadata.uid);
    else this.taskRuns.upsert(taskRun);
    const owner = taskRun.metadata.labels?.[TEKTON_LABELS.pipelineRun];
    if (owner) this.queue.enqueue(`${taskRun.metadata.namespace}/${owner}`);
  }

  private async reconcile(key: string): Promise<void> {
    const pipelineRun = this.pipelineRuns.get(key);
    if (!pipelineRun || this.stopped) return;
    this.reconciles++;
    const taskRuns = this.taskRunsOf(pipelineRun);
    const plan = planNextStep(pipelineRun, taskRuns, Date.now(), { defaultStepDurationMs: this.defaultStepDurationMs });
    if (plan.actions.length > 0) {
      this.logger.debug({ pipelineRun: key, actions: plan.actions.map((a) => a.type) }, 'reconciling');
    }
    const outcome = await executePlan(
      {
        api: this.api,
        pipelineRuns: this.pipelineRuns,
        taskRuns: this.taskRuns,
        counters: this.counters,
        logger: this.logger,
      },
      pipelineRun,
      taskRuns,
      plan,
    );
    if (outcome === 'stale') this.queue.enqueue(key);
    else if (outcome === 'failed') this.queue.enqueueAt(key, Date.now() + RETRY_AFTER_FAILURE_MS);
    else if (plan.wakeAt !== undefined) this.queue.enqueueAt(key, plan.wakeAt);
  }

  private taskRunsOf(pipelineRun: PipelineRun): TaskRun[] {
    const { namespace, name } = pipelineRun.metadata;
    const result: TaskRun[] = [];
    for (const taskRun of this.taskRuns.values()) {
      if (taskRun.metadata.namespace === namespace && taskRun.metadata.labels?.[TEKTON_LABELS.pipelineRun] === name)
        result.push(taskRun);
    }
    return result;
  }

  /** Garbage collection in place of Kubernetes': a TaskRun whose owning PipelineRun is gone is deleted. */
  private async collect(taskRun: TaskRun): Promise<void> {
    const { namespace, name, uid } = taskRun.metadata;
    try {
      await this.api.delete(TASK_RUN, namespace, name, uid);
      this.taskRuns.remove(objectKey(taskRun.metadata), uid);
      this.taskRunsCollected++;
      this.logger.debug({ taskRun: `${namespace}/${name}` }, 'collected TaskRun of a deleted PipelineRun');
    } catch (err) {
      this.logger.warn({ taskRun: `${namespace}/${name}`, error: describeApiError(err) }, 'could not collect TaskRun');
    }
  }
}

function pipelineRunOwner(taskRun: TaskRun): string | undefined {
  return taskRun.metadata.ownerReferences?.find((ref) => ref.kind === PIPELINE_RUN.kind && ref.controller)?.uid;
}
