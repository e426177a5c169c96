import {
  failedWorkflowExecutionStatus,
  initialWorkflowExecutionStatus,
  mapWorkflowExecutionStatus,
} from '../../src/domain/status';
import { utf8Length } from '../../src/domain/hash';
import { isDns1123Subdomain } from '../../src/domain/kubernetes-names';
import {
  EVENT_REASONS,
  eventName,
  newlyFailedSteps,
  NOTE_MAX_BYTES,
  truncateNote,
  workflowExecutionEvent,
  type WorkflowExecutionTransition,
} from '../../src/domain/workflow-execution-events';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { loadExample, tektonScenario } from '../support/examples';

const wfe = loadExample('dag-remediation.yaml');
const ref = { name: 'dag-remediation', uid: '3f0c1a52-7d1e-4c1a-9b7e-0d6c2f1e9a11' };
const initial = initialWorkflowExecutionStatus(wfe, '2026-08-20T09:59:58Z');
const mapped = (scenario: string): WorkflowExecutionStatus => {
  const { pipelineRun, taskRuns } = tektonScenario(scenario);
  return mapWorkflowExecutionStatus({ pipelineRun, taskRuns, previous: initial, now: '2026-08-20T10:01:00Z' });
};
const pipelineRun = { namespace: 'demo', name: 'dag-remediation-1a2b3c4d' };

describe('workflowExecutionEvent', () => {
  it('gives every transition its reason, type and action', () => {
    const succeeded = mapped('succeeded');
    const failed = mapped('failed-exit-1');
    const cancelled = failedWorkflowExecutionStatus({
      reason: 'Cancelled',
      message: 'the execution was cancelled (its WorkflowExecution was deleted or the workflow cancelled)',
      previous: initial,
      now: '2026-08-20T10:00:30Z',
    });
    const transitions: WorkflowExecutionTransition[] = [
      { kind: 'PipelineRunCreated', pipelineRun, steps: 3 },
      {
        kind: 'WaitingForTarget',
        target: 'demo/Deployment/api',
        view: { reason: 'TargetBusy', position: 1, queueLength: 1, holder: 'demo/other' },
      },
      { kind: 'TargetAcquired', target: 'demo/Deployment/api', waited: '12s' },
      { kind: 'StepFailed', step: newlyFailedSteps(initial, failed)[0] },
      { kind: 'Finished', status: succeeded },
      { kind: 'Finished', status: failed },
      { kind: 'Finished', status: cancelled },
    ];
    expect(
      transitions.map((t) => {
        const e = workflowExecutionEvent(ref, t)!;
        return `${e.reason} ${e.type} ${e.action}`;
      }),
    ).toEqual([
      'PipelineRunCreated Normal CreatePipelineRun',
      'WaitingForTarget Normal WaitForTarget',
      'TargetAcquired Normal AcquireTarget',
      'StepFailed Warning RunStep',
      'WorkflowCompleted Normal Execute',
      'WorkflowFailed Warning Execute',
      'WorkflowCancelled Warning Execute',
    ]);
    expect(EVENT_REASONS).toEqual([
      'PipelineRunCreated',
      'WaitingForTarget',
      'TargetAcquired',
      'StepFailed',
      'WorkflowCompleted',
      'WorkflowFailed',
      'WorkflowCancelled',
    ]);
  });

  it('says in its note what happened, and relates the PipelineRun or the TaskRun', () => {
    const created = workflowExecutionEvent(ref, { kind: 'PipelineRunCreated', pipelineRun, steps: 3 })!;
    expect(created.note).toBe('Created PipelineRun dag-remediation-1a2b3c4d for 3 steps');
    expect(created.related).toEqual({ apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', ...pipelineRun });

    const waiting = workflowExecutionEvent(ref, {
      kind: 'WaitingForTarget',
      target: 'demo/Deployment/api',
      view: { reason: 'TargetBusy', position: 2, queueLength: 3, holder: 'demo/other' },
    })!;
    expect(waiting.note).toBe('Waiting for the target: position 2 of 3 for demo/Deployment/api, held by demo/other');

    const acquired = workflowExecutionEvent(ref, {
      kind: 'TargetAcquired',
      target: 'demo/Deployment/api',
      waited: '1m5s',
    })!;
    expect(acquired.note).toBe('Acquired the target demo/Deployment/api after waiting 1m5s');

    const failed = mapped('failed-exit-1');
    const [step] = newlyFailedSteps(initial, failed);
    const stepFailed = workflowExecutionEvent(ref, { kind: 'StepFailed', step })!;
    expect(stepFailed.note).toMatch(
      new RegExp(`^Step ${step.name} \\(${step.actionType}\\) failed: TaskFailed, exit code 1`),
    );
    expect(stepFailed.related).toEqual({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: step.taskRunName });

    const completed = workflowExecutionEvent(ref, { kind: 'Finished', status: mapped('succeeded') })!;
    expect(completed.note).toMatch(/^3\/3 steps succeeded in \S+$/);

    const workflowFailed = workflowExecutionEvent(ref, { kind: 'Finished', status: failed })!;
    expect(workflowFailed.note).toMatch(new RegExp(`^TaskFailed in step ${step.name}: .+; \\d/3 steps succeeded$`));
    expect(workflowFailed.related).toMatchObject({ kind: 'PipelineRun' });
  });

  it('has no Event for a status that is not final', () => {
    expect(workflowExecutionEvent(ref, { kind: 'Finished', status: initial })).toBeUndefined();
    expect(workflowExecutionEvent(ref, { kind: 'Finished', status: mapped('running-partial') })).toBeUndefined();
  });

  it('reports a spec refused before anything ran as WorkflowFailed with its reason', () => {
    const refused = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message: 'invalid WorkflowExecution: spec.steps[0].image: must be pinned by digest',
      now: '2026-08-20T10:00:00Z',
      wasExecutionFailure: false,
      workflowExecution: wfe,
    });
    const e = workflowExecutionEvent(ref, { kind: 'Finished', status: refused })!;
    expect(e.reason).toBe('WorkflowFailed');
    expect(e.note).toMatch(/^ConfigurationError: invalid WorkflowExecution: spec\.steps\[0\]\.image/);
    expect(e.related).toBeUndefined();
  });
});

