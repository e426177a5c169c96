/**
 * The Tekton simulator against the local stack's real API server, which serves Tekton's own v1 PipelineRun
 * and TaskRun CRDs: their structural schemas prune unknown fields and require e.g. TaskRun status.podName,
 * and the simulator writes with fieldValidation Strict, so a status shape the CRDs would not keep fails here.
 * The server is a private cluster of this file: the run's stack has Tekton's own controller, which would
 * reconcile the same PipelineRuns.
 */
import { LABELS, MANAGED_BY } from '../../../src/domain/names';
import { succeededCondition, type TaskRun } from '../../../src/tekton-simulator/tekton-objects';
import { threeStepDag } from '../../fixtures/tekton-simulator/pipeline-runs';
import { startPrivateCluster, type PrivateCluster } from '../../../src/stack/private-cluster';
import { eventually } from '../../support/stack';
import { reasonOf, SimulatorTestEnv } from './support';

jest.setTimeout(120_000);

let cluster: PrivateCluster;
let env: SimulatorTestEnv;
beforeAll(async () => {
  cluster = await startPrivateCluster();
});
afterAll(() => cluster?.stop());
beforeEach(() => {
  env = new SimulatorTestEnv(cluster.kubeConfig);
});
afterEach(() => env.stopAll());

const startOf = (tr: TaskRun) => Date.parse(tr.status!.startTime!);
const endOf = (tr: TaskRun) => Date.parse(tr.status!.completionTime!);

