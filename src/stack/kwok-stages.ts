/**
 * KWOK stages: how the fake kubelet plays the pods Tekton creates. KWOK runs no containers; each stage
 * matches objects with jq expressions and writes their next status from a Go template. The stages here
 * make Tekton's TaskRun pods behave as the step's *simulation directive* asks — the same data the old
 * in-repo simulator read, so tests and the demo choose outcomes through the WorkflowExecution itself:
 *
 *   steps[].inputs.simulate = { outcome: succeed | fail | oom | imagepull | hang,
 *                               exitCode?: 1..255 (fail), durationMs?: ≥ 0, failAttempts?: N }
 *
 * Tekton hands a step's inputs to its container as the ACTION_INPUTS environment variable (the
 * `kubernaut-action` Task), so the stages read the directive from the pod spec. `failAttempts` makes only
 * the first N attempts take the outcome: Tekton names retry pods `<taskrun>-pod-retry<N>`. Inputs without
 * a directive succeed after `defaultStepDurationMs`. Pods of anything else (no `step-execute` container)
 * simply run and, when owned by a Job, complete — as KWOK's own default stages do.
 *
 * Outcome → pod, as a kubelet would report it:
 *   succeed   Running, then every container terminated with exit code 0, phase Succeeded
 *   fail      Running, then the step container terminated `Error` with the exit code, phase Failed
 *   oom       Running, then the step container terminated `OOMKilled` (137), phase Failed
 *   imagepull Pending, the step container waiting in `ImagePullBackOff`
 *   hang      Running until deleted (timeouts, cancellation)
 */

export const SIMULATED_OUTCOMES = ['succeed', 'fail', 'oom', 'imagepull', 'hang'] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number];

/** The container the `kubernaut-action` Task's one step runs in (Tekton prefixes step names with `step-`). */
export const STEP_CONTAINER = 'step-execute';

/** jq: the step's `simulate` object, or {} when its inputs carry none (or are not JSON). */
const DIRECTIVE =
  `(first(.spec.containers[]? | select(.name == "${STEP_CONTAINER}") | .env[]? ` +
  `| select(.name == "ACTION_INPUTS") | .value | fromjson? | objects | .simulate | objects) // {})`;

/** jq: the attempt this pod runs (0 = first; Tekton's retry pods end in `-retry<N>`). */
const ATTEMPT = `((.metadata.name | capture("-retry(?<n>[0-9]+)$") | .n | tonumber) // 0)`;

/** jq: the outcome this pod takes, after `failAttempts`. */
export const OUTCOME_EXPRESSION =
  `${DIRECTIVE} as $s | ${ATTEMPT} as $attempt | ` +
  `if (($s.failAttempts | type) == "number" and $attempt >= $s.failAttempts) then "succeed" ` +
  `else ($s.outcome // "succeed") end`;

/** jq: the directive's duration as a Go duration string; nothing when unset (the stage default applies). */
export const DURATION_EXPRESSION = `${DIRECTIVE} | .durationMs | numbers | tostring + "ms"`;

type Expression = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

const notDeleting: Expression = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const phase = (...values: string[]): Expression => ({ key: '.status.phase', operator: 'In', values });
const outcome = (operator: 'In' | 'NotIn', ...values: SimulatedOutcome[]): Expression => ({
  key: OUTCOME_EXPRESSION,
  operator,
  values,
});
const ownedBy = (kind: string): Expression => ({
  key: '.metadata.ownerReferences.[].kind',
  operator: 'In',
  values: [kind],
});

export interface Stage {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Pod' | 'Node' };
    selector: { matchExpressions: Expression[] };
    delay?: { durationMilliseconds: number; durationFrom?: { expressionFrom: string } };
    next: { statusTemplate?: string; delete?: boolean };
  };
}

function stage(
  name: string,
  kind: 'Pod' | 'Node',
  matchExpressions: Expression[],
  next: Stage['spec']['next'],
  delay?: Stage['spec']['delay'],
): Stage {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: { resourceRef: { apiGroup: 'v1', kind }, selector: { matchExpressions }, ...(delay && { delay }), next },
  };
}

const NODE_READY = `
{{ $now := Now }}
conditions:
- {type: Ready, status: "True", reason: KubeletReady, message: "kwok fake kubelet is ready", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
- {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
- {type: DiskPressure, status: "False", reason: KubeletHasNoDiskPressure, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
- {type: PIDPressure, status: "False", reason: KubeletHasSufficientPID, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
addresses:
- {type: InternalIP, address: {{ NodeIP | Quote }}}
- {type: Hostname, address: {{ .metadata.name | Quote }}}
allocatable: {{ YAML .status.capacity 1 }}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ Version | Quote }}
  kubeProxyVersion: {{ Version | Quote }}
phase: Running
`;

