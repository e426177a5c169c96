import {
  failedWorkflowExecutionStatus,
  initialWorkflowExecutionStatus,
  interruptedWorkflowExecutionStatus,
  mapWorkflowExecutionStatus,
} from '../../src/domain/status';
import { executionTimeoutOf, isTerminalPhase, WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { loadExample, readExample, tektonScenario } from '../support/examples';

const wfe = loadExample('dag-remediation.yaml');
const temporal = { namespace: 'default', workflowId: 'wfe/demo/dag-remediation/uid' };
const T0 = '2026-08-20T09:59:58Z';
const initial = initialWorkflowExecutionStatus(wfe, T0, { temporal });
const running = (() => {
  const { pipelineRun, taskRuns } = tektonScenario('running-partial');
  return mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: initial, now: '2026-08-20T10:00:45Z' });
})();
const ready = (s: WorkflowExecutionStatus) => s.conditions?.find((c) => c.type === 'Ready');

describe('initialWorkflowExecutionStatus', () => {
  it('is Pending with every step Pending, in WFE order, with its action type', () => {
    expect(initial.phase).toBe('Pending');
    expect(initial.steps).toEqual([
      { name: 'restart-pods', actionType: 'kubernetes/restart_pod', phase: 'Pending' },
      { name: 'scale-deployment', actionType: 'kubernetes/scale_deployment', phase: 'Pending' },
      { name: 'create-gitops-pr', actionType: 'gitops/create_pr', phase: 'Pending' },
    ]);
    expect(initial.progress).toBe('0/3');
  });

  it('records the observed generation, the Temporal reference and Ready=Unknown', () => {
    expect(initial.observedGeneration).toBe(1);
    expect(initial.temporal).toEqual(temporal);
    expect(ready(initial)).toMatchObject({ status: 'Unknown', reason: 'Pending', lastTransitionTime: T0 });
  });

  it('has no start time: nothing has started', () => {
    expect(initial.startTime).toBeUndefined();
    expect(initial.completionTime).toBeUndefined();
  });

  it('writes dates as RFC 3339 at second precision whatever the input form', () => {
    const fromDate = initialWorkflowExecutionStatus(wfe, new Date('2026-08-20T09:59:58.734Z'));
    expect(ready(fromDate)?.lastTransitionTime).toBe(T0);
  });
});

describe('failedWorkflowExecutionStatus', () => {
  const NOW = '2026-08-20T10:30:00Z';

  it('reports an invalid spec as ConfigurationError with nothing run and nothing to undo', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'spec.steps[2].runAfter[0]: steps form a cycle',
      previous: initial,
      now: NOW,
    });
    expect(status.phase).toBe('Failed');
    expect(status.steps?.map((s) => s.phase)).toEqual(['Skipped', 'Skipped', 'Skipped']);
    expect(status.failureDetails).toMatchObject({ reason: 'ConfigurationError', wasExecutionFailure: false });
    expect(status.failureDetails?.failedStep).toBeUndefined();
    expect(status.completionTime).toBe(NOW);
    expect(status.duration).toBeUndefined();
    expect(ready(status)).toMatchObject({ status: 'False', reason: 'ConfigurationError', lastTransitionTime: NOW });
  });

  it('takes steps and names from a WFE that failed validation when there is no previous status', () => {
    const raw = readExample('invalid.yaml');
    const status = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'invalid',
      now: NOW,
      workflowExecution: raw,
    });
    expect(status.steps?.map((s) => s.name)).toEqual(['Restart_Pods', 'scale', 'verify']);
    expect(status.failureDetails?.naturalLanguageSummary).toContain('demo/invalid-remediation');
    expect(status.failureDetails?.naturalLanguageSummary).toContain('demo/Deployment/payment-api');
  });

  it('does not throw on a WFE that is not even an object', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'x',
      now: NOW,
      workflowExecution: 42,
    });
    expect(status.steps).toEqual([]);
  });

  it('fails a step cut off by the deadline with DeadlineExceeded and skips the steps not started', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'DeadlineExceeded',
      message: 'execution deadline of 30m passed',
      previous: running,
      now: NOW,
    });
    expect(status.steps?.map((s) => [s.phase, s.reason])).toEqual([
      ['Succeeded', undefined],
      ['Failed', 'DeadlineExceeded'],
      ['Skipped', undefined],
    ]);
    expect(status.failureDetails).toMatchObject({
      reason: 'DeadlineExceeded',
      failedStep: 'scale-deployment',
      wasExecutionFailure: true,
    });
    expect(status.startTime).toBe(running.startTime);
    expect(status.duration).toBe('29m59s');
  });

  it('cancels running and pending steps on Cancelled', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'Cancelled',
      message: 'cancelled by the orchestrator',
      previous: running,
      now: NOW,
    });
    expect(status.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Cancelled', 'Cancelled']);
    expect(status.failureDetails?.wasExecutionFailure).toBe(true);
  });

  it('marks running steps with PipelineRunDeleted when the PipelineRun vanished', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'PipelineRunDeleted',
      message: 'PipelineRun dag-remediation-c4efbe50 was deleted while running',
      previous: running,
      now: NOW,
    });
    expect(status.steps?.[1]).toMatchObject({ phase: 'Cancelled', reason: 'PipelineRunDeleted' });
    expect(status.pipelineRunRef).toEqual(running.pipelineRunRef);
    expect(status.temporal).toEqual(temporal);
  });

  it('lets the caller say whether actions ran', () => {
    const status = failedWorkflowExecutionStatus({
      reason: 'Cancelled',
      message: 'x',
      previous: running,
      now: NOW,
      wasExecutionFailure: false,
    });
    expect(status.failureDetails?.wasExecutionFailure).toBe(false);
  });

  it('keeps a terminal status as it is: the first outcome stands', () => {
    const failed = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'x',
      previous: initial,
      now: NOW,
    });
    expect(
      failedWorkflowExecutionStatus({
        reason: 'Cancelled',
        message: 'y',
        previous: failed,
        now: '2026-08-20T11:00:00Z',
      }),
    ).toEqual(failed);
  });

  it('is idempotent', () => {
    const input = { reason: 'DeadlineExceeded' as const, message: 'late', previous: running, now: NOW };
    expect(failedWorkflowExecutionStatus(input)).toEqual(failedWorkflowExecutionStatus(input));
  });
});

