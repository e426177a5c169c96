import { resolvePipeline } from '../../src/tekton-simulator/pipeline-spec';
import { progressTaskRun } from '../../src/tekton-simulator/task-run-lifecycle';
import { newTaskRun } from '../../src/tekton-simulator/task-run-factory';
import type { TaskRun, TaskRunStatus } from '../../src/tekton-simulator/tekton-objects';
import { KUBERNAUT_ACTION_STEP } from '../../src/tekton-simulator/tekton-vocabulary';
import { toTimestamp } from '../../src/tekton-simulator/timestamps';
import { pipelineRunFixture, type StepFixture } from '../fixtures/tekton-simulator/pipeline-runs';
import { T0 } from './support/plan-driver';

const CONTAINER = `step-${KUBERNAUT_ACTION_STEP}`;
const clock = (now: number, defaultStepDurationMs = 200) => ({ now, defaultStepDurationMs });

function taskRunFor(step: Partial<StepFixture> = {}): TaskRun {
  const pipelineRun = pipelineRunFixture({ name: 'wfe-7f3a', steps: [{ name: 'restart', ...step }] });
  const resolution = resolvePipeline(pipelineRun);
  if (!resolution.ok) throw new Error(resolution.message);
  const taskRun = newTaskRun(pipelineRun, resolution.tasks[0]!);
  return { ...taskRun, metadata: { ...taskRun.metadata, generation: 1, creationTimestamp: toTimestamp(T0) } };
}

/** Progresses a TaskRun at `now`, storing the status as the API server would. */
function at(taskRun: TaskRun, now: number, defaultStepDurationMs = 200): TaskRun {
  const { status } = progressTaskRun(taskRun, clock(now, defaultStepDurationMs));
  return status ? { ...taskRun, status } : taskRun;
}

const succeeded = (status: TaskRunStatus | undefined) => status?.conditions?.find((c) => c.type === 'Succeeded');

