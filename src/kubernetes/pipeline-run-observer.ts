/**
 * The worker's shared view of the PipelineRuns it manages and their TaskRuns: two informers (one watch
 * each for the whole worker process) and a way for activities to wait until "their" PipelineRun changes.
 * API load grows with the number of PipelineRun/TaskRun *changes*, not with in-flight executions × poll
 * rate: waiting costs nothing but a promise; the fallback for a stalled watch is the informers' periodic
 * relist (one LIST per kind per resync period) plus one GET per wait that finds nothing in the cache.
 */
import type * as k8s from '@kubernetes/client-node';
import { LABELS, MANAGED_BY } from '../domain/names';
import { Informer, type InformerLogger } from './informer';
import { PIPELINE_RUNS, TASK_RUNS, type KubernetesObject } from './resources';

export const PIPELINE_RUN_LABEL = 'tekton.dev/pipelineRun';

export interface PipelineRunSnapshot {
  /** Undefined when the PipelineRun does not exist (never created, or deleted). */
  pipelineRun?: KubernetesObject;
  taskRuns: KubernetesObject[];
}

export interface PipelineRunObserverOptions {
  kubeConfig: k8s.KubeConfig;
  /** Namespaces to watch; all when empty. */
  namespaces?: string[];
  resyncIntervalMs?: number;
  watchSilenceMs?: number;
  logger?: InformerLogger;
}

/** One follower of a PipelineRun: a change seen since it last looked, and how to wake it. */
interface Follower {
  changed: boolean;
  wake?: () => void;
}

/**
 * A follower's view of one PipelineRun's changes (its own and its TaskRuns'). A change that arrives while
 * the follower is busy (writing the status it last saw) is kept, not lost: the next `next()` returns at once.
 */
export interface PipelineRunChanges {
  /** Resolves at the first change since the last call (at once if one came meanwhile), after `timeoutMs`, or on abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * What the status mapping reads of a PipelineRun or TaskRun: everything but `metadata.managedFields` and
 * the copies of the pipeline's and task's specs Tekton keeps in their statuses (also in each entry of a
 * TaskRun's `retriesStatus`). With thousands of executions in flight these are most of the cache.
 */
export function keepWhatTheMappingReads(object: KubernetesObject): KubernetesObject {
  const { managedFields: _managedFields, ...metadata } = object.metadata as KubernetesObject['metadata'] & {
    managedFields?: unknown;
  };
  const strip = (status: unknown): unknown => {
    if (!status || typeof status !== 'object') return status;
    const {
      pipelineSpec: _pipelineSpec,
      taskSpec: _taskSpec,
      provenance: _provenance,
      ...rest
    } = status as Record<string, unknown>;
    if (Array.isArray(rest.retriesStatus)) rest.retriesStatus = rest.retriesStatus.map(strip);
    return rest;
  };
  return {
    ...object,
    metadata,
    ...(object.status !== undefined && { status: strip(object.status) }),
  } as KubernetesObject;
}

export class PipelineRunObserver {
  private readonly pipelineRuns: Informer[];
  private readonly taskRuns: Informer[];
  private readonly followers = new Map<string, Set<Follower>>();
  /**
   * Each PipelineRun's TaskRuns (`namespace/pipelineRun` → `namespace/taskRun` → TaskRun), kept from the
   * informers' changes, so a snapshot costs the TaskRuns of its PipelineRun, not a scan of every TaskRun cached.
   */
  private readonly taskRunsByPipelineRun = new Map<string, Map<string, KubernetesObject>>();
  /** Under which PipelineRun each TaskRun is filed (a relabelled or deleted one is moved or dropped). */
  private readonly filedUnder = new Map<string, string>();
  private starting?: Promise<void>;

  constructor(options: PipelineRunObserverOptions) {
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    const make = (resource: typeof PIPELINE_RUNS, namespace: string | undefined) =>
      new Informer({
        kubeConfig: options.kubeConfig,
        resource,
        namespace,
        labelSelector: `${LABELS.managedBy}=${MANAGED_BY}`,
        resyncIntervalMs: options.resyncIntervalMs,
        watchSilenceMs: options.watchSilenceMs,
        logger: options.logger,
        transform: keepWhatTheMappingReads,
      });
    this.pipelineRuns = namespaces.map((ns) => make(PIPELINE_RUNS, ns));
    this.taskRuns = namespaces.map((ns) => make(TASK_RUNS, ns));
    for (const i of this.pipelineRuns) i.on((_t, pr) => this.notify(pr.metadata.namespace, pr.metadata.name));
    for (const i of this.taskRuns) {
      i.on((type, tr) => {
        const owner = tr.metadata.labels?.[PIPELINE_RUN_LABEL];
        this.file(tr, type === 'DELETED' ? undefined : owner);
        if (owner) this.notify(tr.metadata.namespace, owner);
      });
    }
  }

