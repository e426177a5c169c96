/**
 * Determinism: recorded histories of both effectiveness workflows replay against today's workflow code.
 * A failure here means a change would break workflows already running in production; version it with
 * `patched()`, or, if breaking them is intended, re-record (see support/record-histories.ts).
 */
import fs from 'node:fs';
import { Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { ASSESSMENT_FIXTURE, MONITOR_FIXTURE } from './support/record-histories';

function load(file: string) {
  return historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Event type names of a recorded history, in order. */
function eventTypes(file: string): string[] {
  const history = JSON.parse(fs.readFileSync(file, 'utf8')) as { events: { eventType: string }[] };
  return history.events.map((e) => e.eventType);
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
  });

  it.each([
    ['effectivenessMonitorWorkflow', MONITOR_FIXTURE],
    ['effectivenessAssessmentWorkflow', ASSESSMENT_FIXTURE],
  ])('replays %s without nondeterminism', async (_type, file) => {
    await expect(Worker.runReplayHistory({ workflowBundle }, load(file))).resolves.toBeUndefined();
  });
});