describe('progressTaskRun', () => {
  it('starts a new TaskRun: pod <taskRun>-pod, startTime, Running condition, the step running', () => {
    const progress = progressTaskRun(taskRunFor(), clock(T0));
    expect(progress.status).toMatchObject({
      podName: 'wfe-7f3a-restart-pod',
      startTime: toTimestamp(T0),
      conditions: [
        {
          type: 'Succeeded',
          status: 'Unknown',
          reason: 'Running',
          message: 'Not all Steps in the Task have finished executing',
        },
      ],
      steps: [{ name: KUBERNAUT_ACTION_STEP, container: CONTAINER, running: { startedAt: toTimestamp(T0) } }],
    });
    expect(progress.wakeAt).toBe(T0 + 200);
  });

  it("succeeds after the step duration with exit code 0 and Tekton's success message", () => {
    const done = at(at(taskRunFor({ simulate: { durationMs: 1500 } }), T0), T0 + 1500);
    expect(succeeded(done.status)).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: 'All Steps have completed executing',
    });
    expect(done.status?.completionTime).toBe(toTimestamp(T0 + 1500));
    expect(done.status?.steps?.[0]).toMatchObject({
      terminationReason: 'Completed',
      terminated: { exitCode: 0, reason: 'Completed', startedAt: toTimestamp(T0), finishedAt: toTimestamp(T0 + 1500) },
    });
    expect(done.status?.steps?.[0]?.running).toBeUndefined();
  });

  it('is still running before the step duration has passed and asks to be woken when it ends', () => {
    const running = at(taskRunFor({ simulate: { durationMs: 1500 } }), T0);
    const progress = progressTaskRun(running, clock(T0 + 1499));
    expect(progress.status).toBeUndefined();
    expect(progress.wakeAt).toBe(T0 + 1500);
  });

  it('reports a failing step as StepFailed with its exit code', () => {
    const done = at(at(taskRunFor({ simulate: { outcome: 'fail', exitCode: 3 } }), T0), T0 + 200);
    expect(succeeded(done.status)).toMatchObject({
      status: 'False',
      reason: 'StepFailed',
      message: `"${CONTAINER}" exited with code 3: Error`,
    });
    expect(done.status?.steps?.[0]).toMatchObject({
      terminationReason: 'Error',
      terminated: { exitCode: 3, reason: 'Error' },
    });
  });

  it('reports an OOM-killed step as StepOOM with exit code 137 and reason OOMKilled', () => {
    const done = at(at(taskRunFor({ simulate: { outcome: 'oom' } }), T0), T0 + 200);
    expect(succeeded(done.status)).toMatchObject({
      status: 'False',
      reason: 'StepOOM',
      message: `"${CONTAINER}" exited with code 137: OOMKilled`,
    });
    expect(done.status?.steps?.[0]).toMatchObject({
      terminationReason: 'OOMKilled',
      terminated: { exitCode: 137, reason: 'OOMKilled' },
    });
  });

  it('keeps an image-pull step waiting (Pending), then fails it with TaskRunImagePullFailed naming step, TaskRun and image', () => {
    const image = 'registry.local/kubernaut/missing:9.9';
    const pending = at(taskRunFor({ image, simulate: { outcome: 'imagepull', durationMs: 300 } }), T0);
    expect(succeeded(pending.status)).toMatchObject({ status: 'Unknown', reason: 'Pending' });
    expect(pending.status?.steps?.[0]?.waiting).toBeDefined();
    const failed = at(pending, T0 + 300);
    expect(succeeded(failed.status)).toMatchObject({
      status: 'False',
      reason: 'TaskRunImagePullFailed',
      message: `the step "${KUBERNAUT_ACTION_STEP}" in TaskRun "wfe-7f3a-restart" failed to pull the image "${image}". The pod errored with the message: "Back-off pulling image "${image}"."`,
    });
    expect(failed.status?.steps?.[0]).toMatchObject({
      terminationReason: 'TaskRunImagePullFailed',
      terminated: { exitCode: 1, reason: 'TaskRunImagePullFailed' },
    });
  });

  it("times a step out once its runtime exceeds spec.timeout, with Tekton's message and the step terminated", () => {
    const running = at(taskRunFor({ timeout: '2s', simulate: { outcome: 'hang' } }), T0);
    expect(progressTaskRun(running, clock(T0 + 2000)).status).toBeUndefined(); // runtime == timeout is not over it
    const timedOut = at(running, T0 + 2001);
    expect(succeeded(timedOut.status)).toMatchObject({
      status: 'False',
      reason: 'TaskRunTimeout',
      message: 'TaskRun "wfe-7f3a-restart" failed to finish within "2s"',
    });
    expect(timedOut.status?.completionTime).toBe(toTimestamp(T0 + 2000));
    expect(timedOut.status?.steps?.[0]).toMatchObject({
      terminationReason: 'TaskRunTimeout',
      terminated: {
        exitCode: 1,
        reason: 'TaskRunTimeout',
        message: `Step ${KUBERNAUT_ACTION_STEP} terminated as pod wfe-7f3a-restart-pod is terminated`,
      },
    });
  });

  it('lets a step that ends before its timeout finish normally even when evaluated late', () => {
    const running = at(taskRunFor({ timeout: '2s', simulate: { durationMs: 1000 } }), T0);
    expect(succeeded(at(running, T0 + 60_000).status)?.reason).toBe('Succeeded');
  });

  it('cancels a running TaskRun whose spec.status is TaskRunCancelled', () => {
    const running = at(taskRunFor({ simulate: { outcome: 'hang' } }), T0);
    const message = 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.';
    const cancelled = at(
      { ...running, spec: { ...running.spec, status: 'TaskRunCancelled', statusMessage: message } },
      T0 + 500,
    );
    expect(succeeded(cancelled.status)).toMatchObject({
      status: 'False',
      reason: 'TaskRunCancelled',
      message: `TaskRun "wfe-7f3a-restart" was cancelled. ${message}`,
    });
    expect(cancelled.status?.steps?.[0]).toMatchObject({
      terminationReason: 'TaskRunCancelled',
      terminated: { exitCode: 1 },
    });
  });

  it('retries a failed attempt: the failure moves to retriesStatus and a new pod -pod-retry1 starts', () => {
    const taskRun = taskRunFor({
      retries: 2,
      simulate: { outcome: 'fail', exitCode: 4, failAttempts: 1, durationMs: 100 },
    });
    const retrying = at(at(taskRun, T0), T0 + 150);
    expect(retrying.status?.podName).toBe('wfe-7f3a-restart-pod-retry1');
    expect(succeeded(retrying.status)?.status).toBe('Unknown');
    expect(retrying.status?.startTime).toBe(toTimestamp(T0 + 100));
    expect(retrying.status?.retriesStatus).toHaveLength(1);
    expect(retrying.status?.retriesStatus?.[0]).toMatchObject({
      podName: 'wfe-7f3a-restart-pod',
      conditions: [
        {
          type: 'Succeeded',
          status: 'False',
          reason: 'StepFailed',
          message: `"${CONTAINER}" exited with code 4: Error`,
        },
      ],
      steps: [{ name: KUBERNAUT_ACTION_STEP, container: CONTAINER, terminated: { exitCode: 4, reason: 'Error' } }],
    });
    const done = at(retrying, T0 + 200);
    expect(succeeded(done.status)?.reason).toBe('Succeeded');
    expect(done.status?.retriesStatus).toHaveLength(1);
  });

  it('fails for good once retries are used up, keeping every failed attempt', () => {
    const taskRun = taskRunFor({ retries: 2, simulate: { outcome: 'oom', durationMs: 100 } });
    const done = at(at(taskRun, T0), T0 + 10_000);
    expect(succeeded(done.status)?.reason).toBe('StepOOM');
    expect(done.status?.podName).toBe('wfe-7f3a-restart-pod-retry2');
    expect(done.status?.retriesStatus?.map((r) => r.podName)).toEqual([
      'wfe-7f3a-restart-pod',
      'wfe-7f3a-restart-pod-retry1',
    ]);
  });

  it('retries timed-out attempts too (Tekton retries everything but cancellation)', () => {
    const taskRun = taskRunFor({ retries: 1, timeout: '1s', simulate: { outcome: 'hang' } });
    const done = at(at(taskRun, T0), T0 + 10_000);
    expect(succeeded(done.status)?.reason).toBe('TaskRunTimeout');
    expect(done.status?.retriesStatus?.[0]?.conditions?.[0]?.reason).toBe('TaskRunTimeout');
  });

  it('fails a TaskRun with an invalid simulate directive as a validation failure naming the field', () => {
    const done = at(taskRunFor({ simulate: { outcome: 'explode' } }), T0);
    expect(succeeded(done.status)).toMatchObject({ status: 'False', reason: 'TaskRunValidationFailed' });
    expect(succeeded(done.status)?.message).toMatch(/^\[User error\] .*simulate\.outcome/);
  });

  it('gives the same answer however often and however late it is asked (state lives in the object)', () => {
    const taskRun = at(taskRunFor({ simulate: { durationMs: 1000 } }), T0);
    const once = at(taskRun, T0 + 5000);
    const again = at(taskRun, T0 + 9000);
    expect(again.status).toEqual(once.status);
    expect(progressTaskRun(once, clock(T0 + 20_000))).toEqual({});
  });
});
