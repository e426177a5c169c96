/** The Web UI's current details of a WFE run: readable markdown, not one run-on paragraph (issue #15). */
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { describeStatus } from '../../src/workflows/workflow-execution-details';

const ref = { namespace: 'prod', name: 'restart-api' };

const running: WorkflowExecutionStatus = {
  phase: 'Running',
  progress: '1/3',
  stepCounts: { total: 3, pending: 1, running: 1, succeeded: 1, failed: 0, skipped: 0, cancelled: 0 },
  pipelineRunRef: { namespace: 'prod', name: 'restart-api-1a2b3c' },
  steps: [
    { name: 'drain', actionType: 'kubernetes/drain_node', phase: 'Succeeded' },
    { name: 'restart', actionType: 'kubernetes/restart_pod', phase: 'Running' },
    { name: 'verify', actionType: 'kubernetes/verify', phase: 'Pending' },
  ],
} as WorkflowExecutionStatus;

describe('describeStatus', () => {
  it('writes counts in words ("1 of 3"), never as "1/3" (which markdown renders as a fraction glyph)', () => {
    const text = describeStatus(ref, running);
    expect(text.split('\n')[0]).toBe('**WorkflowExecution prod/restart-api**: Running, 1 of 3 steps succeeded');
    expect(text).not.toMatch(/\d\/\d/);
  });

  it('separates paragraphs with blank lines and lists the steps as a markdown list with their phases', () => {
    const paragraphs = describeStatus(ref, running).split('\n\n');
    expect(paragraphs).toEqual([
      '**WorkflowExecution prod/restart-api**: Running, 1 of 3 steps succeeded',
      'PipelineRun `prod/restart-api-1a2b3c`',
      [
        '- **drain** (`kubernetes/drain_node`): Succeeded',
        '- **restart** (`kubernetes/restart_pod`): Running',
        '- **verify** (`kubernetes/verify`): Pending',
      ].join('\n'),
    ]);
  });

  it('names a failed step’s reason and exit code, and the failure as its own paragraph', () => {
    const failed = {
      ...running,
      phase: 'Failed',
      steps: [
        { name: 'restart', actionType: 'kubernetes/restart_pod', phase: 'Failed', reason: 'TaskFailed', exitCode: 3 },
      ],
      failureDetails: { reason: 'TaskFailed', message: 'step restart exited with code 3' },
    } as WorkflowExecutionStatus;
    const paragraphs = describeStatus(ref, failed).split('\n\n');
    expect(paragraphs).toContain('- **restart** (`kubernetes/restart_pod`): Failed (TaskFailed, exit code 3)');
    expect(paragraphs[paragraphs.length - 1]).toBe('Failure: **TaskFailed**: step restart exited with code 3');
  });

  it('says where a queued WFE stands for its target', () => {
    const waiting = {
      phase: 'Pending',
      targetLock: { reason: 'TargetBusy', position: 2, queueLength: 3, holder: 'prod/other' },
    } as WorkflowExecutionStatus;
    expect(describeStatus(ref, waiting).split('\n\n')).toEqual([
      '**WorkflowExecution prod/restart-api**: Pending',
      'Waiting for the target (TargetBusy): position 2 of 3, held by `prod/other`',
    ]);
  });
});