describe('Tekton simulator on the API server', () => {
  it('runs a 3-step DAG in order: b and c both start after a has finished, and the run succeeds', async () => {
    await env.startSimulator();
    const created = await env.createPipelineRun({ name: 'dag', steps: threeStepDag() });
    const pr = await env.waitUntilDone('dag');

    expect(succeededCondition(pr.status)).toMatchObject({
      status: 'True',
      reason: 'Succeeded',
      message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0',
    });
    expect(pr.status?.childReferences).toEqual(
      ['a', 'b', 'c'].map((t) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        name: `dag-${t}`,
        pipelineTaskName: t,
      })),
    );
    expect(pr.metadata.labels?.['tekton.dev/pipeline']).toBe('dag');
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((t) => env.taskRun(t)));
    expect(startOf(b!)).toBeGreaterThanOrEqual(endOf(a!));
    expect(startOf(c!)).toBeGreaterThanOrEqual(endOf(a!));
    expect(startOf(c!)).toBeLessThan(endOf(b!)); // b and c overlap: they ran in parallel
    expect(a!.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        name: 'dag',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(a!.metadata.labels).toMatchObject({
      [LABELS.managedBy]: MANAGED_BY,
      'tekton.dev/pipelineRun': 'dag',
      'tekton.dev/pipelineRunUID': created.metadata.uid,
      'tekton.dev/pipelineTask': 'a',
      'tekton.dev/memberOf': 'tasks',
    });
    expect(a!.status).toMatchObject({
      podName: 'dag-a-pod',
      steps: [{ container: 'step-execute', terminated: { exitCode: 0, reason: 'Completed' } }],
    });
  });

  it('skips the dependants of a failing middle step because the PipelineRun was stopping', async () => {
    await env.startSimulator();
    await env.createPipelineRun({
      name: 'failing',
      steps: [
        { name: 'a' },
        { name: 'b', runAfter: ['a'], simulate: { outcome: 'fail', exitCode: 42 } },
        { name: 'c', runAfter: ['b'] },
      ],
    });
    const pr = await env.waitUntilDone('failing');
    expect(succeededCondition(pr.status)).toMatchObject({
      status: 'False',
      reason: 'Failed',
      message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1',
    });
    expect(pr.status?.skippedTasks).toEqual([{ name: 'c', reason: 'PipelineRun was stopping' }]);
    const b = await env.taskRun('b');
    expect(succeededCondition(b.status)).toMatchObject({
      reason: 'StepFailed',
      message: '"step-execute" exited with code 42: Error',
    });
    expect(b.status?.steps?.[0]?.terminated?.exitCode).toBe(42);
    expect((await env.taskRuns()).map((tr) => tr.metadata.name).sort()).toEqual(['failing-a', 'failing-b']);
  });

  it("reports OOM-killed and image-pull steps with Tekton's reasons", async () => {
    await env.startSimulator();
    await env.createPipelineRun({ name: 'oom', steps: [{ name: 'oom', simulate: { outcome: 'oom' } }] });
    await env.createPipelineRun({
      name: 'pull',
      steps: [{ name: 'pull', image: 'registry.local/missing:1', simulate: { outcome: 'imagepull' } }],
    });
    const [oom, pull] = await Promise.all([env.waitUntilDone('oom'), env.waitUntilDone('pull')]);
    expect(reasonOf(oom)).toBe('Failed');
    expect(reasonOf(pull)).toBe('Failed');
    expect(succeededCondition((await env.taskRun('oom')).status)).toMatchObject({
      reason: 'StepOOM',
      message: '"step-execute" exited with code 137: OOMKilled',
    });
    expect((await env.taskRun('oom')).status?.steps?.[0]).toMatchObject({
      terminationReason: 'OOMKilled',
      terminated: { exitCode: 137, reason: 'OOMKilled' },
    });
    expect(succeededCondition((await env.taskRun('pull')).status)).toMatchObject({
      reason: 'TaskRunImagePullFailed',
      message: expect.stringContaining('failed to pull the image "registry.local/missing:1"'),
    });
  });

  it('cancels a running PipelineRun when spec.status becomes Cancelled', async () => {
    await env.startSimulator();
    await env.createPipelineRun({
      name: 'cancel',
      steps: [
        { name: 'forever', simulate: { outcome: 'hang' } },
        { name: 'next', runAfter: ['forever'] },
      ],
    });
    await env.waitForTaskRunReason('forever', 'Running');
    await env.patchPipelineRunSpec('cancel', { status: 'Cancelled' });

    const pr = await env.waitUntilDone('cancel');
    expect(succeededCondition(pr.status)).toMatchObject({
      status: 'False',
      reason: 'Cancelled',
      message: 'PipelineRun "cancel" was cancelled',
    });
    const forever = await env.taskRun('forever');
    expect(forever.spec).toMatchObject({
      status: 'TaskRunCancelled',
      statusMessage: 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
    });
    expect(succeededCondition(forever.status)).toMatchObject({
      status: 'False',
      reason: 'TaskRunCancelled',
      message:
        'TaskRun "cancel-forever" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
    });
    expect(forever.status?.completionTime).toBeDefined();
  });

  it('times the PipelineRun out after timeouts.pipeline', async () => {
    await env.startSimulator();
    await env.createPipelineRun({
      name: 'slow',
      pipelineTimeout: '2s',
      steps: [{ name: 'forever', simulate: { outcome: 'hang' } }],
    });
    const pr = await env.waitUntilDone('slow');
    expect(succeededCondition(pr.status)).toMatchObject({
      status: 'False',
      reason: 'PipelineRunTimeout',
      message: 'PipelineRun "slow" failed to finish within "2s"',
    });
    const forever = await env.taskRun('forever');
    expect(succeededCondition(forever.status)).toMatchObject({
      reason: 'TaskRunCancelled',
      message: expect.stringContaining('has timed out'),
    });
  });

  it('times a task out after its own timeout and fails the PipelineRun', async () => {
    await env.startSimulator();
    await env.createPipelineRun({
      name: 'task-timeout',
      steps: [
        { name: 'forever', timeout: '1s', simulate: { outcome: 'hang' } },
        { name: 'after', runAfter: ['forever'] },
      ],
    });
    const pr = await env.waitUntilDone('task-timeout');
    expect(reasonOf(pr)).toBe('Failed');
    expect(pr.status?.skippedTasks).toEqual([{ name: 'after', reason: 'PipelineRun was stopping' }]);
    expect(succeededCondition((await env.taskRun('forever')).status)).toMatchObject({
      reason: 'TaskRunTimeout',
      message: 'TaskRun "task-timeout-forever" failed to finish within "1s"',
    });
  });

  it('retries a failing task: retriesStatus keeps the failed attempt, the retry pod succeeds', async () => {
    await env.startSimulator();
    await env.createPipelineRun({
      name: 'flaky',
      steps: [{ name: 'flaky', retries: 2, simulate: { outcome: 'fail', exitCode: 7, failAttempts: 1 } }],
    });
    const pr = await env.waitUntilDone('flaky');
    expect(reasonOf(pr)).toBe('Succeeded');
    const flaky = await env.taskRun('flaky');
    expect(flaky.spec.retries).toBe(2);
    expect(flaky.status?.podName).toBe('flaky-flaky-pod-retry1');
    expect(flaky.status?.retriesStatus).toHaveLength(1);
    expect(flaky.status?.retriesStatus?.[0]).toMatchObject({
      podName: 'flaky-flaky-pod',
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'StepFailed' }],
      steps: [{ terminated: { exitCode: 7 } }],
    });
  });

  it('fails with CouldntGetTask, creating nothing, when a task references a Task that does not exist', async () => {
    await env.startSimulator();
    await env.createPipelineRun({ name: 'no-task', steps: [{ name: 'a', taskRefName: 'not-kubernaut-action' }] });
    const pr = await env.waitUntilDone('no-task');
    expect(succeededCondition(pr.status)).toMatchObject({
      status: 'False',
      reason: 'CouldntGetTask',
      message: expect.stringMatching(/^\[User error\] /),
    });
    expect(pr.status?.childReferences).toBeUndefined();
    expect(await env.taskRuns()).toEqual([]);
  });

  it('finishes a run after a restart of the simulator, with exactly one TaskRun per task', async () => {
    const first = await env.startSimulator();
    await env.createPipelineRun({ name: 'restart', steps: threeStepDag({ a: { simulate: { durationMs: 1500 } } }) });
    await env.waitForTaskRunReason('a', 'Running');
    await first.stop();
    await env.startSimulator();
    const pr = await env.waitUntilDone('restart');
    expect(reasonOf(pr)).toBe('Succeeded');
    expect((await env.taskRuns()).map((tr) => tr.metadata.name).sort()).toEqual([
      'restart-a',
      'restart-b',
      'restart-c',
    ]);
  });

  it('stays correct when two simulators work on the same PipelineRuns at once', async () => {
    const one = await env.startSimulator();
    const two = await env.startSimulator();
    await env.createPipelineRun({ name: 'twice', steps: threeStepDag() });
    const pr = await env.waitUntilDone('twice');
    expect(reasonOf(pr)).toBe('Succeeded');
    const taskRuns = await env.taskRuns();
    expect(taskRuns.map((tr) => tr.metadata.name).sort()).toEqual(['twice-a', 'twice-b', 'twice-c']);
    expect(taskRuns.every((tr) => reasonOf(tr) === 'Succeeded')).toBe(true);
    expect(one.stats().errors + two.stats().errors).toBe(0);
  });

  it('deletes the TaskRuns of a deleted PipelineRun, as Kubernetes garbage collection would', async () => {
    await env.startSimulator();
    await env.createPipelineRun({ name: 'doomed', steps: [{ name: 'forever', simulate: { outcome: 'hang' } }] });
    await env.waitForTaskRunReason('forever', 'Running');
    await env.deletePipelineRun('doomed');
    await eventually('TaskRuns collected', async () => ((await env.taskRuns()).length === 0 ? true : undefined));
  });

  it('costs the API server a fixed number of requests per resync, however many PipelineRuns are in flight', async () => {
    const simulator = await env.startSimulator({ resyncIntervalMs: 500 });
    const runs = Array.from({ length: 12 }, (_, i) => `idle-${i}`);
    await Promise.all(
      runs.map((name) => env.createPipelineRun({ name, steps: [{ name: 'forever', simulate: { outcome: 'hang' } }] })),
    );
    await eventually('all PipelineRuns running and the simulator idle', () => {
      const stats = simulator.stats();
      return stats.pipelineRunStatusUpdates >= runs.length && stats.queueDepth === 0 ? true : undefined;
    });
    const before = simulator.stats();
    await eventually('three more re-lists', () => (simulator.stats().relists >= before.relists + 3 ? true : undefined));
    const after = simulator.stats();
    const delta = (kind: 'list' | 'read' | 'write') => after.apiRequestsByKind[kind] - before.apiRequestsByKind[kind];
    // Steady state: no reads or writes for running steps; one PipelineRun list and one TaskRun list per resync
    // (+2 for a re-list already under way at the first snapshot), whatever the number of PipelineRuns.
    expect({ reads: delta('read'), writes: delta('write') }).toEqual({ reads: 0, writes: 0 });
    expect(delta('list')).toBeLessThanOrEqual(2 * (after.relists - before.relists) + 2);
  });
});
