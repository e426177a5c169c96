import { LABELS, MANAGED_BY } from '../../src/domain/names';
import { planNextStep } from '../../src/tekton-simulator/plan';
import { succeededCondition, type PipelineRun, type TaskRun } from '../../src/tekton-simulator/tekton-objects';
import { toTimestamp } from '../../src/tekton-simulator/timestamps';
import { pipelineRunFixture, threeStepDag } from '../fixtures/tekton-simulator/pipeline-runs';
import reference from '../fixtures/tekton-simulator/reference-shapes.json';
import { PlanDriver, shapeContaining, shapeOf, T0 } from './support/plan-driver';

const condition = (pr: PipelineRun) => succeededCondition(pr.status);
const startOf = (tr: TaskRun) => Date.parse(tr.status!.startTime!);
const endOf = (tr: TaskRun) => Date.parse(tr.status!.completionTime!);

describe('planNextStep', () => {
  describe('a 3-step DAG (a; b and c after a)', () => {
    it("starts only a first, marks the PipelineRun Running with Tekton's counts message and startTime", () => {
      const plan = planNextStep(pipelineRunFixture({ steps: threeStepDag() }), [], T0);
      const created = plan.actions.filter((a) => a.type === 'createTaskRun');
      expect(created.map((a) => a.type === 'createTaskRun' && a.taskRun.metadata.name)).toEqual(['wfe-restart-7f3a-a']);
      const prStatus = plan.actions.find((a) => a.type === 'updatePipelineRunStatus');
      expect(prStatus).toMatchObject({
        status: {
          startTime: toTimestamp(T0),
          conditions: [
            {
              type: 'Succeeded',
              status: 'Unknown',
              reason: 'Running',
              message: 'Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0',
            },
          ],
          childReferences: [
            { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', name: 'wfe-restart-7f3a-a', pipelineTaskName: 'a' },
          ],
        },
      });
      expect(plan.wakeAt).toBe(T0 + 200);
    });

    it('creates b and c together once a has finished, and completes with reason Succeeded', () => {
      const driver = new PlanDriver(pipelineRunFixture({ steps: threeStepDag() }));
      const pr = driver.runUntilDone();
      const [a, b, c] = ['a', 'b', 'c'].map((t) => driver.taskRun(t)) as [TaskRun, TaskRun, TaskRun];
      expect(startOf(b)).toBeGreaterThanOrEqual(endOf(a));
      expect(startOf(c)).toBeGreaterThanOrEqual(endOf(a));
      expect(startOf(b)).toBe(startOf(c)); // parallel: both released by the same event
      expect(condition(pr)).toMatchObject({
        status: 'True',
        reason: 'Succeeded',
        message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0',
      });
      expect(pr.status?.completionTime).toBeDefined();
      expect(pr.status?.childReferences?.map((r) => r.pipelineTaskName)).toEqual(['a', 'b', 'c']);
      expect(pr.status?.skippedTasks).toBeUndefined();
    });

    it("matches the shape of a succeeded PipelineRun in Tekton's reference", () => {
      const pr = new PlanDriver(pipelineRunFixture({ steps: threeStepDag() })).runUntilDone();
      const expected = reference.succeededPipelineRunStatus;
      expect(shapeOf(pr.status?.conditions)).toEqual(shapeOf(expected.conditions));
      expect(shapeOf(pr.status?.childReferences)).toEqual(shapeOf(expected.childReferences));
      expect(typeof pr.status?.startTime).toBe('string');
      expect(typeof pr.status?.completionTime).toBe('string');
    });

    it('completes in a single plan when steps take no time (benchmark mode)', () => {
      const driver = new PlanDriver(pipelineRunFixture({ steps: threeStepDag() }), 0);
      driver.step();
      expect(condition(driver.pipelineRun)?.reason).toBe('Succeeded');
      expect(driver.taskRuns.size).toBe(3);
    });
  });

  describe('TaskRuns it creates', () => {
    it("carry the PipelineRun's labels plus Tekton's, a controller ownerReference, and the task's spec", () => {
      const pr = pipelineRunFixture({ steps: [{ name: 'restart', timeout: '90s', retries: 2 }] });
      const plan = planNextStep(pr, [], T0);
      const create = plan.actions.find((a) => a.type === 'createTaskRun');
      if (create?.type !== 'createTaskRun') throw new Error('no TaskRun created');
      expect(create.taskRun.metadata.labels).toEqual({
        ...pr.metadata.labels,
        [LABELS.managedBy]: MANAGED_BY,
        'tekton.dev/pipeline': pr.metadata.name,
        'tekton.dev/pipelineRun': pr.metadata.name,
        'tekton.dev/pipelineRunUID': pr.metadata.uid,
        'tekton.dev/pipelineTask': 'restart',
        'tekton.dev/memberOf': 'tasks',
        'tekton.dev/task': 'kubernaut-action',
      });
      expect(create.taskRun.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          name: pr.metadata.name,
          uid: pr.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(create.taskRun.spec).toEqual({
        serviceAccountName: 'kubernaut-action-runner',
        taskRef: { name: 'kubernaut-action', kind: 'Task' },
        params: (pr.spec.pipelineSpec!.tasks as { params: unknown }[])[0]!.params,
        retries: 2,
        timeout: '1m30s',
      });
      expect(create.status.podName).toBe(`${pr.metadata.name}-restart-pod`);
    });

    it('get hashed 63-character names when <pipelineRun>-<task> is too long', () => {
      const pr = pipelineRunFixture({
        name: 'wfe-a-rather-long-workflow-execution-name-3f9a2c1d',
        steps: [{ name: 'restart-the-api-pods' }],
      });
      const create = planNextStep(pr, [], T0).actions.find((a) => a.type === 'createTaskRun');
      if (create?.type !== 'createTaskRun') throw new Error('no TaskRun created');
      expect(create.taskRun.metadata.name).toHaveLength(63);
      expect(create.taskRun.metadata.name.endsWith('-restart-the-api-pods')).toBe(true);
    });

    it("default the timeout to Tekton's 60 minutes and omit retries when there are none", () => {
      const create = planNextStep(pipelineRunFixture({ steps: [{ name: 'restart' }] }), [], T0).actions.find(
        (a) => a.type === 'createTaskRun',
      );
      if (create?.type !== 'createTaskRun') throw new Error('no TaskRun created');
      expect(create.taskRun.spec.timeout).toBe('1h0m0s');
      expect(create.taskRun.spec).not.toHaveProperty('retries');
    });
  });

  describe('a failing middle step', () => {
    const steps = [
      { name: 'a' },
      { name: 'b', runAfter: ['a'], simulate: { outcome: 'fail', exitCode: 2 } },
      { name: 'c', runAfter: ['b'] },
      { name: 'd', runAfter: ['c'] },
    ];

    it('stops scheduling: its dependants are skipped because the PipelineRun was stopping, and it fails', () => {
      const driver = new PlanDriver(pipelineRunFixture({ steps }));
      const pr = driver.runUntilDone();
      expect([...driver.taskRuns.values()].map((tr) => tr.metadata.labels?.['tekton.dev/pipelineTask'])).toEqual([
        'a',
        'b',
      ]);
      expect(pr.status?.skippedTasks).toEqual([
        { name: 'c', reason: 'PipelineRun was stopping' },
        { name: 'd', reason: 'PipelineRun was stopping' },
      ]);
      expect(condition(pr)).toMatchObject({
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 2',
      });
      expect(pr.status?.childReferences?.map((r) => r.pipelineTaskName)).toEqual(['a', 'b']);
    });

    it("matches the shape of a failed PipelineRun in Tekton's reference", () => {
      const pr = new PlanDriver(pipelineRunFixture({ steps })).runUntilDone();
      const expected = reference.failedPipelineRunStatus;
      expect(shapeOf(pr.status?.skippedTasks)).toEqual(shapeOf(expected.skippedTasks));
      expect(shapeOf(pr.status?.conditions)).toEqual(shapeOf(expected.conditions));
    });

    it('reports PipelineRunStopping while a parallel task is still running, then Failed once it ends', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({
          steps: [
            { name: 'slow', simulate: { durationMs: 5000 } },
            { name: 'broken', simulate: { outcome: 'fail' } },
            { name: 'after', runAfter: ['broken'] },
          ],
        }),
      );
      driver.step();
      driver.advanceTo(T0 + 1000);
      driver.step();
      expect(condition(driver.pipelineRun)).toMatchObject({
        status: 'Unknown',
        reason: 'PipelineRunStopping',
        message: 'Tasks Completed: 1 (Failed: 1, Cancelled 0), Incomplete: 1, Skipped: 1',
      });
      const pr = driver.runUntilDone();
      expect(condition(pr)).toMatchObject({
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1',
      });
    });
  });

  describe('TaskRun shapes', () => {
    it("match Tekton's failed TaskRun with a retry: podName, steps[].terminated, retriesStatus, conditions", () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ steps: [{ name: 'build', retries: 1, simulate: { outcome: 'fail' } }] }),
      );
      driver.runUntilDone();
      const taskRun = driver.taskRun('build');
      const expected = reference.failedTaskRun;
      expect(Object.keys(taskRun.metadata.labels ?? {})).toEqual(
        expect.arrayContaining(Object.keys(expected.metadata.labels)),
      );
      expect(shapeOf(taskRun.metadata.ownerReferences)).toEqual(shapeOf(expected.metadata.ownerReferences));
      expect(shapeOf(taskRun.status?.conditions)).toEqual(shapeOf(expected.status.conditions));
      expect(shapeOf(taskRun.status?.steps)).toEqual(shapeOf(expected.status.steps));
      expect(taskRun.status?.podName).toBe('wfe-restart-7f3a-build-pod-retry1');
      // Tekton keeps the archived attempt whole (dates included); the reference's fields must all be there.
      expect(shapeOf(taskRun.status?.retriesStatus)).toEqual(shapeContaining(shapeOf(expected.status.retriesStatus)));
    });
  });

  describe('cancellation (spec.status: Cancelled)', () => {
    it("cancels running TaskRuns with Tekton's message and reports the PipelineRun Cancelled", () => {
      const driver = new PlanDriver(
        pipelineRunFixture({
          name: 'wfe-cancel-1',
          steps: threeStepDag({ b: { simulate: { outcome: 'hang' } }, c: { simulate: { outcome: 'hang' } } }),
        }),
      );
      driver.runUntilDone(T0 + 5000);
      expect(condition(driver.pipelineRun)?.status).toBe('Unknown');
      driver.advanceTo(T0 + 6000);
      driver.setSpecStatus('Cancelled');
      const plan = driver.step();
      expect(plan.actions.filter((a) => a.type === 'cancelTaskRun')).toEqual([
        {
          type: 'cancelTaskRun',
          namespace: 'remediation-ns',
          name: 'wfe-cancel-1-b',
          statusMessage: 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
        },
        {
          type: 'cancelTaskRun',
          namespace: 'remediation-ns',
          name: 'wfe-cancel-1-c',
          statusMessage: 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
        },
      ]);
      // TaskRuns are written before the PipelineRun, so it is never done while its children still run.
      const types = plan.actions.map((a) => a.type);
      expect(types.lastIndexOf('updateTaskRunStatus')).toBeLessThan(types.indexOf('updatePipelineRunStatus'));
      expect(condition(driver.pipelineRun)).toMatchObject({
        status: 'False',
        reason: 'Cancelled',
        message: 'PipelineRun "wfe-cancel-1" was cancelled',
      });
      expect(driver.pipelineRun.status?.completionTime).toBe(toTimestamp(T0 + 6000));
      expect(succeededCondition(driver.taskRun('b').status)).toMatchObject({
        status: 'False',
        reason: 'TaskRunCancelled',
        message:
          'TaskRun "wfe-cancel-1-b" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
      });
      expect(succeededCondition(driver.taskRun('a').status)?.reason).toBe('Succeeded');
      expect(driver.step().actions).toEqual([]);
    });

    it("matches the reference's cancelled condition", () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ name: 'rel-42-g3', steps: [{ name: 'a', simulate: { outcome: 'hang' } }] }),
      );
      driver.step();
      driver.setSpecStatus('Cancelled');
      driver.step();
      expect(condition(driver.pipelineRun)).toMatchObject(reference.cancelledCondition);
    });
  });

  describe('timeouts', () => {
    it('times the PipelineRun out after timeouts.pipeline: running TaskRuns cancelled, unstarted ready tasks skipped', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({
          name: 'rel-42-g3',
          pipelineTimeout: '1h',
          steps: [
            { name: 'a', simulate: { outcome: 'hang' } },
            { name: 'b', runAfter: ['a'] },
          ],
        }),
      );
      const pr = driver.runUntilDone();
      expect(condition(pr)).toMatchObject(reference.timedOutCondition);
      expect(succeededCondition(driver.taskRun('a').status)).toMatchObject({
        status: 'False',
        reason: 'TaskRunCancelled',
        message:
          'TaskRun "rel-42-g3-a" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has timed out.',
      });
      expect(driver.taskRun('a').spec.statusMessage).toBe(
        'TaskRun cancelled as the PipelineRun it belongs to has timed out.',
      );
      expect(driver.taskRun('a').status?.completionTime).toBe(toTimestamp(T0 + 3600_000));
      expect(pr.status?.skippedTasks).toBeUndefined(); // b was still waiting on a running parent
    });

    it('does not let a step that would end after the pipeline deadline count as succeeded', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ pipelineTimeout: '10s', steps: [{ name: 'a', simulate: { durationMs: 20_000 } }] }),
      );
      driver.step();
      driver.advanceTo(T0 + 60_000); // the simulator was away; both the deadline and the step's end have passed
      driver.step();
      expect(condition(driver.pipelineRun)?.reason).toBe('PipelineRunTimeout');
      expect(succeededCondition(driver.taskRun('a').status)?.reason).toBe('TaskRunCancelled');
    });

    it('fails the PipelineRun when a task exceeds its own timeout (TaskRunTimeout)', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ steps: threeStepDag({ b: { timeout: '2s', simulate: { outcome: 'hang' } } }) }),
      );
      const pr = driver.runUntilDone();
      expect(succeededCondition(driver.taskRun('b').status)).toMatchObject({
        reason: 'TaskRunTimeout',
        message: 'TaskRun "wfe-restart-7f3a-b" failed to finish within "2s"',
      });
      expect(condition(pr)).toMatchObject({
        status: 'False',
        reason: 'Failed',
        message: 'Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 0',
      });
    });
  });

  describe('retries', () => {
    it('lets a PipelineTask succeed on a retry and the PipelineRun succeed with it', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ steps: [{ name: 'flaky', retries: 2, simulate: { outcome: 'fail', failAttempts: 1 } }] }),
      );
      const pr = driver.runUntilDone();
      expect(condition(pr)?.reason).toBe('Succeeded');
      expect(driver.taskRun('flaky').status?.retriesStatus).toHaveLength(1);
      expect(driver.taskRun('flaky').status?.podName).toBe('wfe-restart-7f3a-flaky-pod-retry1');
    });
  });

  describe('PipelineRuns Tekton cannot run', () => {
    it('fails with CouldntGetTask and no children when a task references a Task other than kubernaut-action', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ name: 'rel-42-g3', steps: [{ name: 'a' }, { name: 'b', taskRefName: 'no-such-task' }] }),
      );
      const pr = driver.runUntilDone();
      expect(condition(pr)).toMatchObject({
        status: 'False',
        reason: 'CouldntGetTask',
        message:
          '[User error] Pipeline remediation-ns/rel-42-g3 can\'t be Run; it contains Tasks that don\'t exist: Couldn\'t retrieve Task "no-such-task": tasks.tekton.dev "no-such-task" not found',
      });
      expect(pr.status?.childReferences).toBeUndefined();
      expect(pr.status?.completionTime).toBeDefined();
      expect(driver.taskRuns.size).toBe(0);
    });

    it('fails with PipelineInvalidGraph for a runAfter naming no task, or a cycle', () => {
      const unknown = new PlanDriver(
        pipelineRunFixture({ steps: [{ name: 'a', runAfter: ['ghost'] }] }),
      ).runUntilDone();
      expect(condition(unknown)).toMatchObject({
        reason: 'PipelineInvalidGraph',
        message: expect.stringContaining("task a depends on ghost but ghost wasn't present in Pipeline"),
      });
      const cycle = new PlanDriver(
        pipelineRunFixture({
          steps: [
            { name: 'a', runAfter: ['b'] },
            { name: 'b', runAfter: ['a'] },
          ],
        }),
      ).runUntilDone();
      expect(condition(cycle)).toMatchObject({
        status: 'False',
        reason: 'PipelineInvalidGraph',
        message: expect.stringContaining('cycle detected'),
      });
    });

    it('fails with PipelineValidationFailed naming the JSON path of a malformed task', () => {
      const pr = pipelineRunFixture({ steps: [{ name: 'a', timeout: 'soon' }] });
      const result = new PlanDriver(pr).runUntilDone();
      expect(condition(result)).toMatchObject({
        reason: 'PipelineValidationFailed',
        message: expect.stringContaining('spec.pipelineSpec.tasks[0].timeout'),
      });
    });
  });

  describe('idempotence', () => {
    it('plans nothing more for a finished PipelineRun, however late it is asked again', () => {
      const driver = new PlanDriver(pipelineRunFixture({ steps: threeStepDag() }));
      const pr = driver.runUntilDone();
      expect(planNextStep(pr, [...driver.taskRuns.values()], T0 + 86_400_000).actions).toEqual([]);
    });

    it('plans the same actions again when a previous plan was lost (e.g. the simulator crashed before writing)', () => {
      const pr = pipelineRunFixture({ steps: threeStepDag() });
      expect(planNextStep(pr, [], T0)).toEqual(planNextStep(pr, [], T0));
    });

    it('writes nothing while a running PipelineRun has nothing new to report', () => {
      const driver = new PlanDriver(pipelineRunFixture({ steps: [{ name: 'a', simulate: { durationMs: 10_000 } }] }));
      driver.step();
      driver.advanceTo(T0 + 5000);
      expect(driver.step().actions).toEqual([]);
    });

    it('ignores TaskRuns left by an earlier PipelineRun of the same name and waits for them to be collected', () => {
      const earlier = new PlanDriver(pipelineRunFixture({ uid: 'old-uid', steps: [{ name: 'a' }] }));
      earlier.runUntilDone();
      const leftovers = [...earlier.taskRuns.values()];
      const plan = planNextStep(pipelineRunFixture({ uid: 'new-uid', steps: [{ name: 'a' }] }), leftovers, T0 + 10_000);
      expect(plan.actions.filter((a) => a.type === 'createTaskRun' || a.type === 'updateTaskRunStatus')).toEqual([]);
      expect(plan.actions.find((a) => a.type === 'updatePipelineRunStatus')).toMatchObject({
        status: { conditions: [{ reason: 'Running' }] },
      });
    });
  });

  describe('other spec.status values', () => {
    it('holds a PipelineRunPending run without starting it, then starts it once the field is cleared', () => {
      const driver = new PlanDriver(
        pipelineRunFixture({ name: 'wfe-pending', steps: [{ name: 'a' }], specStatus: 'PipelineRunPending' }),
      );
      driver.step();
      expect(condition(driver.pipelineRun)).toMatchObject({
        status: 'Unknown',
        reason: 'PipelineRunPending',
        message: 'PipelineRun "wfe-pending" is pending',
      });
      expect(driver.pipelineRun.status?.startTime).toBeUndefined();
      expect(driver.taskRuns.size).toBe(0);
      driver.setSpecStatus('');
      expect(condition(driver.runUntilDone())?.reason).toBe('Succeeded');
    });

    it('lets running tasks finish but schedules nothing new under StoppedRunFinally', () => {
      const driver = new PlanDriver(pipelineRunFixture({ name: 'wfe-stop', steps: threeStepDag() }));
      driver.step();
      driver.setSpecStatus('StoppedRunFinally');
      const pr = driver.runUntilDone();
      expect(succeededCondition(driver.taskRun('a').status)?.reason).toBe('Succeeded');
      expect(pr.status?.skippedTasks).toEqual([
        { name: 'b', reason: 'PipelineRun was gracefully stopped' },
        { name: 'c', reason: 'PipelineRun was gracefully stopped' },
      ]);
      expect(condition(pr)).toMatchObject({
        status: 'False',
        reason: 'Cancelled',
        message: 'PipelineRun "wfe-stop" was cancelled',
      });
    });

    it('leaves PipelineRuns managed by another controller alone', () => {
      const pr = pipelineRunFixture({ steps: [{ name: 'a' }] });
      expect(planNextStep({ ...pr, spec: { ...pr.spec, managedBy: 'example.com/other' } }, [], T0).actions).toEqual([]);
    });
  });
});
