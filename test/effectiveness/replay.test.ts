/**
 * Determinism: recorded histories of both effectiveness workflows replay against today's workflow code.
 * A failure here means a change would break workflows already running in production; version it with
 * `patched()`, or, if breaking them is intended, re-record (see support/record-histories.ts).
 */
import fs from 'node:fs';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import {
  ASSESSMENT_DELAYED_FIXTURE,
  ASSESSMENT_FALLBACK_FIXTURE,
  ASSESSMENT_FIXTURE,
  ASSESSMENT_LEAN_FIXTURE,
  MONITOR_BURST_FIXTURE,
  MONITOR_DELAYED_FIXTURE,
  MONITOR_FIXTURE,
} from './support/record-histories';
import { LEAN_ASSESSMENT_PATCH } from '../../src/workflows/effectiveness-assessment';
import { DELAYED_ASSESSMENT_STARTS_PATCH } from '../../src/workflows/effectiveness-monitor';

function load(file: string) {
  return historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
}

interface RecordedEvent {
  eventType: string;
  workflowExecutionStartedEventAttributes?: { firstWorkflowTaskBackoff?: string };
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: { data: string }[] }> };
}

function events(file: string): RecordedEvent[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { events: RecordedEvent[] }).events;
}

/** Event type names of a recorded history, in order. */
function eventTypes(file: string): string[] {
  return events(file).map((e) => e.eventType);
}

/** Marker names of a recorded history, in order. */
function markerNames(file: string): string[] {
  return events(file).flatMap((e) =>
    e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : [],
  );
}

/** The patch ids a recorded history's patch markers carry. */
function patchesOf(file: string): string[] {
  return events(file)
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads[0]?.data ?? '';
      return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id;
    });
}

/** What the local activities of a recorded history returned, in order. */
function localActivityResults(file: string): unknown[] {
  return events(file)
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['result']?.payloads[0]?.data ?? '';
      return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
    });
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  // The worker's own entry point, bundled once for both replays.
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: silent });
}, 60_000);

describe('recorded effectiveness histories', () => {
  it('cover the paths worth guarding: new and already-started assessments, continue-as-new, timer, activities', () => {
    const monitor = eventTypes(MONITOR_FIXTURE);
    expect(monitor).toEqual(
      expect.arrayContaining([
        'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
        'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
        'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED',
        'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
      ]),
    );
    const assessment = eventTypes(ASSESSMENT_FIXTURE);
    expect(assessment.filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED')).toHaveLength(2);
    expect(assessment).toEqual(
      expect.arrayContaining(['EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED']),
    );
    // The lean shape: the patch marker and both calls as local activities, after the timer.
    const lean = eventTypes(ASSESSMENT_LEAN_FIXTURE);
    expect(lean.filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(0);
    expect(markerNames(ASSESSMENT_LEAN_FIXTURE)).toEqual(['core_patch', 'core_local_activity', 'core_local_activity']);
    expect(lean.indexOf('EVENT_TYPE_TIMER_FIRED')).toBeLessThan(lean.indexOf('EVENT_TYPE_MARKER_RECORDED'));
    expect(patchesOf(ASSESSMENT_LEAN_FIXTURE)).toEqual([LEAN_ASSESSMENT_PATCH]);
    expect(patchesOf(ASSESSMENT_FIXTURE)).toEqual([]);
    expect(patchesOf(MONITOR_FIXTURE)).toEqual([]);
    // The delayed starts: the same monitor scenario with no child event, one local activity per batch…
    const monitorDelayed = eventTypes(MONITOR_DELAYED_FIXTURE);
    expect(monitorDelayed.filter((t) => /CHILD_WORKFLOW/.test(t))).toEqual([]);
    expect(monitorDelayed).toEqual(
      expect.arrayContaining([
        'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
      ]),
    );
    expect(patchesOf(MONITOR_DELAYED_FIXTURE)).toEqual([DELAYED_ASSESSMENT_STARTS_PATCH]);
    // (a and b started in a call each; a again, forgotten by the memory: its assessment's id refused it)
    expect(localActivityResults(MONITOR_DELAYED_FIXTURE)).toEqual([['started'], ['started'], ['alreadyStarted']]);
    // A burst (twelve signals before the first task): one regular activity starts them all, no local one.
    const burst = events(MONITOR_BURST_FIXTURE);
    expect(burst.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toHaveLength(12);
    expect(
      burst.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes),
    ).toEqual([expect.objectContaining({ activityType: { name: 'startEffectivenessAssessments' } })]);
    expect(markerNames(MONITOR_BURST_FIXTURE)).toEqual(['core_patch']);
    // …and an assessment Temporal started after its window: no timer, the calls in its first workflow task.
    const delayed = events(ASSESSMENT_DELAYED_FIXTURE);
    expect(delayed[0].workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff).toBe('1s');
    expect(delayed.map((e) => e.eventType).filter((t) => /TIMER|ACTIVITY_TASK/.test(t))).toEqual([]);
    expect(markerNames(ASSESSMENT_DELAYED_FIXTURE)).toEqual([
      'core_patch',
      'core_local_activity',
      'core_local_activity',
    ]);
    // The fallback: the first call's spent local attempts, then the same call as a regular activity.
    const fallback = eventTypes(ASSESSMENT_FALLBACK_FIXTURE);
    expect(fallback.filter((t) => t === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED')).toHaveLength(1);
    expect(markerNames(ASSESSMENT_FALLBACK_FIXTURE)).toEqual([
      'core_patch',
      'core_local_activity',
      'core_local_activity',
    ]);
  });

  it.each([
    ['effectivenessMonitorWorkflow (children)', MONITOR_FIXTURE],
    ['effectivenessMonitorWorkflow (delayed starts)', MONITOR_DELAYED_FIXTURE],
    ['effectivenessMonitorWorkflow (a burst started by a regular activity)', MONITOR_BURST_FIXTURE],
    ['effectivenessAssessmentWorkflow', ASSESSMENT_FIXTURE],
    ['effectivenessAssessmentWorkflow (started after its window)', ASSESSMENT_DELAYED_FIXTURE],
    ['effectivenessAssessmentWorkflow (local activities)', ASSESSMENT_LEAN_FIXTURE],
    ['effectivenessAssessmentWorkflow (a call gone on as an activity)', ASSESSMENT_FALLBACK_FIXTURE],
  ])('replays %s without nondeterminism', async (_type, file) => {
    await expect(Worker.runReplayHistory({ workflowBundle }, load(file))).resolves.toBeUndefined();
  });
});
