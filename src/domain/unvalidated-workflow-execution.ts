/**
 * What can be read from a WorkflowExecution that has not been validated: the object as the API server
 * returned it (the watcher's decisions, the starter's search attributes), or a spec that failed
 * validation (the status and the effectiveness signal of a rejected WFE). One reader, so all of them read
 * the same fields the same way: a field that is missing or of the wrong type reads as absent, never as an
 * exception — the CRD schema makes such objects unlikely, not impossible (a bypassed or older CRD).
 */
import { ANNOTATIONS } from './names';
import { asString, isObject } from './tekton';

/**
 * Longest `kubernaut.ai/requested-by` value taken as a user name. Kubernetes sets no limit on user names,
 * but real ones are far shorter; a longer value is not one, and must not make a status or a record unwritable.
 */
export const MAX_REQUESTED_BY_LENGTH = 512;

export interface UnvalidatedStep {
  name?: string;
  actionType?: string;
}

export interface UnvalidatedWorkflowExecution {
  namespace?: string;
  name?: string;
  uid?: string;
  generation?: number;
  /**
   * Who created the WFE, from its `kubernaut.ai/requested-by` annotation (non-empty, at most
   * MAX_REQUESTED_BY_LENGTH characters): verified at admission where deploy/admission/ is installed, a
   * claim otherwise (SECURITY.md, "Who asked").
   */
  requestedBy?: string;
  /** Present when `spec.remediationRequestRef.name` is a non-empty string. */
  remediationRequestRef?: { name: string; namespace?: string };
  targetResource?: string;
  /** `spec.timeout` as written (not checked as a duration). */
  timeout?: string;
  /** One entry per element of `spec.steps`, in order (an element that is not an object reads as `{}`). */
  steps: UnvalidatedStep[];
  /** `status.phase`. */
  phase?: string;
  /** `status.temporal.workflowId`: the workflow that reported itself in the status. */
  temporalWorkflowId?: string;
  /** `status.temporal` is set at all (by the workflow, or by the watcher right after the start). */
  hasTemporalStatus: boolean;
}

export function readUnvalidatedWorkflowExecution(object: unknown): UnvalidatedWorkflowExecution {
  const wfe = isObject(object) ? object : {};
  const metadata = isObject(wfe.metadata) ? wfe.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  const requestedBy = asString(annotations[ANNOTATIONS.requestedBy]);
  const spec = isObject(wfe.spec) ? wfe.spec : {};
  const status = isObject(wfe.status) ? wfe.status : {};
  const ref = isObject(spec.remediationRequestRef) ? spec.remediationRequestRef : {};
  const refName = asString(ref.name);
  const refNamespace = asString(ref.namespace);
  const temporal = isObject(status.temporal) ? status.temporal : {};
  return {
    ...defined('namespace', asString(metadata.namespace)),
    ...defined('name', asString(metadata.name)),
    ...defined('uid', asString(metadata.uid)),
    ...defined('generation', typeof metadata.generation === 'number' ? metadata.generation : undefined),
    ...defined('requestedBy', requestedBy && requestedBy.length <= MAX_REQUESTED_BY_LENGTH ? requestedBy : undefined),
    ...defined('remediationRequestRef', refName ? { name: refName, ...defined('namespace', refNamespace) } : undefined),
    ...defined('targetResource', asString(spec.targetResource)),
    ...defined('timeout', asString(spec.timeout)),
    steps: (Array.isArray(spec.steps) ? spec.steps : []).map((step: unknown) =>
      isObject(step)
        ? { ...defined('name', asString(step.name)), ...defined('actionType', asString(step.actionType)) }
        : {},
    ),
    ...defined('phase', asString(status.phase)),
    ...defined('temporalWorkflowId', asString(temporal.workflowId)),
    hasTemporalStatus: Boolean(status.temporal),
  };
}

/** The action types the steps name, in step order (repeats and empty strings included: callers decide). */
export function actionTypesOf(wfe: UnvalidatedWorkflowExecution): string[] {
  return wfe.steps.flatMap((s) => (s.actionType === undefined ? [] : [s.actionType]));
}

/** `{ [key]: value }` when the value is defined, `{}` otherwise: no `undefined` fields in what is read. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