describe('Event names', () => {
  it('are the same on every attempt at a transition, and differ between transitions, steps and WFEs', () => {
    const failed = mapped('failed-exit-1');
    const [step] = newlyFailedSteps(initial, failed);
    const name = (t: WorkflowExecutionTransition, of = ref) => workflowExecutionEvent(of, t)!.name;
    const created: WorkflowExecutionTransition = { kind: 'PipelineRunCreated', pipelineRun, steps: 3 };
    expect(name(created)).toBe(name({ ...created, steps: 4 }));
    expect(name(created)).toMatch(/^dag-remediation\.3[0-9a-f]{15}$/);
    expect(name(created)).not.toBe(name(created, { ...ref, uid: 'another-uid' }));
    expect(name({ kind: 'StepFailed', step })).not.toBe(name({ kind: 'StepFailed', step: { ...step, name: 'other' } }));
    // One terminal Event per WFE, whatever the outcome.
    expect(name({ kind: 'Finished', status: failed })).toBe(name({ kind: 'Finished', status: mapped('succeeded') }));
  });

  it('sort in the order the transitions happen, whatever the hash', () => {
    const failed = mapped('failed-exit-1');
    const [step] = newlyFailedSteps(initial, failed);
    const inOrder: WorkflowExecutionTransition[] = [
      { kind: 'WaitingForTarget', target: 't', view: { reason: 'TargetBusy', position: 1, queueLength: 1 } },
      { kind: 'TargetAcquired', target: 't' },
      { kind: 'PipelineRunCreated', pipelineRun, steps: 3 },
      { kind: 'StepFailed', step },
      { kind: 'Finished', status: failed },
    ];
    for (const uid of ['a', 'b', 'c', 'd']) {
      const names = inOrder.map((t) => eventName({ ...ref, uid }, t));
      expect([...names].sort()).toEqual(names);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('stay valid DNS subdomains for the longest WFE names', () => {
    const long = `${'a'.repeat(230)}-${'b'.repeat(22)}`;
    expect(long).toHaveLength(253);
    const finished: WorkflowExecutionTransition = { kind: 'Finished', status: initial };
    const name = eventName({ name: long, uid: 'u' }, finished);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(isDns1123Subdomain(name)).toBe(true);
    // Cut right after a '-': the prefix must still end with a letter or digit.
    const cutAtDash = eventName({ name: `${'a'.repeat(235)}-${'b'.repeat(17)}`, uid: 'u' }, finished);
    expect(isDns1123Subdomain(cutAtDash)).toBe(true);
  });
});

describe('newlyFailedSteps', () => {
  it('are the steps Failed now that were not before', () => {
    const failed = mapped('failed-exit-1');
    const names = newlyFailedSteps(initial, failed).map((s) => s.name);
    expect(names.length).toBeGreaterThan(0);
    expect(newlyFailedSteps(failed, failed)).toEqual([]);
    expect(newlyFailedSteps(undefined, failed).map((s) => s.name)).toEqual(names);
    expect(newlyFailedSteps(initial, mapped('succeeded'))).toEqual([]);
  });
});

describe('notes', () => {
  it('cuts notes to the 1024 bytes the API server accepts, on a character boundary', () => {
    expect(truncateNote('short')).toBe('short');
    const cut = truncateNote('é'.repeat(2000));
    expect(utf8Length(cut)).toBeLessThanOrEqual(NOTE_MAX_BYTES);
    expect(cut.endsWith('é…')).toBe(true);
    const step = { ...newlyFailedSteps(initial, mapped('failed-exit-1'))[0], message: 'x'.repeat(5000) };
    expect(utf8Length(workflowExecutionEvent(ref, { kind: 'StepFailed', step })!.note)).toBeLessThanOrEqual(
      NOTE_MAX_BYTES,
    );
  });
});
