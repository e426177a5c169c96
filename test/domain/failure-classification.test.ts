import {
  classifyByMessage,
  classifyPipelineRunReason,
  classifyTaskRunFailure,
} from '../../src/domain/failure-classification';

describe('classifyTaskRunFailure', () => {
  it.each([
    // Tekton >= 1.12 reasons say it outright.
    ['StepOOM', '"step-execute" exited with code 137: OOMKilled', [], 'OOMKilled'],
    ['SidecarOOM', 'sidecar "proxy" was OOM killed', [], 'OOMKilled'],
    ['InitContainerOOM', 'init container failed', [], 'OOMKilled'],
    [
      'TaskRunImagePullFailed',
      'the step "execute" in TaskRun "x" failed to pull the image "y"',
      [],
      'ImagePullBackOff',
    ],
    ['TaskRunTimeout', 'TaskRun "x" failed to finish within "5m0s"', [], 'DeadlineExceeded'],
    ['PodEvicted', 'The node was low on resource: memory.', [], 'ResourceExhausted'],
    ['ExceededResourceQuota', 'pods "x" is forbidden: exceeded quota', [], 'ResourceExhausted'],
    ['PodAdmissionFailed', 'violates PodSecurity "restricted:latest"', [], 'Forbidden'],
    ['CreateContainerConfigError', 'secret "token" not found', [], 'ConfigurationError'],
    ['TaskRunValidationFailed', 'invalid input params', [], 'ConfigurationError'],
    ['CouldntGetTask', 'tasks.tekton.dev "kubernaut-action" not found', [], 'ConfigurationError'],
    ['StepFailed', '"step-execute" exited with code 1', [], 'TaskFailed'],
    ['SidecarFailed', 'sidecar exited with code 1', [], 'TaskFailed'],
    ['InitContainerFailed', 'init container failed, "prepare" exited with code 1', [], 'TaskFailed'],
    // Cancellation: by the user, or by the PipelineRun's timeout.
    ['TaskRunCancelled', 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.', [], 'Cancelled'],
    ['TaskRunCancelled', 'TaskRun cancelled as the PipelineRun it belongs to has timed out.', [], 'DeadlineExceeded'],
    // Before 1.12 everything was "Failed": the container termination reason tells the truth.
    ['Failed', '"step-execute" exited with code 137', ['OOMKilled'], 'OOMKilled'],
    ['Failed', '"step-execute" exited because the step exceeded the specified timeout limit', [], 'DeadlineExceeded'],
    ['Failed', '"step-execute" exited with code 1', ['Error'], 'TaskFailed'],
    ['Failed', 'pods "x" is forbidden: User cannot create pods', [], 'Forbidden'],
    // PodCreationFailed: the message decides, a configuration problem otherwise.
    ['PodCreationFailed', 'failed to create task run pod: exceeded quota: compute-resources', [], 'ResourceExhausted'],
    ['PodCreationFailed', 'failed to create task run pod: admission webhook denied', [], 'ConfigurationError'],
    // Never seen before: upstream's message rules, else Unknown.
    ['SomethingNewInTekton', 'the frobnicator declined', [], 'Unknown'],
    ['SomethingNewInTekton', 'container was OOMKilled', [], 'OOMKilled'],
    [undefined, undefined, [], 'Unknown'],
  ])('%s "%s" %j → %s', (reason, message, terminationReasons, expected) => {
    expect(classifyTaskRunFailure({ reason, message, terminationReasons })).toBe(expected);
  });
});

describe('classifyPipelineRunReason', () => {
  it.each([
    ['PipelineRunTimeout', 'PipelineRun "x" failed to finish within "30m0s"', 'DeadlineExceeded'],
    ['Cancelled', 'PipelineRun "x" was cancelled', 'Cancelled'],
    ['CouldntGetTask', '[User error] … tasks.tekton.dev "kubernaut-action" not found', 'ConfigurationError'],
    ['PipelineValidationFailed', '[User error] …', 'ConfigurationError'],
    ['PipelineInvalidGraph', 'cycle detected', 'ConfigurationError'],
    ['ParameterMissing', 'missing param', 'ConfigurationError'],
    ['CreateRunFailed', 'taskruns.tekton.dev is forbidden', 'Forbidden'],
    ['CreateRunFailed', 'something odd', 'ConfigurationError'],
  ])('%s → %s', (reason, message, expected) => {
    expect(classifyPipelineRunReason({ reason, message })).toBe(expected);
  });

  it.each([['Failed'], ['Succeeded'], ['SomethingNew'], [undefined]])('leaves %s to the tasks', (reason) => {
    expect(
      classifyPipelineRunReason({ reason, message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1' }),
    ).toBeUndefined();
  });
});

describe('classifyByMessage (upstream kubernaut rules, first match wins)', () => {
  it.each([
    ['', 'container OOMKilled', 'OOMKilled'],
    ['', 'killed: oom', 'OOMKilled'],
    ['', 'no room left in the zoom call', 'Unknown'],
    ['PipelineRunTimeout', '', 'DeadlineExceeded'],
    ['', 'context deadline exceeded', 'DeadlineExceeded'],
    ['', 'RBAC: access denied', 'Forbidden'],
    ['', 'open /data: permission denied', 'Forbidden'],
    ['', 'exceeded quota: pods=10', 'ResourceExhausted'],
    ['', 'Back-off: ImagePullBackOff', 'ImagePullBackOff'],
    ['', 'invalid value for field', 'ConfigurationError'],
    ['TaskFailed', '', 'TaskFailed'],
    ['Failed', 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1', 'TaskFailed'],
    ['TaskRunFailed', 'boom', 'Unknown'],
    // Order matters: an OOM that also timed out is an OOM.
    ['', 'OOMKilled after timeout', 'OOMKilled'],
  ])('%s "%s" → %s', (reason, message, expected) => {
    expect(classifyByMessage({ reason, message })).toBe(expected);
  });
});
