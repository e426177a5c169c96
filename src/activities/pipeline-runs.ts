/**
 * Activities on the Tekton PipelineRun of a WorkflowExecution. Each is idempotent: the PipelineRun name is
 * deterministic (AlreadyExists ⇒ adopt it when it is ours), waiting re-reads state, cancelling a finished
 * PipelineRun is success.
 */
import { Context } from '@temporalio/activity';
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { fingerprintStatus, mapWorkflowExecutionStatus } from '../domain/status';
import { pipelineRunName, translatePipelineRun } from '../domain/pipeline-run';
import { isTerminalPhase, type WorkflowExecution, type WorkflowExecutionStatus } from '../domain/workflow-execution';
import { asArray, isDone, succeededCondition, type PipelineRunObject, type TaskRunObject } from '../domain/tekton';
import { isAlreadyExists, isNotFound, kubernetesStatusOf } from '../kubernetes/api-errors';
import type { PipelineRunObserver } from '../kubernetes/pipeline-run-observer';
import { PIPELINE_RUNS, TASK_RUNS, type KubernetesObject } from '../kubernetes/resources';
import { FAILURE_TYPES } from '../domain/activity-failures';
import { kubernetesFailure } from './failures';
import { newlyFailedSteps } from '../domain/workflow-execution-events';
import type { RecordWorkflowExecutionEvent } from './workflow-execution-events';
import type { ObservedStatusWrite, WorkflowExecutionRef } from './workflow-executions';

export interface PipelineRunDeps {
  customObjects: k8s.CustomObjectsApi;
  observer: PipelineRunObserver;
  /** The guarded status write of the waiting activity (workflow-executions.ts `writeObservedStatus`). */
  writeObservedStatus?: (input: {
    ref: WorkflowExecutionRef;
    status: WorkflowExecutionStatus;
    after?: string;
  }) => Promise<ObservedStatusWrite>;
  /** Creates the WFE's Kubernetes Events (StepFailed, as the waiting activity sees steps fail); never throws. */
  recordEvent?: RecordWorkflowExecutionEvent;
  /**
   * Least time between two progress writes of one WFE's status by the waiting activity (0: every change).
   * Changes in between are merged into the next write; the final status is written at once.
   */
  progressWriteIntervalMs?: number;
}

/** Default of PipelineRunDeps.progressWriteIntervalMs (the worker's KUBERNAUT_STATUS_PROGRESS_INTERVAL_MS). */
export const DEFAULT_PROGRESS_WRITE_INTERVAL_MS = 1_000;

export interface PipelineRunRef {
  name: string;
  namespace: string;
}

export interface CreatePipelineRunResult {
  pipelineRunRef: PipelineRunRef;
  /** False when it already existed and was adopted (a retried or replayed create). */
  created: boolean;
}

export type PipelineRunChange =
  { kind: 'changed'; status: WorkflowExecutionStatus; fingerprint: string } | { kind: 'deleted' };

export interface AwaitPipelineRunOutcomeInput {
  workflowExecution: WorkflowExecution;
  pipelineRunRef: PipelineRunRef;
  /** The status the workflow knows (begun with the PipelineRun's reference, or the last one returned). */
  previous: WorkflowExecutionStatus;
  /** The resourceVersion after that status was written, when it was (guards this activity's writes). */
  resourceVersion?: string;
  /** Heartbeat period; keep it well under the activity's heartbeat timeout. */
  heartbeatIntervalMs: number;
}

/**
 * How a wait ended: the PipelineRun finished (`status` is terminal, and `written` says whether this activity
 * wrote it to the WFE) or vanished (`status` is the last one seen).
 */
export interface PipelineRunOutcome {
  kind: 'finished' | 'deleted';
  status: WorkflowExecutionStatus;
  written: boolean;
}

export interface AwaitPipelineRunChangeInput {
  workflowExecution: WorkflowExecution;
  pipelineRunRef: PipelineRunRef;
  previous: WorkflowExecutionStatus;
  /** Fingerprint of the status the workflow last saw; return as soon as the mapped status differs. */
  lastFingerprint?: string;
  /** Heartbeat period; keep it well under the activity's heartbeat timeout. */
  heartbeatIntervalMs: number;
}

