import { actionRecordOutcomes } from '../../src/domain/action-outcomes';
import { initialWorkflowExecutionStatus, mapWorkflowExecutionStatus } from '../../src/domain/status';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { loadExample, tektonScenario } from '../support/examples';

const wfe = loadExample('dag-remediation.yaml');
const initial = initialWorkflowExecutionStatus(wfe, '2026-08-20T09:59:58Z');

function finalStatus(scenario: string): WorkflowExecutionStatus {
  const { pipelineRun, taskRuns } = tektonScenario(scenario);
  return mapWorkflowExecutionStatus({
    pipelineRun,
    taskRuns,
    previous: initial,
    now: '2026-08-20T10:40:00Z',
    workflowExecution: wfe,
  });
}

describe('actionRecordOutcomes', () => {
  it('gives one outcome per step, in WFE order', () => {
    expect(actionRecordOutcomes(finalStatus('succeeded')).map((o) => [o.stepName, o.actionType, o.outcome])).toEqual([
      ['restart-pods', 'kubernetes/restart_pod', 'succeeded'],
      ['scale-deployment', 'kubernetes/scale_deployment', 'succeeded'],
      ['create-gitops-pr', 'gitops/create_pr', 'succeeded'],
    ]);
  });

  it('carries timing for the record: start, completion and duration in milliseconds', () => {
    const [restart] = actionRecordOutcomes(finalStatus('succeeded'));
    expect(restart).toMatchObject({
      taskRunName: 'dag-remediation-c4efbe50-restart-pods',
      startTime: '2026-08-20T10:00:02Z',
      completionTime: '2026-08-20T10:00:40Z',
      durationMs: 38_000,
    });
    expect(restart.failureReason).toBeUndefined();
  });

  it('gives a failed step its reason, message and exit code', () => {
    const scale = actionRecordOutcomes(finalStatus('step-oom'))[1];
    expect(scale).toMatchObject({ outcome: 'failed', failureReason: 'OOMKilled', exitCode: 137 });
    expect(scale.failureMessage).toContain('exited with code 137');
  });

  it('records skipped steps as skipped with the reason they did not run', () => {
    const gitops = actionRecordOutcomes(finalStatus('failed-exit-1'))[2];
    expect(gitops).toMatchObject({ outcome: 'skipped' });
    expect(gitops.failureMessage).toContain('PipelineRun was stopping');
  });

  it('records cancelled steps as cancelled', () => {
    expect(actionRecordOutcomes(finalStatus('cancelled')).map((o) => [o.outcome, o.failureReason])).toEqual([
      ['succeeded', undefined],
      ['cancelled', 'Cancelled'],
      ['cancelled', 'Cancelled'],
    ]);
  });

  it('never leaves a record executing: running becomes cancelled, pending becomes skipped', () => {
    const status: WorkflowExecutionStatus = {
      phase: 'Failed',
      steps: [
        { name: 'a', actionType: 'x/y', phase: 'Running', taskRunName: 'pr-a' },
        { name: 'b', actionType: 'x/y', phase: 'Pending' },
      ],
    };
    expect(actionRecordOutcomes(status).map((o) => o.outcome)).toEqual(['cancelled', 'skipped']);
  });

  it('falls back to the failure details for a failed step without its own reason', () => {
    const status: WorkflowExecutionStatus = {
      phase: 'Failed',
      steps: [{ name: 'a', actionType: 'x/y', phase: 'Failed' }],
      failureDetails: {
        reason: 'Forbidden',
        message: 'pods is forbidden',
        failedStep: 'a',
        exitCode: 3,
        wasExecutionFailure: true,
        naturalLanguageSummary: '…',
      },
    };
    expect(actionRecordOutcomes(status)[0]).toMatchObject({
      outcome: 'failed',
      failureReason: 'Forbidden',
      failureMessage: 'pods is forbidden',
      exitCode: 3,
    });
  });
});
