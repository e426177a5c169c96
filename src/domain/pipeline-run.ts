/**
 * WorkflowExecution → Tekton PipelineRun (ADR-024): one PipelineTask per step, all running the generic
 * `kubernaut-action` Task with the step's action type, image and inputs as parameters; Tekton owns the
 * DAG (`runAfter`), retries and timeouts. Pure and deterministic: the same WFE always yields the same
 * object, so creating it twice is detected as AlreadyExists and adopted instead of running twice.
 */
import { formatGoDuration, parseGoDuration } from './duration';
import { sha256Hex } from './hash';
import { toLabelValue } from './kubernetes-names';
import {
  ANNOTATIONS,
  KUBERNAUT_ACTION_TASK,
  KUBERNAUT_API_VERSION,
  LABELS,
  MANAGED_BY,
  PIPELINE_RUN,
  TEKTON_API_VERSION,
  WORKFLOW_EXECUTION,
} from './names';
import { DEFAULT_EXECUTION_TIMEOUT, WorkflowExecution } from './workflow-execution';

/** Parameter names of the kubernaut-action Task (deploy/tekton/kubernaut-action.yaml). */
export const ACTION_PARAMS = {
  actionType: 'actionType',
  actionImage: 'actionImage',
  inputs: 'inputs',
} as const;

export interface PipelineTaskManifest {
  name: string;
  taskRef: { name: string; kind: 'Task' };
  params: { name: string; value: string }[];
  runAfter?: string[];
  timeout?: string;
  retries?: number;
}

/** The PipelineRun this project creates (the subset of tekton.dev/v1 it sets). */
export interface PipelineRunManifest {
  apiVersion: typeof TEKTON_API_VERSION;
  kind: typeof PIPELINE_RUN.kind;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller: true;
      blockOwnerDeletion: true;
    }[];
  };
  spec: {
    pipelineSpec: { tasks: PipelineTaskManifest[] };
    timeouts: { pipeline: string };
    taskRunTemplate: {
      serviceAccountName?: string;
      podTemplate: { securityContext: { runAsNonRoot: true; seccompProfile: { type: 'RuntimeDefault' } } };
    };
  };
}

export interface TranslateOptions {
  /** Temporal workflow id driving this execution, recorded as an annotation for operators. */
  temporalWorkflowId: string;
  /**
   * What is left of the WFE's timeout when the PipelineRun is created later than the start of its
   * execution (it waited for its target: the timeout covers waiting and running), in whole seconds.
   * The pipeline timeout and any longer step timeout are cut to it.
   */
  remainingTimeoutMs?: number;
}

/** Characters of the WFE name kept in the PipelineRun name; see pipelineRunName. */
const NAME_PREFIX_MAX = 40;
const UID_HASH_LENGTH = 8;

/**
 * `<wfe name, at most 40 chars>-<8 hex of sha256(uid)>`, at most 49 characters. The uid makes a WFE
 * deleted and re-created under the same name a different PipelineRun; the short length keeps Tekton's
 * child names (`<pipelinerun>-<step>`) readable for most step names instead of hashed.
 */
export function pipelineRunName(wfe: { metadata: { name: string; uid?: string } }): string {
  const uid = requireUid(wfe);
  const prefix = wfe.metadata.name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, NAME_PREFIX_MAX)
    .replace(/^-+|-+$/g, '');
  const suffix = sha256Hex(uid).slice(0, UID_HASH_LENGTH);
  return prefix === '' ? `wfe-${suffix}` : `${prefix}-${suffix}`;
}

/**
 * Step inputs as the `inputs` parameter: JSON with every '$' written as the JSON escape "\u0024".
 * Tekton substitutes `$(...)` expressions inside parameter values; escaping keeps user data from
 * being read as a Tekton variable (or rejected as an unknown one) while decoding to the same JSON.
 */
export function serializeInputs(inputs: Record<string, unknown>): string {
  return JSON.stringify(inputs).replace(/\$/g, '\\u0024');
}

export function translatePipelineRun(wfe: WorkflowExecution, options: TranslateOptions): PipelineRunManifest {
  const { metadata, spec } = wfe;
  const uid = requireUid(wfe);
  const tasks = spec.steps.map((step): PipelineTaskManifest => {
    const task: PipelineTaskManifest = {
      name: step.name,
      taskRef: { name: KUBERNAUT_ACTION_TASK, kind: 'Task' },
      params: [
        { name: ACTION_PARAMS.actionType, value: step.actionType },
        { name: ACTION_PARAMS.actionImage, value: step.image },
        { name: ACTION_PARAMS.inputs, value: serializeInputs(step.inputs) },
      ],
    };
    if (step.runAfter.length > 0) task.runAfter = [...step.runAfter];
    if (step.timeout !== undefined) task.timeout = withinRemaining(step.timeout, options.remainingTimeoutMs);
    if (step.retries !== undefined) task.retries = step.retries;
    return task;
  });

  return {
    apiVersion: TEKTON_API_VERSION,
    kind: PIPELINE_RUN.kind,
    metadata: {
      name: pipelineRunName(wfe),
      namespace: metadata.namespace,
      labels: {
        [LABELS.workflowExecution]: toLabelValue(metadata.name),
        [LABELS.remediation]: toLabelValue(spec.remediationRequestRef.name),
        [LABELS.targetResource]: toLabelValue(spec.targetResource),
        [LABELS.managedBy]: MANAGED_BY,
      },
      annotations: {
        [ANNOTATIONS.targetResource]: spec.targetResource,
        [ANNOTATIONS.temporalWorkflowId]: options.temporalWorkflowId,
      },
      ownerReferences: [
        {
          apiVersion: KUBERNAUT_API_VERSION,
          kind: WORKFLOW_EXECUTION.kind,
          name: metadata.name,
          uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      pipelineSpec: { tasks },
      timeouts: { pipeline: withinRemaining(spec.timeout ?? DEFAULT_EXECUTION_TIMEOUT, options.remainingTimeoutMs) },
      taskRunTemplate: {
        ...(spec.serviceAccountName !== undefined && { serviceAccountName: spec.serviceAccountName }),
        podTemplate: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
      },
    },
  };
}

/**
 * A duration as Tekton stores it: its admission webhook rewrites "5m" to Go's canonical "5m0s", so the
 * PipelineRun is created in that form and what the API server returns equals what was sent.
 */
/** `text` in Tekton's canonical form, cut to `remainingMs` (whole seconds, at least one) when that is shorter. */
function withinRemaining(text: string, remainingMs: number | undefined): string {
  const ms = parseGoDuration(text);
  if (remainingMs === undefined || ms <= remainingMs) return formatGoDuration(ms);
  return formatGoDuration(Math.max(1_000, Math.floor(remainingMs / 1_000) * 1_000));
}

function requireUid(wfe: { metadata: { name: string; uid?: string } }): string {
  const uid = wfe.metadata.uid;
  if (typeof uid !== 'string' || uid === '') {
    throw new Error(
      `WorkflowExecution ${wfe.metadata.name} has no metadata.uid; the PipelineRun name and owner reference are derived from it (objects read from the API server always have one)`,
    );
  }
  return uid;
}