const { group, version, plural } = PIPELINE_RUNS;

function ownedBy(existing: KubernetesObject, wfe: WorkflowExecution): boolean {
  return (existing.metadata.ownerReferences ?? []).some((ref) => ref.uid === wfe.metadata.uid);
}

function describeOwner(existing: KubernetesObject): string {
  const owner = existing.metadata.ownerReferences?.find((r) => r.controller) ?? existing.metadata.ownerReferences?.[0];
  return owner ? `${owner.kind} ${owner.name} (uid ${owner.uid})` : 'no owner reference';
}

/** What the Web UI shows of a waiting activity (its heartbeat details): the WFE's progress, one line. */
function progressLine(status: WorkflowExecutionStatus): string {
  const steps = (status.steps ?? []).map((s) => `${s.name}: ${s.phase}`).join(', ');
  return `${status.phase}, ${status.progress ?? '0/0'} steps succeeded${steps ? ` (${steps})` : ''}`;
}

export function createPipelineRunActivities({
  customObjects,
  observer,
  writeObservedStatus,
  recordEvent,
  progressWriteIntervalMs = DEFAULT_PROGRESS_WRITE_INTERVAL_MS,
}: PipelineRunDeps) {
  async function read(ref: PipelineRunRef): Promise<KubernetesObject | undefined> {
    try {
      return (await customObjects.getNamespacedCustomObject({ group, version, plural, ...ref })) as KubernetesObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw kubernetesFailure(`reading PipelineRun ${ref.namespace}/${ref.name}`, err);
    }
  }

  /**
   * A finished PipelineRun's TaskRuns, each finished too: TaskRun events travel on another watch than the
   * PipelineRun's and may lag behind it (Tekton also marks a PipelineRun done before some TaskRuns record
   * their completion, tektoncd/pipeline#4916). Cached TaskRuns that are not done are read again.
   */
  async function freshChildren(pipelineRun: KubernetesObject, cached: KubernetesObject[]): Promise<KubernetesObject[]> {
    const children = asArray<{ kind?: string; name?: string }>(
      (pipelineRun.status as { childReferences?: unknown } | undefined)?.childReferences,
    ).filter((c) => c.kind === 'TaskRun' && c.name);
    const byName = new Map(cached.map((tr) => [tr.metadata.name, tr]));
    for (const child of children) {
      const known = byName.get(child.name!);
      if (known && isDone(succeededCondition(known as TaskRunObject))) continue;
      try {
        byName.set(
          child.name!,
          (await customObjects.getNamespacedCustomObject({
            ...TASK_RUNS,
            namespace: pipelineRun.metadata.namespace!,
            name: child.name!,
          })) as KubernetesObject,
        );
      } catch (err) {
        if (!isNotFound(err)) throw kubernetesFailure(`reading TaskRun ${child.name}`, err);
      }
    }
    return [...byName.values()];
  }

  /**
   * The WFE status mapped from the PipelineRun and its TaskRuns, yielded now and after every change (or
   * every heartbeat interval); ends when the PipelineRun is gone. Waiting happens here, not in the workflow,
   * so a workflow's history grows with what it needs to know, not with polls.
   */
  async function* observe(input: {
    workflowExecution: WorkflowExecution;
    pipelineRunRef: PipelineRunRef;
    /** The status to map on top of (the last one the caller kept). */
    previous: () => WorkflowExecutionStatus;
    heartbeatIntervalMs: number;
    /** What each heartbeat carries (the Web UI shows it on the pending activity). */
    heartbeatDetails?: () => unknown;
    /** Look again within this many ms even if nothing changes (a deferred write falls due); undefined: no need. */
    lookAgainWithinMs?: () => number | undefined;
  }): AsyncGenerator<PipelineRunChange> {
    const ctx = Context.current();
    const { namespace, name } = input.pipelineRunRef;
    // Heartbeats go every interval, the first one interval after the start (the heartbeat timeout counts from
    // there): each is a Temporal write, and a wait that ends sooner (most of them) needs none.
    let beatAt = performance.now();
    const beatDueInMs = () => beatAt + input.heartbeatIntervalMs - performance.now();
    await observer.start();
    // Followed before the first look, so a change while the caller writes what it was last given is not lost.
    const changes = observer.follow(namespace, name);
    try {
      for (;;) {
        let { pipelineRun, taskRuns } = observer.snapshot(namespace, name);
        if (!pipelineRun) {
          // Not (yet) in the cache: just created, or deleted, or the watch is behind. Ask the server.
          pipelineRun = await read(input.pipelineRunRef);
          if (!pipelineRun) {
            yield { kind: 'deleted' };
            return;
          }
        }
        if (isDone(succeededCondition(pipelineRun as PipelineRunObject))) {
          taskRuns = await freshChildren(pipelineRun, taskRuns);
        }
        const status = mapWorkflowExecutionStatus({
          pipelineRun: pipelineRun as PipelineRunObject,
          taskRuns: taskRuns as TaskRunObject[],
          previous: input.previous(),
          now: new Date(),
          workflowExecution: input.workflowExecution,
        });
        yield { kind: 'changed', status, fingerprint: fingerprintStatus(status) };
        if (beatDueInMs() <= 0) {
          ctx.heartbeat(input.heartbeatDetails?.());
          beatAt = performance.now();
        }
        const wake = Math.min(beatDueInMs(), input.lookAgainWithinMs?.() ?? Infinity);
        await changes.next(Math.max(0, wake), ctx.cancellationSignal);
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
      }
    } finally {
      changes.close();
    }
  }

  return {
    async createPipelineRun(input: {
      workflowExecution: WorkflowExecution;
      temporalWorkflowId: string;
      /** Left of the WFE's timeout after waiting for its target (see translatePipelineRun). */
      remainingTimeoutMs?: number;
    }): Promise<CreatePipelineRunResult> {
      const wfe = input.workflowExecution;
      const manifest = translatePipelineRun(wfe, {
        temporalWorkflowId: input.temporalWorkflowId,
        remainingTimeoutMs: input.remainingTimeoutMs,
      });
      const ref = { name: manifest.metadata.name, namespace: manifest.metadata.namespace };
      try {
        await customObjects.createNamespacedCustomObject({
          group,
          version,
          plural,
          namespace: ref.namespace,
          body: manifest,
        });
        return { pipelineRunRef: ref, created: true };
      } catch (err) {
        if (!isAlreadyExists(err)) {
          throw kubernetesFailure(`creating PipelineRun ${ref.namespace}/${ref.name}`, err);
        }
      }
      const existing = await read(ref);
      if (!existing) throw new Error(`PipelineRun ${ref.namespace}/${ref.name} existed, then vanished; retrying`);
      if (!ownedBy(existing, wfe)) {
        throw ApplicationFailure.nonRetryable(
          `PipelineRun ${ref.namespace}/${ref.name} already exists and belongs to ${describeOwner(existing)}, ` +
            `not to WorkflowExecution ${wfe.metadata.namespace}/${wfe.metadata.name} (uid ${wfe.metadata.uid}); ` +
            `refusing to adopt it`,
          FAILURE_TYPES.pipelineRunOwnershipConflict,
        );
      }
      return { pipelineRunRef: ref, created: false };
    },

    /**
     * Returns when the WFE status mapped from the PipelineRun and its TaskRuns differs from what the workflow
     * last saw, or when the PipelineRun is gone. Waiting happens here, not in the workflow, so the workflow
     * history holds one event group per change rather than one per poll.
     */
    async awaitPipelineRunChange(input: AwaitPipelineRunChangeInput): Promise<PipelineRunChange> {
      for await (const observed of observe({ ...input, previous: () => input.previous })) {
        if (observed.kind === 'deleted') return observed;
        if (observed.fingerprint !== input.lastFingerprint) return observed;
      }
      throw new Error('unreachable: observe() ends only by returning');
    },

    /**
     * Waits until the PipelineRun has finished (or is gone), writing every change of the WFE status it maps
     * to on the way: the workflow sleeps through the run in this one activity (one task round trip in all),
     * while `kubectl get wfe` and the heartbeat details in the Web UI show the steps progressing. The writes
     * are guarded (writeObservedStatus): one that finds a terminal status stored stops writing.
     */
    async awaitPipelineRunOutcome(input: AwaitPipelineRunOutcomeInput): Promise<PipelineRunOutcome> {
      if (!writeObservedStatus) throw new Error('awaitPipelineRunOutcome needs writeObservedStatus');
      const ctx = Context.current();
      const ref = {
        namespace: input.workflowExecution.metadata.namespace,
        name: input.workflowExecution.metadata.name,
        uid: input.workflowExecution.metadata.uid!,
      };
      let resourceVersion = input.resourceVersion;
      let writing = true;
      let last = input.previous;
      let lastFingerprint = fingerprintStatus(input.previous);
      /** The status as last written (or as the workflow had it written): what its Events follow. */
      let reported = input.previous;
      // The interval counts from the write before this wait (the begin step's, a moment ago), so a PipelineRun
      // whose steps all finish within it costs one write, the final one. Unwritten, or a retried wait (that
      // write may be long ago), the first change goes at once.
      const writtenJustBefore = input.resourceVersion !== undefined && ctx.info.attempt === 1;
      let reportedAt = writtenJustBefore ? performance.now() : -Infinity;
      const dueInMs = () => (last === reported ? undefined : reportedAt + progressWriteIntervalMs - performance.now());
      const details = () => progressLine(last);
      const observed$ = observe({
        ...input,
        previous: () => last,
        heartbeatDetails: details,
        lookAgainWithinMs: dueInMs,
      });
      for await (const observed of observed$) {
        if (observed.kind === 'deleted') return { kind: 'deleted', status: last, written: false };
        if (observed.fingerprint !== lastFingerprint) {
          last = { ...observed.status, temporal: input.previous.temporal };
          lastFingerprint = observed.fingerprint;
        }
        const final = isTerminalPhase(last.phase);
        // Progress waits for the interval since the last write (changes meanwhile merge into one write);
        // the final status never waits.
        if (last === reported || (!final && dueInMs()! > 0)) continue;
        const before = reported;
        reported = last;
        reportedAt = performance.now();
        let written = false;
        if (writing) {
          const write = await writeObservedStatus({ ref, status: last, after: resourceVersion });
          written = write.outcome === 'written';
          if (write.outcome === 'written') resourceVersion = write.resourceVersion;
          else writing = false; // gone, or a terminal status is stored: not ours to change any more
        }
        // After the status write, like `kubectl get wfe` shows it. A retried wait starts again from the
        // begin step's status and sees the same failures again: same Event names, AlreadyExists, no duplicate.
        if (recordEvent) {
          for (const step of newlyFailedSteps(before, last)) await recordEvent(ref, { kind: 'StepFailed', step });
        }
        if (final) return { kind: 'finished', status: last, written };
      }
      throw new Error('unreachable: observe() ends only by returning');
    },

    /** Cancels a running PipelineRun (Tekton stops its TaskRuns). Finished or missing: nothing to do. */
    async cancelPipelineRun(ref: PipelineRunRef): Promise<'cancelled' | 'already-finished' | 'not-found'> {
      try {
        await customObjects.patchNamespacedCustomObject(
          { group, version, plural, ...ref, body: { spec: { status: 'Cancelled' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        return 'cancelled';
      } catch (err) {
        if (isNotFound(err)) return 'not-found';
        // Tekton's webhook: "Once the PipelineRun is complete, no updates are allowed".
        if (/no updates are allowed|is complete/i.test(kubernetesStatusOf(err).message ?? ''))
          return 'already-finished';
        throw kubernetesFailure(`cancelling PipelineRun ${ref.namespace}/${ref.name}`, err);
      }
    },
  };
}

export { pipelineRunName };
export type PipelineRunActivities = ReturnType<typeof createPipelineRunActivities>;
