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
import type { WorkflowExecution, WorkflowExecutionStatus } from '../domain/workflow-execution';
import { asArray, isDone, succeededCondition, type PipelineRunObject, type TaskRunObject } from '../domain/tekton';
import { isAlreadyExists, isNotFound, kubernetesStatusOf } from '../kubernetes/api-errors';
import type { PipelineRunObserver } from '../kubernetes/pipeline-run-observer';
import { PIPELINE_RUNS, TASK_RUNS, type KubernetesObject } from '../kubernetes/resources';
import { FAILURE_TYPES } from '../domain/activity-failures';
import { kubernetesFailure } from './failures';

export interface PipelineRunDeps {
  customObjects: k8s.CustomObjectsApi;
  observer: PipelineRunObserver;
}

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

export function createPipelineRunActivities({ customObjects, observer }: PipelineRunDeps) {
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

  return {
    async createPipelineRun(input: {
      workflowExecution: WorkflowExecution;
      temporalWorkflowId: string;
    }): Promise<CreatePipelineRunResult> {
      const wfe = input.workflowExecution;
      const manifest = translatePipelineRun(wfe, { temporalWorkflowId: input.temporalWorkflowId });
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
      const ctx = Context.current();
      const { namespace, name } = input.pipelineRunRef;
      await observer.start();
      for (;;) {
        let { pipelineRun, taskRuns } = observer.snapshot(namespace, name);
        if (!pipelineRun) {
          // Not (yet) in the cache: just created, or deleted, or the watch is behind. Ask the server.
          pipelineRun = await read(input.pipelineRunRef);
          if (!pipelineRun) return { kind: 'deleted' };
        }
        if (isDone(succeededCondition(pipelineRun as PipelineRunObject))) {
          taskRuns = await freshChildren(pipelineRun, taskRuns);
        }
        const status = mapWorkflowExecutionStatus({
          pipelineRun: pipelineRun as PipelineRunObject,
          taskRuns: taskRuns as TaskRunObject[],
          previous: input.previous,
          now: new Date(),
          workflowExecution: input.workflowExecution,
        });
        const fingerprint = fingerprintStatus(status);
        if (fingerprint !== input.lastFingerprint) return { kind: 'changed', status, fingerprint };
        ctx.heartbeat();
        await observer.nextChange(namespace, name, input.heartbeatIntervalMs, ctx.cancellationSignal);
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
      }
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
