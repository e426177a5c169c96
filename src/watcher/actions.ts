/**
 * The watcher's I/O: the few Temporal and Kubernetes calls its decisions turn into. Each is idempotent, so
 * a retry, a replayed event or a second replica doing the same thing changes nothing:
 * - start: workflow id from the WFE uid, USE_EXISTING + REJECT_DUPLICATE (src/temporal-client/start-workflow-execution.ts);
 * - cancel: a second cancellation request of the same run is a no-op on Temporal's side;
 * - release the finalizer: uid-guarded read-modify-write (the activity's own code, reused);
 * - signal: the monitor dedupes on the remediation id, the assessment id may never run twice.
 * Failures are thrown as they are; the work queue retries them with backoff.
 */
import * as k8s from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createWorkflowExecutionActivities, type WriteOutcome } from '../activities/workflow-executions';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { readUnvalidatedWorkflowExecution } from '../domain/unvalidated-workflow-execution';
import { isConflict, isNotFound } from '../kubernetes/api-errors';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../kubernetes/resources';
import { signalRemediationTerminal, type SignalledMonitor } from '../temporal-client/effectiveness-signal';
import { startWorkflowExecution, type StartWorkflowExecutionResult } from '../temporal-client/start-workflow-execution';
import type { WorkflowExecutionOptions } from '../workflows/workflow-execution';
import { workflowIdOf } from './decisions';

export interface WatcherActionDependencies {
  client: Client;
  customObjects: k8s.CustomObjectsApi;
  taskQueue: string;
  effectivenessShards: number;
  /** Stabilization window of the remediations this watcher reports (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS). */
  stabilizationWindowMs?: number;
  /** Options of the workflows it starts (tests, benchmarks); the workflow's defaults otherwise. */
  workflowOptions?: WorkflowExecutionOptions;
}

export type CancelOutcome = 'requested' | 'not-running';
/**
 * What became of the watcher's `status.temporal` write: written; not needed (`reported-by-workflow`: the
 * workflow's own status names it, or another replica wrote it); `changed` (the WFE changed since the watcher
 * saw it: the workflow wrote first); `gone` (the WFE was deleted).
 */
export type StartedStatusOutcome = 'written' | 'reported-by-workflow' | 'changed' | 'gone';
export type WorkflowState = 'running' | 'gone';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export function createWatcherActions(d: WatcherActionDependencies) {
  const finalizers = createWorkflowExecutionActivities({ customObjects: d.customObjects, policy: {} });
  const refOf = (wfe: KubernetesObject) => ({
    namespace: wfe.metadata.namespace!,
    name: wfe.metadata.name,
    uid: wfe.metadata.uid!,
  });

  /**
   * Points `status.temporal` at the workflow it started, for operators looking at a WFE whose workflow has not
   * written its first status. Guarded by the resourceVersion of `wfe` (the latest the watcher saw): a conflict
   * means the resource changed since — in practice the workflow wrote its own status, which names the
   * workflow too — so a conflict is success, not a retry.
   */
  async function recordTemporalStatus(
    wfe: KubernetesObject,
    started: StartWorkflowExecutionResult,
  ): Promise<StartedStatusOutcome> {
    if (readUnvalidatedWorkflowExecution(wfe).hasTemporalStatus) return 'reported-by-workflow';
    try {
      await d.customObjects.patchNamespacedCustomObjectStatus(
        {
          ...WORKFLOW_EXECUTIONS,
          namespace: wfe.metadata.namespace!,
          name: wfe.metadata.name,
          body: {
            metadata: { uid: wfe.metadata.uid, resourceVersion: wfe.metadata.resourceVersion },
            status: {
              temporal: {
                namespace: d.client.options.namespace,
                workflowId: started.workflowId,
                ...(started.runId && { runId: started.runId }),
              },
            },
          },
        },
        mergePatch,
      );
      return 'written';
    } catch (err) {
      if (isConflict(err)) return 'changed';
      if (isNotFound(err)) return 'gone';
      throw err;
    }
  }

  return {
    /** Starts (or attaches to) the WFE's workflow; `finished` when it already ran. */
    async start(wfe: KubernetesObject): Promise<StartWorkflowExecutionResult> {
      return startWorkflowExecution(d.client, wfe, { taskQueue: d.taskQueue, options: d.workflowOptions });
    },

    /**
     * Points the WFE's `status.temporal` at the run it started, unless it already names one. Best effort on
     * the watcher's side: the workflow writes the same reference with its first status, so a failed write is
     * not retried once the start itself succeeded.
     */
    recordStarted: recordTemporalStatus,

    /** Asks the WFE's workflow to cancel; `not-running` when it has finished or never existed. */
    async cancel(wfe: KubernetesObject): Promise<CancelOutcome> {
      try {
        await d.client.workflow.getHandle(workflowIdOf(wfe)!).cancel();
        return 'requested';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'not-running';
        throw err;
      }
    },

    /** Whether the WFE's workflow still runs. */
    async inspect(wfe: KubernetesObject): Promise<WorkflowState> {
      try {
        const description = await d.client.workflow.getHandle(workflowIdOf(wfe)!).describe();
        return description.status.name === 'RUNNING' ? 'running' : 'gone';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'gone';
        throw err;
      }
    },

    releaseFinalizer(wfe: KubernetesObject): Promise<WriteOutcome> {
      return finalizers.removeExecutionFinalizer(refOf(wfe), wfe.metadata.finalizers ?? []);
    },

    signal(signal: RemediationTerminal): Promise<SignalledMonitor> {
      return signalRemediationTerminal(d.client, signal, {
        shards: d.effectivenessShards,
        taskQueue: d.taskQueue,
        stabilizationWindowMs: d.stabilizationWindowMs,
      });
    },
  };
}

export type WatcherActions = ReturnType<typeof createWatcherActions>;