describe('interruptedWorkflowExecutionStatus', () => {
  const NOW = new Date('2026-08-20T10:30:00Z');
  const cancelledByTekton = (() => {
    const { pipelineRun, taskRuns } = tektonScenario('cancelled');
    return mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: running, now: '2026-08-20T10:29:59Z' });
  })();

  it('fails a running execution with the cause, now', () => {
    const stopped = interruptedWorkflowExecutionStatus({
      seen: running,
      reason: 'DeadlineExceeded',
      message: 'late',
      now: NOW,
    });
    expect(stopped).toEqual(
      failedWorkflowExecutionStatus({ reason: 'DeadlineExceeded', message: 'late', previous: running, now: NOW }),
    );
  });

  it('attributes a cancellation Tekton reported to the cause, at the time Tekton reported it, keeping step outcomes', () => {
    expect(cancelledByTekton.failureDetails?.reason).toBe('Cancelled');
    const stopped = interruptedWorkflowExecutionStatus({
      seen: cancelledByTekton,
      reason: 'DeadlineExceeded',
      message: 'late',
      now: NOW,
    })!;
    expect(stopped.phase).toBe('Failed');
    expect(stopped.failureDetails).toMatchObject({ reason: 'DeadlineExceeded', message: 'late' });
    expect(stopped.completionTime).toBe(cancelledByTekton.completionTime);
    expect(stopped.steps?.map((s) => s.phase)).toEqual(cancelledByTekton.steps?.map((s) => s.phase));
  });

  it('leaves a status that already tells the outcome alone', () => {
    const completed = (() => {
      const { pipelineRun, taskRuns } = tektonScenario('succeeded');
      return mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: running, now: '2026-08-20T10:29:59Z' });
    })();
    expect(completed.phase).toBe('Completed');
    expect(interruptedWorkflowExecutionStatus({ seen: completed, reason: 'Cancelled', message: 'x', now: NOW })).toBe(
      undefined,
    );
    expect(
      interruptedWorkflowExecutionStatus({ seen: cancelledByTekton, reason: 'Cancelled', message: 'x', now: NOW }),
    ).toBeUndefined();
  });
});

describe('executionTimeoutOf', () => {
  it('reads the spec timeout, or the 30 minute default, as written and in milliseconds', () => {
    expect(executionTimeoutOf({ timeout: '1h30m' })).toEqual({ text: '1h30m', ms: 5_400_000 });
    expect(executionTimeoutOf({})).toEqual({ text: '30m', ms: 1_800_000 });
  });
});

describe('isTerminalPhase', () => {
  it.each([
    ['Completed', true],
    ['Failed', true],
    ['Running', false],
    ['Pending', false],
    [undefined, false],
    ['', false],
  ])('%s → %s', (phase, terminal) => {
    expect(isTerminalPhase(phase)).toBe(terminal);
  });
});

describe('requestedBy: who asked, carried through every status', () => {
  const requester = 'system:serviceaccount:kubernaut-system:remediationorchestrator-controller';
  const asked = { ...wfe, metadata: { ...wfe.metadata, annotations: { 'kubernaut.ai/requested-by': requester } } };
  const { pipelineRun, taskRuns } = tektonScenario('running-partial');

  it('is absent when the WFE does not say', () => {
    expect(initial.requestedBy).toBeUndefined();
    expect(running.requestedBy).toBeUndefined();
  });

  it('comes from the kubernaut.ai/requested-by annotation into the initial status', () => {
    expect(initialWorkflowExecutionStatus(asked, T0, { temporal }).requestedBy).toBe(requester);
  });

  it('stays in statuses mapped from Tekton and in failures the workflow decides', () => {
    const first = initialWorkflowExecutionStatus(asked, T0, { temporal });
    const mapped = mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: first, now: '2026-08-20T10:00:45Z' });
    expect(mapped.requestedBy).toBe(requester);
    const failed = failedWorkflowExecutionStatus({
      reason: 'DeadlineExceeded',
      message: 'late',
      previous: mapped,
      now: T0,
    });
    expect(failed.requestedBy).toBe(requester);
    // Mapped without a previous status, it is read from the WFE itself.
    expect(mapWorkflowExecutionStatus({ pipelineRun, taskRuns, workflowExecution: asked, now: T0 }).requestedBy).toBe(
      requester,
    );
  });

  it('is reported for a WFE rejected by validation too', () => {
    const rejected = {
      metadata: { name: 'x', namespace: 'demo', annotations: { 'kubernaut.ai/requested-by': 'alice' } },
    };
    const status = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'invalid',
      now: T0,
      workflowExecution: rejected,
      wasExecutionFailure: false,
    });
    expect(status.requestedBy).toBe('alice');
  });
});
