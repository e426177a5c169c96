/**
 * The Kubernetes Events (`events.k8s.io/v1`) a WorkflowExecution gets for the transitions an operator
 * looks for in `kubectl describe wfe` (issue #15): which transition gives which Event — its type, reason,
 * action, note and related object — and its name.
 *
 * The name is derived from the WFE's uid and the transition (and the step, for a step failure), never from
 * the time: a step retried from its start (a local activity after a transient error, the waiting activity
 * on another worker) creates the same Event again under the same name, the API server answers
 * AlreadyExists, and the transition keeps the one Event it had. So a WFE has at most one Event per
 * transition, and at most one terminal Event.
 *
 * Pure: the I/O is src/activities/workflow-execution-events.ts.
 */
import { formatGoDuration } from './duration';
import { sha256Hex, utf8Length } from './hash';
import { DNS1123_SUBDOMAIN_MAX } from './kubernetes-names';
import { PIPELINE_RUN, TASK_RUN, TEKTON_API_VERSION } from './names';
import { describeTargetWait } from './status/target-wait';
import type { WaitingView } from './target-lock';
import { elapsedMs } from './time';
import type { StepStatus, WorkflowExecutionStatus } from './workflow-execution';

/** The controller the Events name as their reporter (`reportingController`, the "From" of kubectl describe). */
export const EVENT_REPORTING_CONTROLLER = 'kubernaut.ai/workflow-execution-worker';

/**
 * Every reason a WFE Event may have. Upstream Kubernaut's controller reports PipelineRunCreated,
 * WorkflowCompleted and WorkflowFailed; the others name what this engine adds (the target's lock, step
 * failures as they happen, cancellation by deletion).
 */
export const EVENT_REASONS = [
  'PipelineRunCreated',
  'WaitingForTarget',
  'TargetAcquired',
  'StepFailed',
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
] as const;
export type EventReason = (typeof EVENT_REASONS)[number];

/** A transition of a WFE that gets an Event. */
export type WorkflowExecutionTransition =
  /** The PipelineRun was created (or found, on a retried step: the same Event, deduplicated). */
  | { kind: 'PipelineRunCreated'; pipelineRun: { namespace: string; name: string }; steps: number }
  /** The WFE was queued behind another one on its target (or its cooldown): one per wait. */
  | { kind: 'WaitingForTarget'; target: string; view: WaitingView }
  /** The WFE got its target after waiting for it (a WFE that found it free gets no such Event). */
  | { kind: 'TargetAcquired'; target: string; waited?: string }
  | { kind: 'StepFailed'; step: StepStatus }
  /** The final status: Completed, Failed, or Failed/Cancelled (deleted, or the workflow cancelled). */
  | { kind: 'Finished'; status: WorkflowExecutionStatus };

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface WorkflowExecutionEvent {
  /** Deterministic: the same for every attempt at the same transition of the same WFE. */
  name: string;
  type: 'Normal' | 'Warning';
  reason: EventReason;
  /** What the worker did (or failed to do), CamelCase: events.k8s.io's `action`. */
  action: string;
  /** Human-readable, at most NOTE_MAX_BYTES. */
  note: string;
  /** The other object the transition is about (the PipelineRun, a step's TaskRun). */
  related?: ObjectReference;
}

/** The API server refuses notes longer than this (bytes). */
export const NOTE_MAX_BYTES = 1024;

/** The key under which a transition's Event is deduplicated: one Event per key and WFE. */
export function transitionKey(t: WorkflowExecutionTransition): string {
  return t.kind === 'StepFailed' ? `StepFailed/${t.step.name}` : t.kind;
}

/** Where each transition comes in a WFE's life: the first character of its Event's suffix. */
const ORDINAL: Record<WorkflowExecutionTransition['kind'], number> = {
  WaitingForTarget: 1,
  TargetAcquired: 2,
  PipelineRunCreated: 3,
  StepFailed: 4,
  Finished: 5,
};

/**
 * `<wfe name>.<ordinal><15 hex of sha256(uid/key)>`, like the `<object>.<suffix>` names client-go gives
 * Events, but with a suffix that is the same on every attempt. The ordinal (the transition's place in a
 * WFE's life) makes the names sort in the order the transitions happen: `kubectl describe` up to at least
 * v1.32 sorts Events by `lastTimestamp`, which events.k8s.io Events leave empty, so it shows them in the
 * order the API server lists them, by name. The WFE name is shortened (and cut back to a letter or digit)
 * when the whole would exceed a DNS subdomain's 253 characters.
 */
export function eventName(wfe: { name: string; uid: string }, t: WorkflowExecutionTransition): string {
  const suffix = `${ORDINAL[t.kind]}${sha256Hex(`${wfe.uid}/${transitionKey(t)}`).slice(0, 15)}`;
  const room = DNS1123_SUBDOMAIN_MAX - suffix.length - 1;
  const prefix = wfe.name.length <= room ? wfe.name : wfe.name.slice(0, room).replace(/[^a-z0-9]+$/, '');
  return prefix === '' ? suffix : `${prefix}.${suffix}`;
}

/**
 * The Event of a transition; undefined when there is none (a `Finished` status that is not terminal,
 * which the workflow never passes).
 */
