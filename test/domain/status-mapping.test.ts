import { initialWorkflowExecutionStatus, mapWorkflowExecutionStatus } from '../../src/domain/status';
import type { FailureReason, StepPhase, WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { loadExample, recordedTektonScenario, tektonScenario, tektonScenarioNames } from '../support/examples';

const wfe = loadExample('dag-remediation.yaml');
const temporal = { namespace: 'default', workflowId: 'wfe/demo/dag-remediation/uid', runId: 'run-1' };
const CREATED = '2026-08-20T09:59:58Z';
const NOW = '2026-08-20T10:10:00Z';
const initial = initialWorkflowExecutionStatus(wfe, CREATED, { temporal });

interface Expected {
  phase: WorkflowExecutionStatus['phase'];
  steps: [restartPods: StepPhase, scaleDeployment: StepPhase, createGitopsPr: StepPhase];
  progress: string;
  failure?: { reason: FailureReason; failedStep?: string; exitCode?: number; wasExecutionFailure: boolean };
}

const table: [scenario: string, expected: Expected][] = [
  ['not-started', { phase: 'Pending', steps: ['Pending', 'Pending', 'Pending'], progress: '0/3' }],
  ['running-partial', { phase: 'Running', steps: ['Succeeded', 'Running', 'Pending'], progress: '1/3' }],
  ['succeeded', { phase: 'Completed', steps: ['Succeeded', 'Succeeded', 'Succeeded'], progress: '3/3' }],
  ['completed-with-skipped', { phase: 'Completed', steps: ['Succeeded', 'Succeeded', 'Skipped'], progress: '2/3' }],
  ['retries', { phase: 'Completed', steps: ['Succeeded', 'Succeeded', 'Succeeded'], progress: '3/3' }],
  [
    'failed-exit-1',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'TaskFailed', failedStep: 'scale-deployment', exitCode: 1, wasExecutionFailure: true },
    },
  ],
  [
    'retries-exhausted',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'TaskFailed', failedStep: 'scale-deployment', exitCode: 2, wasExecutionFailure: true },
    },
  ],
  [
    'step-oom',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'OOMKilled', failedStep: 'scale-deployment', exitCode: 137, wasExecutionFailure: true },
    },
  ],
  [
    'legacy-failed-oom',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'OOMKilled', failedStep: 'scale-deployment', exitCode: 137, wasExecutionFailure: true },
    },
  ],
  [
    'pod-evicted',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: {
        reason: 'ResourceExhausted',
        failedStep: 'scale-deployment',
        exitCode: 137,
        wasExecutionFailure: true,
      },
    },
  ],
  [
    'image-pull-failed',
    {
      phase: 'Failed',
      steps: ['Failed', 'Failed', 'Skipped'],
      progress: '0/3',
      failure: { reason: 'ImagePullBackOff', failedStep: 'restart-pods', wasExecutionFailure: false },
    },
  ],
  [
    'pipelinerun-timeout',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'DeadlineExceeded', failedStep: 'scale-deployment', wasExecutionFailure: true },
    },
  ],
  [
    'taskrun-timeout',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'DeadlineExceeded', failedStep: 'scale-deployment', wasExecutionFailure: true },
    },
  ],
  [
    'cancelled',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Cancelled', 'Cancelled'],
      progress: '1/3',
      failure: { reason: 'Cancelled', failedStep: 'scale-deployment', wasExecutionFailure: true },
    },
  ],
  [
    'couldnt-get-task',
    {
      phase: 'Failed',
      steps: ['Skipped', 'Skipped', 'Skipped'],
      progress: '0/3',
      failure: { reason: 'ConfigurationError', wasExecutionFailure: false },
    },
  ],
  [
    'unknown-reason',
    {
      phase: 'Failed',
      steps: ['Failed', 'Skipped', 'Skipped'],
      progress: '0/3',
      failure: { reason: 'Unknown', failedStep: 'restart-pods', wasExecutionFailure: true },
    },
  ],
];

function map(scenario: string, previous: WorkflowExecutionStatus | undefined = initial, now = NOW) {
  const { pipelineRun, taskRuns } = tektonScenario(scenario);
  return mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous, now, workflowExecution: wfe });
}

