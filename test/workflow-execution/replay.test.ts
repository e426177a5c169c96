/**
 * Determinism: recorded histories of workflowExecutionWorkflow (completed, failed, cancelled, and the paths
 * that end before the PipelineRun does) replay against today's code — those of the first release (one
 * activity per step, frozen: runs it started must finish after an upgrade) and those of today's lean path.
 * A failure means a change would break executions already running in production: version it with
 * `patched()`, or re-record the lean set on purpose (support/record-histories.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { LEAN_EXECUTION_PATCH, RELEASE_2026_12_PATCH, TARGET_LOCK_PATCH } from '../../src/workflows/workflow-execution';
import { FAILED_RUN_PATCH } from '../../src/workflows/run-outcome';
import {
  DORMANT_LOCK_FIXTURE,
  FAILED_RUN_FIXTURES,
  FIRST_RELEASE_FIXTURES,
  LEAN_FIXTURES,
  RELEASE_2026_12_FIXTURES,
  TARGET_LOCK_FIXTURES,
} from './support/record-histories';

const WFE_FIXTURES = FIRST_RELEASE_FIXTURES;

const eventTypes = (file: string) =>
  (JSON.parse(fs.readFileSync(file, 'utf8')) as { events: { eventType: string }[] }).events.map((e) => e.eventType);
/** The activities a history scheduled, in order (local ones are markers, not listed). */
const activities = (file: string) =>
  (
    JSON.parse(fs.readFileSync(file, 'utf8')) as {
      events: { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
    }
  ).events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? []);

type HistoryJson = {
  events: {
    activityTaskScheduledEventAttributes?: { activityType: { name: string } };
    markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: { data: string }[] }> };
  }[];
};
const history = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as HistoryJson;
/** The local activities a history ran, in order (from their markers). */
const localActivities = (file: string) =>
  history(file).events.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    const data = m?.markerName === 'core_local_activity' ? m.details?.data?.payloads[0]?.data : undefined;
    return data
      ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { activity_type: string }).activity_type]
      : [];
  });
/** The ids of the patches a run took, from its patch markers, in order. */
const patchIds = (file: string) =>
  history(file).events.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    const data = m?.markerName === 'core_patch' ? m.details?.['patch-data']?.payloads[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
/** Whether the run carries a patch marker, i.e. took that patch's path. */
const patchedWith = (patch: string) => (file: string) => patchIds(file).includes(patch);
const patchedLean = patchedWith(LEAN_EXECUTION_PATCH);
const patchedTargetLock = patchedWith(TARGET_LOCK_PATCH);
const patchedFailedRun = patchedWith(FAILED_RUN_PATCH);
/** The failure types a run's workflow failed with (none when it completed). */
const failure = (file: string) =>
  (
    history(file).events as {
      workflowExecutionFailedEventAttributes?: { failure: { applicationFailureInfo: { type: string } } };
    }[]
  ).flatMap((e) => e.workflowExecutionFailedEventAttributes?.failure.applicationFailureInfo.type ?? []);
/** The one-line summaries a history's activities, local activities and timers carry (user metadata). */
const summaries = (file: string) =>
  (
    JSON.parse(fs.readFileSync(file, 'utf8')) as {
      events: { eventType: string; userMetadata?: { summary?: { data?: string } } }[];
    }
  ).events.flatMap((e) => {
    const data = e.userMetadata?.summary?.data;
    return data ? [`${e.eventType}: ${JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as string}`] : [];
  });
/** The signals a history received, by name. */
const signals = (file: string) =>
  (
    JSON.parse(fs.readFileSync(file, 'utf8')) as {
      events: { workflowExecutionSignaledEventAttributes?: { signalName: string } }[];
    }
  ).events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);

let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
}, 60_000);