  /** Starts the informers once; later calls wait for the same start. */
  start(): Promise<void> {
    this.starting ??= Promise.all([...this.pipelineRuns, ...this.taskRuns].map((i) => i.start())).then(() => undefined);
    return this.starting;
  }

  stop(): void {
    for (const i of [...this.pipelineRuns, ...this.taskRuns]) i.stop();
    this.starting = undefined;
  }

  get synced(): boolean {
    return [...this.pipelineRuns, ...this.taskRuns].every((i) => i.hasSynced);
  }

  snapshot(namespace: string, name: string): PipelineRunSnapshot {
    const pipelineRun = this.pipelineRuns.map((i) => i.get(namespace, name)).find(Boolean);
    const taskRuns = [...(this.taskRunsByPipelineRun.get(`${namespace}/${name}`)?.values() ?? [])];
    return { pipelineRun, taskRuns };
  }

  /**
   * Follows the PipelineRun `namespace/name` and its TaskRuns: subscribe before the first `snapshot()`, so no
   * change between a snapshot and the wait for the next one goes unseen; close when done.
   */
  follow(namespace: string, name: string): PipelineRunChanges {
    const key = `${namespace}/${name}`;
    const follower: Follower = { changed: false };
    const set = this.followers.get(key) ?? new Set<Follower>();
    this.followers.set(key, set);
    set.add(follower);
    return {
      next: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (follower.changed || signal?.aborted) {
            follower.changed = false;
            resolve();
            return;
          }
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            follower.wake = undefined;
            follower.changed = false;
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          signal?.addEventListener('abort', done);
          follower.wake = done;
        }),
      close: () => {
        follower.wake?.();
        set.delete(follower);
        if (set.size === 0) this.followers.delete(key);
      },
    };
  }

  /** Informer counters, for metrics and benchmarks. */
  stats() {
    const sum = (list: Informer[], k: 'lists' | 'watchStarts' | 'watchRestarts' | 'events' | 'goneRelists') =>
      list.reduce((n, i) => n + i.stats[k], 0);
    return {
      pipelineRuns: {
        lists: sum(this.pipelineRuns, 'lists'),
        watchRestarts: sum(this.pipelineRuns, 'watchRestarts'),
        events: sum(this.pipelineRuns, 'events'),
      },
      taskRuns: {
        lists: sum(this.taskRuns, 'lists'),
        watchRestarts: sum(this.taskRuns, 'watchRestarts'),
        events: sum(this.taskRuns, 'events'),
      },
      following: [...this.followers.values()].reduce((n, s) => n + s.size, 0),
    };
  }

  /** Files the TaskRun under its PipelineRun (`owner`), or nowhere when it has none or was deleted. */
  private file(taskRun: KubernetesObject, owner: string | undefined): void {
    const namespace = taskRun.metadata.namespace ?? '';
    const key = `${namespace}/${taskRun.metadata.name}`;
    const filed = this.filedUnder.get(key);
    const under = owner === undefined ? undefined : `${namespace}/${owner}`;
    if (filed !== undefined && filed !== under) {
      const siblings = this.taskRunsByPipelineRun.get(filed);
      siblings?.delete(key);
      if (siblings?.size === 0) this.taskRunsByPipelineRun.delete(filed);
      this.filedUnder.delete(key);
    }
    if (under === undefined) return;
    const siblings = this.taskRunsByPipelineRun.get(under) ?? new Map<string, KubernetesObject>();
    this.taskRunsByPipelineRun.set(under, siblings);
    siblings.set(key, taskRun);
    this.filedUnder.set(key, under);
  }

  private notify(namespace: string | undefined, name: string): void {
    const set = this.followers.get(`${namespace ?? ''}/${name}`);
    if (!set) return;
    for (const follower of [...set]) {
      follower.changed = true;
      follower.wake?.();
    }
  }
}