describe('mapWorkflowExecutionStatus', () => {
  it('has a table row for every Tekton fixture', () => {
    expect(table.map(([name]) => name).sort()).toEqual(tektonScenarioNames());
  });

  describe.each(table)('%s', (scenario, expected) => {
    const status = map(scenario);

    it(`gives phase ${expected.phase} and step phases ${expected.steps.join('/')}`, () => {
      expect(status.phase).toBe(expected.phase);
      expect(status.steps?.map((s) => [s.name, s.phase])).toEqual([
        ['restart-pods', expected.steps[0]],
        ['scale-deployment', expected.steps[1]],
        ['create-gitops-pr', expected.steps[2]],
      ]);
    });

    it(`counts steps for the printer column (${expected.progress})`, () => {
      expect(status.progress).toBe(expected.progress);
      const counts = status.stepCounts!;
      expect(counts.total).toBe(3);
      const phases = expected.steps;
      expect(counts.succeeded).toBe(phases.filter((p) => p === 'Succeeded').length);
      expect(counts.failed).toBe(phases.filter((p) => p === 'Failed').length);
      expect(counts.skipped).toBe(phases.filter((p) => p === 'Skipped').length);
    });

    it('classifies the failure', () => {
      if (expected.failure === undefined) {
        expect(status.failureDetails).toBeUndefined();
        return;
      }
      const details = status.failureDetails!;
      expect(details.reason).toBe(expected.failure.reason);
      expect(details.failedStep).toBe(expected.failure.failedStep);
      expect(details.exitCode).toBe(expected.failure.exitCode);
      expect(details.wasExecutionFailure).toBe(expected.failure.wasExecutionFailure);
      expect(details.message.length).toBeGreaterThan(0);
      expect(details.naturalLanguageSummary).toContain('demo/dag-remediation');
      expect(details.naturalLanguageSummary).toContain('demo/Deployment/payment-api');
      expect(details.naturalLanguageSummary).toContain(expected.failure.reason);
    });

    it('sets Ready to match the phase', () => {
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      const want = expected.phase === 'Completed' ? 'True' : expected.phase === 'Failed' ? 'False' : 'Unknown';
      expect(ready?.status).toBe(want);
      if (expected.failure) expect(ready?.reason).toBe(expected.failure.reason);
    });

    it('keeps the Temporal reference and the observed generation', () => {
      expect(status.temporal).toEqual(temporal);
      expect(status.observedGeneration).toBe(1);
    });

    it('is idempotent: same inputs, deep-equal status', () => {
      expect(map(scenario)).toEqual(status);
    });

    it('is a fixed point: mapping again on top of its own result changes nothing, even later', () => {
      expect(map(scenario, status, '2026-08-20T11:00:00Z')).toEqual(status);
    });

    it('reads the steps from the PipelineRun when the WFE is not at hand', () => {
      const { pipelineRun, taskRuns } = tektonScenario(scenario);
      const withoutWfe = mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: initial, now: NOW });
      expect(withoutWfe.steps).toEqual(status.steps);
      expect(withoutWfe.failureDetails).toEqual(status.failureDetails);
    });
  });

  describe('watch lag', () => {
    it("is Running when a step's TaskRun is seen before the PipelineRun's first status (two watches)", () => {
      const { pipelineRun, taskRuns } = tektonScenario('running-partial');
      const status = mapWorkflowExecutionStatus({
        pipelineRun: { ...pipelineRun, status: undefined },
        taskRuns,
        previous: initial,
        now: NOW,
        workflowExecution: wfe,
      });
      expect(status.steps?.find((s) => s.name === 'scale-deployment')?.phase).toBe('Running');
      expect(status.phase).toBe('Running');
    });
  });

  describe('timestamps', () => {
    it('takes start and completion from the PipelineRun and rounds the duration to seconds', () => {
      const status = map('succeeded');
      expect(status.startTime).toBe('2026-08-20T10:00:01Z');
      expect(status.completionTime).toBe('2026-08-20T10:03:12Z');
      expect(status.duration).toBe('3m11s');
    });

    it('copies step times and the TaskRun name from Tekton', () => {
      const step = map('succeeded').steps!.find((s) => s.name === 'scale-deployment')!;
      expect(step).toMatchObject({
        taskRunName: 'dag-remediation-c4efbe50-scale-deployment',
        startTime: '2026-08-20T10:00:02Z',
        completionTime: '2026-08-20T10:01:15Z',
        exitCode: 0,
        attempts: 1,
      });
    });

    it('has no start time while Tekton has not started the PipelineRun', () => {
      const status = map('not-started');
      expect(status.startTime).toBeUndefined();
      expect(status.pipelineRunRef).toEqual({ name: 'dag-remediation-c4efbe50', namespace: 'demo' });
    });
  });

  describe('retries', () => {
    it('counts attempts from retriesStatus', () => {
      const step = map('retries').steps!.find((s) => s.name === 'scale-deployment')!;
      expect(step.phase).toBe('Succeeded');
      expect(step.attempts).toBe(2);
      expect(map('retries-exhausted').steps!.find((s) => s.name === 'scale-deployment')!.attempts).toBe(3);
    });
  });

  describe('per-step failure facts', () => {
    it('records the TaskRun message, exit code and reason on the failed step', () => {
      const step = map('step-oom').steps!.find((s) => s.name === 'scale-deployment')!;
      expect(step).toMatchObject({ phase: 'Failed', reason: 'OOMKilled', exitCode: 137 });
      expect(step.message).toContain('exited with code 137');
    });

    it('marks a step cut off by the PipelineRun timeout as failed with DeadlineExceeded', () => {
      const step = map('pipelinerun-timeout').steps!.find((s) => s.name === 'scale-deployment')!;
      expect(step).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    });

    it("explains a skipped step with Tekton's skip reason", () => {
      const step = map('failed-exit-1').steps!.find((s) => s.name === 'create-gitops-pr')!;
      expect(step.message).toContain('PipelineRun was stopping');
    });
  });

  describe('Ready condition', () => {
    it('keeps lastTransitionTime while the status stays the same, so patches converge', () => {
      const first = map('running-partial', initial, '2026-08-20T10:00:45Z');
      const later = map('running-partial', first, '2026-08-20T10:05:00Z');
      const ready = (s: WorkflowExecutionStatus) => s.conditions!.find((c) => c.type === 'Ready')!;
      expect(ready(later).lastTransitionTime).toBe(ready(first).lastTransitionTime);
      // Pending → Running both have status Unknown: no transition either.
      expect(ready(first).lastTransitionTime).toBe(ready(initial).lastTransitionTime);
    });

    it('moves lastTransitionTime when the execution finishes', () => {
      const running = map('running-partial', initial, '2026-08-20T10:00:45Z');
      const done = map('succeeded', running, '2026-08-20T10:03:13Z');
      expect(done.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'True',
        reason: 'Succeeded',
        lastTransitionTime: '2026-08-20T10:03:13Z',
      });
    });
  });

  describe('lifecycle', () => {
    it('walks Pending → Running → Completed with a stable start time', () => {
      const pending = map('not-started', initial, '2026-08-20T10:00:00Z');
      const running = map('running-partial', pending, '2026-08-20T10:00:45Z');
      const done = map('succeeded', running, '2026-08-20T10:03:13Z');
      expect([pending.phase, running.phase, done.phase]).toEqual(['Pending', 'Running', 'Completed']);
      expect(running.startTime).toBe('2026-08-20T10:00:01Z');
      expect(done.startTime).toBe(running.startTime);
    });

    it('never leaves a terminal phase: a late Tekton update does not turn Failed into Completed', () => {
      const failed = map('failed-exit-1');
      expect(map('succeeded', failed)).toEqual(failed);
    });
  });

  describe('robustness', () => {
    it.each([
      ['an empty object', {}],
      ['a status of the wrong type', { status: 'weird' }],
      ['conditions that are not a list', { status: { conditions: { type: 'Succeeded' } } }],
      ['children of the wrong shape', { status: { childReferences: [null, 1, 'x', { pipelineTaskName: 7 }] } }],
      ['a condition without status', { status: { conditions: [{ type: 'Succeeded' }] } }],
    ])('does not throw on %s', (_label, pipelineRun) => {
      const status = mapWorkflowExecutionStatus({
        pipelineRun: pipelineRun as never,
        taskRuns: [null, 'x', { status: 5 }] as never,
        previous: initial,
        now: NOW,
        workflowExecution: wfe,
      });
      expect(['Pending', 'Running']).toContain(status.phase);
      expect(status.steps).toHaveLength(3);
    });

    it('reports an unknown False reason as Failed/Unknown without a TaskRun to explain it', () => {
      const status = mapWorkflowExecutionStatus({
        pipelineRun: {
          metadata: { name: 'pr', namespace: 'demo' },
          status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Brandnew', message: 'no idea' }] },
        },
        previous: initial,
        now: NOW,
        workflowExecution: wfe,
      });
      expect(status.phase).toBe('Failed');
      expect(status.failureDetails).toMatchObject({ reason: 'Unknown', wasExecutionFailure: false });
    });
  });
});

