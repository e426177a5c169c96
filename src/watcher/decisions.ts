/**
 * What the watcher does about one WorkflowExecution, decided from the resource and what this process
 * already knows — pure, so every branch is a row in a table test. The I/O lives in actions.ts.
 *
 * The rules, in order (the first that matches wins):
 *   deleted or being deleted:
 *     the object is gone (DELETED event)                 → cancel its workflow, unless it was terminal
 *     our finalizer is not on it                         → ignore: nothing of ours holds it
 *     the workflow is known to have finished / not exist → release the finalizer ourselves
 *     this process already asked for the cancellation    → ignore (the workflow removes the finalizer)
 *     whether the workflow runs is not known yet         → inspect the workflow (a cancellation request
 *                                                          cannot tell: Temporal accepts one for a closed run)
 *     status.phase is Completed or Failed                → ignore: the workflow is finishing (records,
 *                                                          monitor signal) and a cancellation would cut that
 *                                                          short; it releases the finalizer itself
 *     otherwise                                          → cancel its workflow
 *   alive:
 *     status.phase is Completed or Failed                → ignore: a finished WFE is never re-run
 *     status.temporal names its workflow                 → ignore: the workflow started and reported it
 *     this process already started it                    → ignore
 *     otherwise                                          → start its workflow (idempotent on Temporal's side)
 *
 * The finalizer belongs to the workflow (it adds it first thing and removes it last), because only the
 * workflow knows when its cleanup — PipelineRun cancelled, action records final, monitor signalled — is
 * done. The watcher's part on deletion is to ask for the cancellation, and to release the finalizer
 * itself only when no workflow is left to do it (finished, terminated by an operator, never started).
 */
import { EXECUTION_FINALIZER, workflowExecutionWorkflowId } from '../domain/names';
import { readUnvalidatedWorkflowExecution } from '../domain/unvalidated-workflow-execution';
import { isTerminalPhase } from '../domain/workflow-execution';
import type { KubernetesObject } from '../kubernetes/resources';

export type WorkflowExecutionAction = 'start' | 'cancel' | 'inspect-workflow' | 'release-finalizer' | 'ignore';

export const DECISION_REASONS = {
  deleted: 'the WorkflowExecution was deleted while its workflow may still run',
  deletedTerminal: 'the WorkflowExecution was deleted after it finished',
  deletingWithoutFinalizer: 'being deleted and nothing of ours holds it',
  workflowGone: 'being deleted and its workflow has finished or never existed: nobody else will release it',
  inspectWorkflow: 'being deleted: is its workflow still running?',
  finishing: 'being deleted after it finished: its workflow releases the finalizer once its records are final',
  cancelRequested: 'being deleted and this watcher already asked its workflow to cancel',
  deleting: 'being deleted while its workflow runs',
  terminal: 'finished (Completed or Failed): a finished WorkflowExecution is never re-run',
  reportedByWorkflow: 'its workflow already runs and wrote status.temporal',
  startedHere: 'this watcher already started its workflow',
  notStarted: 'no terminal phase and no workflow known to run',
  incomplete: 'no namespace or uid: not an object read from the API server',
} as const;
export type DecisionReason = keyof typeof DECISION_REASONS;

export interface WorkflowExecutionDecision {
  action: WorkflowExecutionAction;
  reason: DecisionReason;
}

/** What this process knows beyond the object itself. */
export interface DecisionContext {
  /** The object no longer exists (a DELETED event). */
  deleted?: boolean;
  /** This process started (or attached to) the workflow of this uid. */
  startedHere?: boolean;
  /** This process asked the workflow of this uid to cancel. */
  cancelRequestedHere?: boolean;
  /** Learned from Temporal (a cancel or describe): the workflow finished or never existed. */
  workflowGone?: boolean;
  /** Learned from Temporal (a describe): the workflow is still running. */
  workflowRunning?: boolean;
}

const decision = (action: WorkflowExecutionAction, reason: DecisionReason): WorkflowExecutionDecision => ({
  action,
  reason,
});

// Small named predicates, so the table above reads as the code below.
const isFinished = (wfe: KubernetesObject) => isTerminalPhase(readUnvalidatedWorkflowExecution(wfe).phase);
const isBeingDeleted = (wfe: KubernetesObject) => Boolean(wfe.metadata.deletionTimestamp);
const holdsOurFinalizer = (wfe: KubernetesObject) => (wfe.metadata.finalizers ?? []).includes(EXECUTION_FINALIZER);

/** The workflow id of this WFE, or undefined when the object lacks what it is derived from. */
export function workflowIdOf(wfe: KubernetesObject): string | undefined {
  const { namespace, name, uid } = wfe.metadata;
  return namespace && uid ? workflowExecutionWorkflowId({ namespace, name, uid }) : undefined;
}

/** True when the WFE's status names the very workflow this WFE would start (written by the workflow). */
function reportsItsWorkflow(wfe: KubernetesObject): boolean {
  const { temporalWorkflowId } = readUnvalidatedWorkflowExecution(wfe);
  return temporalWorkflowId !== undefined && temporalWorkflowId === workflowIdOf(wfe);
}

export function decideWorkflowExecution(
  wfe: KubernetesObject,
  context: DecisionContext = {},
): WorkflowExecutionDecision {
  if (!workflowIdOf(wfe)) return decision('ignore', 'incomplete');
  if (context.deleted) {
    return isFinished(wfe) ? decision('ignore', 'deletedTerminal') : decision('cancel', 'deleted');
  }
  if (isBeingDeleted(wfe)) {
    if (!holdsOurFinalizer(wfe)) return decision('ignore', 'deletingWithoutFinalizer');
    if (context.workflowGone) return decision('release-finalizer', 'workflowGone');
    if (context.cancelRequestedHere) return decision('ignore', 'cancelRequested');
    if (!context.workflowRunning) return decision('inspect-workflow', 'inspectWorkflow');
    if (isFinished(wfe)) return decision('ignore', 'finishing');
    return decision('cancel', 'deleting');
  }
  if (isFinished(wfe)) return decision('ignore', 'terminal');
  if (reportsItsWorkflow(wfe)) return decision('ignore', 'reportedByWorkflow');
  if (context.startedHere) return decision('ignore', 'startedHere');
  return decision('start', 'notStarted');
}

/** Reasons that mean "someone already did this": counted as duplicates suppressed. */
export const DUPLICATE_REASONS: readonly DecisionReason[] = ['reportedByWorkflow', 'startedHere', 'cancelRequested'];
