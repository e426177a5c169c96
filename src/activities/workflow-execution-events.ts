/**
 * Creates the Kubernetes Events (`events.k8s.io/v1`) of a WorkflowExecution's transitions, from inside the
 * steps that make the transitions (beginExecution, awaitPipelineRunOutcome, finishExecution): no activity
 * of its own, so the workflow's history is the same with or without them.
 *
 * Which transition gives which Event, and its deterministic name, is src/domain/workflow-execution-events.ts.
 * A retried step creates the same Event again: the API server answers AlreadyExists, and that is success
 * (`duplicate`). An Event is a courtesy to whoever runs `kubectl describe wfe`, never a condition of the
 * remediation: a failure to create one is logged and counted, and the step goes on.
 */
import os from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { asyncLocalStorage, log } from '@temporalio/activity';
import { KUBERNAUT_API_VERSION, WORKFLOW_EXECUTION } from '../domain/names';
import {
  EVENT_REPORTING_CONTROLLER,
  workflowExecutionEvent,
  type EventReason,
  type WorkflowExecutionTransition,
} from '../domain/workflow-execution-events';
import { describeKubernetesError, isAlreadyExists } from '../kubernetes/api-errors';
import type { WorkflowExecutionRef } from './workflow-executions';

/** What became of one Event: created now, already there (a retried step), or not created (logged). */
export type EventOutcome = 'created' | 'duplicate' | 'failed';

export interface WorkflowExecutionEventDeps {
  events: k8s.EventsV1Api;
  /** `reportingInstance`: which worker (default: the host name, in Kubernetes the pod's name). */
  reportingInstance?: string;
  /** Told of every Event's outcome (the worker counts them in kubernaut_workflow_execution_events_total). */
  onOutcome?: (reason: EventReason, outcome: EventOutcome) => void;
}

/** Records the Event of a transition of a WFE; never throws. */
export type RecordWorkflowExecutionEvent = (
  ref: WorkflowExecutionRef,
  transition: WorkflowExecutionTransition,
) => Promise<EventOutcome | undefined>;

/** The API server's limit on `reportingInstance`. */
const REPORTING_INSTANCE_MAX = 128;

export function createWorkflowExecutionEventRecorder(d: WorkflowExecutionEventDeps): RecordWorkflowExecutionEvent {
  const reportingInstance = (d.reportingInstance ?? os.hostname()).slice(0, REPORTING_INSTANCE_MAX);
  return async (ref, transition) => {
    const event = workflowExecutionEvent(ref, transition);
    if (!event) return undefined;
    const body: k8s.EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: event.name, namespace: ref.namespace },
      eventTime: new k8s.V1MicroTime(),
      type: event.type,
      reason: event.reason,
      action: event.action,
      note: event.note,
      reportingController: EVENT_REPORTING_CONTROLLER,
      reportingInstance,
      regarding: {
        apiVersion: KUBERNAUT_API_VERSION,
        kind: WORKFLOW_EXECUTION.kind,
        namespace: ref.namespace,
        name: ref.name,
        uid: ref.uid,
      },
      ...(event.related && { related: { namespace: ref.namespace, ...event.related } }),
    };
    let outcome: EventOutcome;
    try {
      await d.events.createNamespacedEvent({ namespace: ref.namespace, body });
      outcome = 'created';
    } catch (err) {
      if (isAlreadyExists(err)) {
        outcome = 'duplicate';
      } else {
        outcome = 'failed';
        warn('could not create the Event of a WorkflowExecution transition; going on without it', {
          workflowExecution: `${ref.namespace}/${ref.name}`,
          reason: event.reason,
          event: event.name,
          error: describeKubernetesError(err),
        });
      }
    }
    d.onOutcome?.(event.reason, outcome);
    return outcome;
  };
}

/** The activity's logger (with its workflow's ids) inside an activity; stderr elsewhere. */
function warn(message: string, meta: Record<string, unknown>): void {
  if (asyncLocalStorage.getStore() !== undefined) log.warn(message, meta);
  else process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...meta })}\n`);
}