/**
 * The same mapping on what a real Tekton (v1.7.0, its own controller on KWOK pods) wrote for the DAG of
 * examples/dag-remediation.yaml: test/fixtures/tekton-recorded/, recorded by
 * test/domain/support/record-tekton-statuses.ts. Where these and the hand-written fixtures above differ
 * (reasons, messages, step states), both must map to the same WFE status.
 */
const recorded: [scenario: string, expected: Expected][] = [
  ['succeeded', { phase: 'Completed', steps: ['Succeeded', 'Succeeded', 'Succeeded'], progress: '3/3' }],
  ['running-partial', { phase: 'Running', steps: ['Running', 'Running', 'Pending'], progress: '0/3' }],
  ['retries', { phase: 'Completed', steps: ['Succeeded', 'Succeeded', 'Succeeded'], progress: '3/3' }],
  [
    'failed-exit-2',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'TaskFailed', failedStep: 'scale-deployment', exitCode: 2, wasExecutionFailure: true },
    },
  ],
  [
    'retries-exhausted',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'TaskFailed', failedStep: 'scale-deployment', exitCode: 3, wasExecutionFailure: true },
    },
  ],
  [
    'step-oom',
    {
      phase: 'Failed',
      steps: ['Succeeded', 'Failed', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'OOMKilled', failedStep: 'scale-deployment', exitCode: 137, wasExecutionFailure: true },
    },
  ],
  [
    'image-pull-failed',
    {
      phase: 'Failed',
      steps: ['Failed', 'Succeeded', 'Skipped'],
      progress: '1/3',
      // restart-pods never ran (Tekton's exit code 1 is its own), but scale-deployment ran beside it.
      failure: { reason: 'ImagePullBackOff', failedStep: 'restart-pods', wasExecutionFailure: true },
    },
  ],
  [
    'pipelinerun-timeout',
    {
      phase: 'Failed',
      steps: ['Failed', 'Succeeded', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'DeadlineExceeded', failedStep: 'restart-pods', wasExecutionFailure: true },
    },
  ],
  [
    'taskrun-timeout',
    {
      phase: 'Failed',
      steps: ['Failed', 'Succeeded', 'Skipped'],
      progress: '1/3',
      failure: { reason: 'DeadlineExceeded', failedStep: 'restart-pods', wasExecutionFailure: true },
    },
  ],
  [
    'cancelled',
    {
      phase: 'Failed',
      steps: ['Cancelled', 'Cancelled', 'Cancelled'],
      progress: '0/3',
      failure: { reason: 'Cancelled', failedStep: 'restart-pods', wasExecutionFailure: true },
    },
  ],
  [
    'couldnt-get-task',
    {
      phase: 'Failed',
      steps: ['Skipped', 'Skipped', 'Skipped'],
      progress: '0/3',
      failure: { reason: 'ConfigurationError', wasExecutionFailure: false },
    },
  ],
];