/** Pod running: init containers completed, every container running (KWOK's pod-ready, for all pods). */
const POD_RUNNING = `
{{ $now := Now }}
conditions:
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
initContainerStatuses:
{{ range .spec.initContainers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, started: true, restartCount: 0, state: {running: {startedAt: {{ $now | Quote }}}}}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`;

/**
 * Every container terminated; the step container with `reason`/`exitCode` (Go template expressions),
 * the others (Tekton's sidecars, if any) completed.
 */
function podTerminated(podPhase: 'Succeeded' | 'Failed', reason: string, exitCode: string): string {
  return `
{{ $now := Now }}
{{ $inputs := "{}" }}
{{ range .spec.containers }}{{ if eq .name "${STEP_CONTAINER}" }}{{ range .env }}{{ if eq .name "ACTION_INPUTS" }}{{ $inputs = .value }}{{ end }}{{ end }}{{ end }}{{ end }}
{{ $simulate := (fromJson $inputs).simulate | default dict }}
{{ $started := .status.startTime | default $now }}
conditions:
- {type: Initialized, status: "True", lastTransitionTime: {{ $started | Quote }}}
- {type: Ready, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $started | Quote }}}
containerStatuses:
{{ range .spec.containers }}
{{ if eq .name "${STEP_CONTAINER}" }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: false, started: false, restartCount: 0, state: {terminated: {exitCode: ${exitCode}, reason: ${reason}, startedAt: {{ $started | Quote }}, finishedAt: {{ $now | Quote }}}}}
{{ else }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: false, started: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $started | Quote }}, finishedAt: {{ $now | Quote }}}}}
{{ end }}
{{ end }}
phase: ${podPhase}
`;
}

const POD_IMAGE_PULL_BACKOFF = `
{{ $now := Now }}
conditions:
- {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
- {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
- {type: PodScheduled, status: "True", lastTransitionTime: {{ $now | Quote }}}
initContainerStatuses:
{{ range .spec.initContainers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: true, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- {name: {{ .name | Quote }}, image: {{ .image | Quote }}, ready: false, started: false, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: {{ printf "Back-off pulling image %q" .image | Quote }}}}}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
phase: Pending
startTime: {{ $now | Quote }}
`;

export interface StageOptions {
  /** How long a step without `simulate.durationMs` runs before it completes. */
  defaultStepDurationMs: number;
}

export function kwokStages(options: StageOptions): Stage[] {
  const scheduled: Expression = { key: '.spec.nodeName', operator: 'Exists' };
  const noReady: Expression = {
    key: '.status.conditions.[] | select(.type == "Ready") | .status',
    operator: 'NotIn',
    values: ['True'],
  };
  const noStatuses: Expression = { key: '.status.containerStatuses', operator: 'DoesNotExist' };
  const taskRunPod = ownedBy('TaskRun');
  const stepDelay = {
    durationMilliseconds: options.defaultStepDurationMs,
    durationFrom: { expressionFrom: DURATION_EXPRESSION },
  };
  return [
    stage('node-ready', 'Node', [noReady], { statusTemplate: NODE_READY }),
    stage('pod-running', 'Pod', [notDeleting, scheduled, phase('Pending'), noStatuses, outcome('NotIn', 'imagepull')], {
      statusTemplate: POD_RUNNING,
    }),
    stage(
      'pod-image-pull-backoff',
      'Pod',
      [notDeleting, scheduled, phase('Pending'), noStatuses, outcome('In', 'imagepull')],
      {
        statusTemplate: POD_IMAGE_PULL_BACKOFF,
      },
    ),
    stage('job-pod-complete', 'Pod', [notDeleting, phase('Running'), ownedBy('Job')], {
      statusTemplate: podTerminated('Succeeded', 'Completed', '0'),
    }),
    stage(
      'step-succeed',
      'Pod',
      [notDeleting, phase('Running'), taskRunPod, outcome('In', 'succeed')],
      { statusTemplate: podTerminated('Succeeded', 'Completed', '0') },
      stepDelay,
    ),
    stage(
      'step-fail',
      'Pod',
      [notDeleting, phase('Running'), taskRunPod, outcome('In', 'fail')],
      { statusTemplate: podTerminated('Failed', 'Error', '{{ $simulate.exitCode | default 1 }}') },
      stepDelay,
    ),
    stage(
      'step-oom',
      'Pod',
      [notDeleting, phase('Running'), taskRunPod, outcome('In', 'oom')],
      { statusTemplate: podTerminated('Failed', 'OOMKilled', '137') },
      stepDelay,
    ),
    // KWOK's pod-delete: what a kubelet does once the pod's containers are stopped.
    stage('pod-delete', 'Pod', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], { delete: true }),
  ];
}