describe('recorded WorkflowExecution histories', () => {
  it('cover completion, failure and cancellation', () => {
    expect(eventTypes(WFE_FIXTURES.completed)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(eventTypes(WFE_FIXTURES.failed)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(eventTypes(WFE_FIXTURES.cancelled)).toEqual(
      expect.arrayContaining([
        'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED',
      ]),
    );
  });

  it('cover the paths that end before the PipelineRun does', () => {
    expect(activities(WFE_FIXTURES.rejected)).toEqual(['syncWorkflowExecutionStatus', 'signalEffectivenessMonitor']);
    expect(activities(WFE_FIXTURES.rejectedUnreported)).toEqual(['syncWorkflowExecutionStatus']);
    expect(activities(WFE_FIXTURES.deletedBeforeStart)).toEqual(['syncWorkflowExecutionStatus']);
    expect(activities(WFE_FIXTURES.deadline)).toContain('cancelPipelineRun');
    expect(activities(WFE_FIXTURES.ownershipConflict)).toEqual(
      expect.arrayContaining(['createPipelineRun', 'completeActions', 'removeExecutionFinalizer']),
    );
    expect(activities(WFE_FIXTURES.ownershipConflict)).not.toContain('recordActions');
    expect(activities(WFE_FIXTURES.pipelineRunDeleted)).toEqual(expect.arrayContaining(['awaitPipelineRunChange']));
    expect(activities(WFE_FIXTURES.pipelineRunDeleted)).not.toContain('cancelPipelineRun');
  });

  it.each(Object.entries(WFE_FIXTURES))('replays the %s history without nondeterminism', async (_name, file) => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});

describe('recorded WorkflowExecution histories of the lean path', () => {
  it('are marked by the patch, and the first release’s are not', () => {
    for (const file of Object.values(LEAN_FIXTURES)) expect([file, patchedLean(file)]).toEqual([file, true]);
    for (const file of Object.values(FIRST_RELEASE_FIXTURES)) expect([file, patchedLean(file)]).toEqual([file, false]);
    for (const file of [...Object.values(LEAN_FIXTURES), ...Object.values(FIRST_RELEASE_FIXTURES)]) {
      expect([file, patchedTargetLock(file)]).toEqual([file, false]);
    }
  });

  it('begin and finish in one local activity each, and wait in one activity', () => {
    expect(localActivities(LEAN_FIXTURES.completed)).toEqual(['beginExecution', 'finishExecution']);
    expect(activities(LEAN_FIXTURES.completed)).toEqual(['awaitPipelineRunOutcome']);
    expect(localActivities(LEAN_FIXTURES.failed)).toEqual(['beginExecution', 'finishExecution']);
    expect(eventTypes(LEAN_FIXTURES.cancelled)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED');
    expect(localActivities(LEAN_FIXTURES.cancelled)).toEqual(
      expect.arrayContaining(['beginExecution', 'cancelPipelineRun', 'finishExecution']),
    );
  });

  it('cover the paths that end before the PipelineRun does', () => {
    expect(localActivities(LEAN_FIXTURES.rejected)).toEqual(['beginExecution', 'finishExecution']);
    expect(localActivities(LEAN_FIXTURES.deletedBeforeStart)).toEqual(['beginExecution']);
    expect(localActivities(LEAN_FIXTURES.deadline)).toContain('cancelPipelineRun');
    expect(localActivities(LEAN_FIXTURES.ownershipConflict)).toEqual(['beginExecution', 'finishExecution']);
    expect(activities(LEAN_FIXTURES.ownershipConflict)).toEqual([]);
    expect(activities(LEAN_FIXTURES.pipelineRunDeleted)).toContain('awaitPipelineRunOutcome');
    expect(localActivities(LEAN_FIXTURES.pipelineRunDeleted)).not.toContain('cancelPipelineRun');
  });

  it.each(Object.entries(LEAN_FIXTURES))('replays the %s history without nondeterminism', async (_name, file) => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});

describe('recorded histories of the per-target lock', () => {
  const { lock, ...executions } = TARGET_LOCK_FIXTURES;

  it('are marked by both patches, and keep the lean shape', () => {
    for (const file of Object.values(executions)) {
      expect([file, patchedLean(file), patchedTargetLock(file)]).toEqual([file, true, true]);
    }
    expect(localActivities(executions.free)).toEqual(['beginExecution', 'finishExecution']);
    expect(activities(executions.free)).toEqual(['awaitPipelineRunOutcome']);
  });

  it('show a waiter told its place by signal, then its turn, and one that never ran', () => {
    expect(signals(executions.waited)).toEqual(expect.arrayContaining(['targetQueue', 'targetGranted']));
    expect(localActivities(executions.waited)).toEqual(
      expect.arrayContaining(['beginExecution', 'writeObservedStatus', 'finishExecution']),
    );
    expect(activities(executions.waited)).toEqual(['awaitPipelineRunOutcome']);
    expect(signals(executions.waitTimeout)).not.toContain('targetGranted');
    expect(activities(executions.waitTimeout)).toEqual([]);
    expect(eventTypes(lock)).toEqual(
      expect.arrayContaining([
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
      ]),
    );
  });

  it.each(Object.entries(TARGET_LOCK_FIXTURES))(
    'replays the %s history without nondeterminism',
    async (_name, file) => {
      const replayed = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
      await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
    },
  );
});

describe("a quiet target's lock, started dormant", () => {
  it('ran no workflow task before its holder let go: the release signal woke it, then the cooldown timer', () => {
    const types = eventTypes(DORMANT_LOCK_FIXTURE);
    expect(types.slice(0, 3)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    ]);
    const started = (
      history(DORMANT_LOCK_FIXTURE).events as {
        workflowExecutionStartedEventAttributes?: { firstWorkflowTaskBackoff?: string };
      }[]
    )[0].workflowExecutionStartedEventAttributes!;
    expect(parseFloat(started.firstWorkflowTaskBackoff!)).toBeGreaterThan(60);
    expect(types).toContain('EVENT_TYPE_TIMER_STARTED');
    expect(types[types.length - 1]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  });

  it('replays without nondeterminism', async () => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(DORMANT_LOCK_FIXTURE, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});

describe('a lock recorded before its late-cooldown fix', () => {
  // From a CI run (2026-11-30): the holder's cooldown ended while the lock told its four waiters where they
  // stood, and the lock then waited for a change that never came (no timer, no grant) until the test
  // terminated it. Runs like it replay on their old path: the fix's branch is behind a patch.
  const stuck = path.join(__dirname, '..', 'fixtures', 'histories', 'target-lock-late-cooldown-end.json');

  it('shows the stuck shape: the release, four waiters told, then nothing but its termination', () => {
    const types = eventTypes(stuck);
    expect(types.filter((t) => t === 'EVENT_TYPE_TIMER_STARTED')).toEqual([]);
    expect(types.slice(-2)).toEqual(['EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED']);
  });

  it('replays without nondeterminism', async () => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(stuck, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});

describe('recorded histories of runs that end the way their WFE ended', () => {
  it('fail the workflow of a failed WFE (its reason as the failure type), marked by the patch', () => {
    for (const file of [FAILED_RUN_FIXTURES.stepFailed, FAILED_RUN_FIXTURES.rejected]) {
      expect([file, patchedFailedRun(file)]).toEqual([file, true]);
      expect(eventTypes(file)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    }
    expect(failure(FAILED_RUN_FIXTURES.stepFailed)).toEqual(['TaskFailed']);
    expect(failure(FAILED_RUN_FIXTURES.rejected)).toEqual(['ConfigurationError']);
    // A completed WFE asks for no patch: its run completes as before.
    expect(eventTypes(FAILED_RUN_FIXTURES.completed)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    for (const file of [...Object.values(LEAN_FIXTURES), ...Object.values(TARGET_LOCK_FIXTURES)]) {
      expect([file, patchedFailedRun(file)]).toEqual([file, false]);
    }
  });

  it('name what each activity and timer does in its summary', () => {
    const completed = summaries(FAILED_RUN_FIXTURES.completed);
    expect(completed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^EVENT_TYPE_MARKER_RECORDED: Begin: validate, take .*, create PipelineRun \S+ \(restart\)/,
        ),
        expect.stringMatching(/^EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: Wait for PipelineRun \S+ \(restart\)/),
        expect.stringMatching(/^EVENT_TYPE_TIMER_STARTED: Deadline: the timeout of 30m/),
        expect.stringMatching(/^EVENT_TYPE_MARKER_RECORDED: Finish: Completed; record the outcomes/),
      ]),
    );
    expect(summaries(FAILED_RUN_FIXTURES.stepFailed)).toEqual(
      expect.arrayContaining([expect.stringMatching(/Finish: Failed \(TaskFailed\)/)]),
    );
  });

  it.each(Object.entries(FAILED_RUN_FIXTURES))('replays the %s history without nondeterminism', async (_name, file) => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});

describe('recorded histories of runs begun on the 2026-12 release', () => {
  const today = RELEASE_2026_12_FIXTURES;

  it('carry one patch marker, the release’s, where the runs before it carried one per change', () => {
    for (const file of Object.values(today)) expect([file, patchIds(file)]).toEqual([file, [RELEASE_2026_12_PATCH]]);
    expect(patchIds(FAILED_RUN_FIXTURES.completed)).toEqual([LEAN_EXECUTION_PATCH, TARGET_LOCK_PATCH]);
    expect(patchIds(FAILED_RUN_FIXTURES.stepFailed)).toEqual([
      LEAN_EXECUTION_PATCH,
      TARGET_LOCK_PATCH,
      FAILED_RUN_PATCH,
    ]);
    // Each patch left behind is a marker and an upsert of TemporalChangeVersion fewer.
    expect(eventTypes(today.completed)).toHaveLength(eventTypes(FAILED_RUN_FIXTURES.completed).length - 2);
    expect(eventTypes(today.stepFailed)).toHaveLength(eventTypes(FAILED_RUN_FIXTURES.stepFailed).length - 4);
  });

  it('keep the shape: begin and finish locally, one waiting activity; a failed WFE fails its workflow', () => {
    expect(localActivities(today.completed)).toEqual(['beginExecution', 'finishExecution']);
    expect(activities(today.completed)).toEqual(['awaitPipelineRunOutcome']);
    expect(eventTypes(today.completed)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(failure(today.stepFailed)).toEqual(['TaskFailed']);
    expect(failure(today.rejected)).toEqual(['ConfigurationError']);
    expect(summaries(today.completed)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^EVENT_TYPE_MARKER_RECORDED: Begin: validate, take .*, create PipelineRun/),
        expect.stringMatching(/^EVENT_TYPE_MARKER_RECORDED: Finish: Completed; record the outcomes/),
      ]),
    );
  });

  it.each(Object.entries(today))('replays the %s history without nondeterminism', async (_name, file) => {
    const replayed = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, replayed)).resolves.toBeUndefined();
  });
});
