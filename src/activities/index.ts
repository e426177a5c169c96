/**
 * Every activity the worker registers, built from injected dependencies (Kubernetes client, Data Storage,
 * Temporal client), so tests and the worker wire real servers the same way.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { DataStorage } from '../datastorage/repository';
import type { ValidationPolicy } from '../domain/validation';
import type { PipelineRunObserver } from '../kubernetes/pipeline-run-observer';
import type { SignalRemediationTerminalOptions } from '../temporal-client/effectiveness-signal';
import { createActionRecordActivities } from './action-records';
import { createAssessmentStartActivities } from './assessment-starts';
import { createEffectivenessActivities } from './effectiveness';
import { createExecutionStepActivities } from './execution-steps';
import { createPipelineRunActivities } from './pipeline-runs';
import { createRemediationSignalActivities } from './remediation-signal';
import { createTargetLockActivities, createTargetLockCalls } from './target-locks';
import { createWorkflowExecutionEventRecorder, type WorkflowExecutionEventDeps } from './workflow-execution-events';
import { createWorkflowExecutionActivities } from './workflow-executions';

export interface ActivityDependencies {
  customObjects: k8s.CustomObjectsApi;
  observer: PipelineRunObserver;
  dataStorage: DataStorage;
  /** The quick calls to Temporal: the lock's requests and releases, the monitor's signals, assessment starts. */
  temporalClient: Client;
  /**
   * The lock's holder watch, a long poll that must stop when its activity is cancelled: a client whose
   * connection honours abort signals (grpc-js; the worker's NativeConnection does not in SDK 1.24). Default:
   * `temporalClient`.
   */
  holderWatchClient?: Client;
  policy?: ValidationPolicy;
  signalOptions?: SignalRemediationTerminalOptions;
  /** The per-target lock (issue #12); absent: WFEs do not wait for their target. */
  targetLock?: { taskQueue: string; defaultCooldownMs: number };
  /** The WFEs' Kubernetes Events (issue #15); absent: none are created. */
  events?: WorkflowExecutionEventDeps;
  /** Least time between two progress writes of one WFE's status (pipeline-runs.ts; default 1 s). */
  progressWriteIntervalMs?: number;
}

export function createActivities(deps: ActivityDependencies) {
  const workflowExecutions = createWorkflowExecutionActivities({
    customObjects: deps.customObjects,
    policy: deps.policy ?? {},
  });
  const recordEvent = deps.events && createWorkflowExecutionEventRecorder(deps.events);
  const pipelineRuns = createPipelineRunActivities({
    customObjects: deps.customObjects,
    observer: deps.observer,
    writeObservedStatus: workflowExecutions.writeObservedStatus,
    recordEvent,
    progressWriteIntervalMs: deps.progressWriteIntervalMs,
  });
  const records = createActionRecordActivities({ dataStorage: deps.dataStorage });
  const monitor = createRemediationSignalActivities({
    temporalClient: deps.temporalClient,
    signalOptions: deps.signalOptions,
  });
  const targetLocks = deps.targetLock && {
    ...createTargetLockCalls({ temporalClient: deps.temporalClient, taskQueue: deps.targetLock.taskQueue }),
    defaultCooldownMs: deps.targetLock.defaultCooldownMs,
  };
  return {
    ...workflowExecutions,
    ...pipelineRuns,
    ...records,
    ...monitor,
    ...createExecutionStepActivities({
      workflowExecutions,
      pipelineRuns,
      records,
      monitor,
      targetLocks,
      recordEvent,
    }),
    ...createTargetLockActivities({ temporalClient: deps.holderWatchClient ?? deps.temporalClient }),
    ...createEffectivenessActivities({ dataStorage: deps.dataStorage }),
    ...createAssessmentStartActivities({ temporalClient: deps.temporalClient }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