export function workflowExecutionEvent(
  wfe: { name: string; uid: string },
  t: WorkflowExecutionTransition,
): WorkflowExecutionEvent | undefined {
  const of = (event: Omit<WorkflowExecutionEvent, 'name'>): WorkflowExecutionEvent => ({
    name: eventName(wfe, t),
    ...event,
    note: truncateNote(event.note),
  });
  switch (t.kind) {
    case 'PipelineRunCreated':
      return of({
        type: 'Normal',
        reason: 'PipelineRunCreated',
        action: 'CreatePipelineRun',
        note: `Created PipelineRun ${t.pipelineRun.name} for ${plural(t.steps, 'step')}`,
        related: { apiVersion: TEKTON_API_VERSION, kind: PIPELINE_RUN.kind, ...t.pipelineRun },
      });
    case 'WaitingForTarget':
      return of({
        type: 'Normal',
        reason: 'WaitingForTarget',
        action: 'WaitForTarget',
        note: describeTargetWait(t.target, t.view),
      });
    case 'TargetAcquired':
      return of({
        type: 'Normal',
        reason: 'TargetAcquired',
        action: 'AcquireTarget',
        note: `Acquired the target ${t.target}${t.waited ? ` after waiting ${t.waited}` : ''}`,
      });
    case 'StepFailed':
      return of({
        type: 'Warning',
        reason: 'StepFailed',
        action: 'RunStep',
        note: describeStepFailure(t.step),
        ...(t.step.taskRunName && {
          related: { apiVersion: TEKTON_API_VERSION, kind: TASK_RUN.kind, name: t.step.taskRunName },
        }),
      });
    case 'Finished':
      return finishedEvent(t.status, of);
  }
}

function finishedEvent(
  status: WorkflowExecutionStatus,
  of: (event: Omit<WorkflowExecutionEvent, 'name'>) => WorkflowExecutionEvent,
): WorkflowExecutionEvent | undefined {
  const related = status.pipelineRunRef && {
    related: { apiVersion: TEKTON_API_VERSION, kind: PIPELINE_RUN.kind, ...status.pipelineRunRef },
  };
  const took = durationOf(status);
  if (status.phase === 'Completed') {
    const total = status.stepCounts?.total ?? status.steps?.length ?? 0;
    return of({
      type: 'Normal',
      reason: 'WorkflowCompleted',
      action: 'Execute',
      note: `${status.progress ?? `${total}/${total}`} steps succeeded${took ? ` in ${took}` : ''}`,
      ...related,
    });
  }
  if (status.phase !== 'Failed') return undefined;
  const details = status.failureDetails;
  const reason = details?.reason ?? 'Unknown';
  const where = details?.failedStep ? ` in step ${details.failedStep}` : '';
  const progress = status.progress ? `; ${status.progress} steps succeeded` : '';
  if (reason === 'Cancelled') {
    return of({
      type: 'Warning',
      reason: 'WorkflowCancelled',
      action: 'Execute',
      note: `Cancelled: ${details?.message ?? 'the execution was cancelled'}${progress}`,
      ...related,
    });
  }
  return of({
    type: 'Warning',
    reason: 'WorkflowFailed',
    action: 'Execute',
    note: `${reason}${where}: ${details?.message ?? 'the execution failed'}${progress}`,
    ...related,
  });
}

/** "Step scale (kubernetes/scale) failed: TaskFailed, exit code 2, after 3 attempts: <message>". */
export function describeStepFailure(step: StepStatus): string {
  const facts = [
    step.reason ?? 'TaskFailed',
    ...(step.exitCode !== undefined ? [`exit code ${step.exitCode}`] : []),
    ...(step.attempts !== undefined && step.attempts > 1 ? [`after ${step.attempts} attempts`] : []),
  ].join(', ');
  return `Step ${step.name} (${step.actionType}) failed: ${facts}${step.message ? `: ${step.message}` : ''}`;
}

/** The steps Failed in `after` that were not Failed in `before` (each gets a StepFailed Event). */
export function newlyFailedSteps(
  before: WorkflowExecutionStatus | undefined,
  after: WorkflowExecutionStatus,
): StepStatus[] {
  const failedBefore = new Set((before?.steps ?? []).filter((s) => s.phase === 'Failed').map((s) => s.name));
  return (after.steps ?? []).filter((s) => s.phase === 'Failed' && !failedBefore.has(s.name));
}

/** At most NOTE_MAX_BYTES of UTF-8, ending with '…' when cut. */
export function truncateNote(note: string): string {
  if (utf8Length(note) <= NOTE_MAX_BYTES) return note;
  const room = NOTE_MAX_BYTES - utf8Length('…');
  let cut = '';
  let bytes = 0;
  for (const ch of note) {
    bytes += utf8Length(ch);
    if (bytes > room) break;
    cut += ch;
  }
  return `${cut}…`;
}

function durationOf(status: WorkflowExecutionStatus): string | undefined {
  if (status.duration) return status.duration;
  const ms = elapsedMs(status.startTime, status.completionTime);
  return ms !== undefined && ms >= 0 ? formatGoDuration(ms) : undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