describe('mapWorkflowExecutionStatus on statuses recorded from Tekton v1.7.0', () => {
  it('has a table row for every recorded scenario', () => {
    expect(recorded.map(([name]) => name).sort()).toEqual(tektonScenarioNames('tekton-recorded'));
  });

  describe.each(recorded)('%s', (scenario, expected) => {
    const { pipelineRun, taskRuns, workflowExecutionUid } = recordedTektonScenario(scenario);
    const workflowExecution = loadExample('dag-remediation.yaml', workflowExecutionUid);
    const start = initialWorkflowExecutionStatus(workflowExecution, CREATED, { temporal });
    const status = mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: start, now: NOW, workflowExecution });

    it(`gives phase ${expected.phase}, step phases ${expected.steps.join('/')} and ${expected.progress}`, () => {
      expect(status.phase).toBe(expected.phase);
      expect(status.steps?.map((s) => [s.name, s.phase])).toEqual([
        ['restart-pods', expected.steps[0]],
        ['scale-deployment', expected.steps[1]],
        ['create-gitops-pr', expected.steps[2]],
      ]);
      expect(status.progress).toBe(expected.progress);
    });

    it('classifies the failure', () => {
      expect(
        status.failureDetails && {
          reason: status.failureDetails.reason,
          failedStep: status.failureDetails.failedStep,
          exitCode: status.failureDetails.exitCode,
          wasExecutionFailure: status.failureDetails.wasExecutionFailure,
        },
      ).toEqual(expected.failure && { failedStep: undefined, exitCode: undefined, ...expected.failure });
    });

    it('is a fixed point: mapping again on top of its own result changes nothing', () => {
      expect(
        mapWorkflowExecutionStatus({
          pipelineRun,
          taskRuns,
          previous: status,
          now: '2026-11-30T00:00:00Z',
          workflowExecution,
        }),
      ).toEqual(status);
    });
  });
});
