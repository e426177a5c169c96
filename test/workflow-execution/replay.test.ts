/**
 * Determinism: recorded histories of workflowExecutionWorkflow (completed, failed, cancelled, and the paths
 * that end before the PipelineRun does) replay against today's code. A failure means a change would break
 * executions already running in production: version it with `patched()`, or re-record on purpose
 * (support/record-histories.ts).
 */
import fs from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { WFE_FIXTURES } from './support/record-histories';

const eventTypes = (file: string) =>
  (JSON.parse(fs.readFileSync(file, 'utf8')) as { events: { eventType: string }[] }).events.map((e) => e.eventType);
/** The activities a history scheduled, in order (local ones are markers, not listed). */
const activities = (file: string) =>
  (
    JSON.parse(fs.readFileSync(file, 'utf8')) as {
      events: { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
    }
  ).events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType.name ?? []);

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
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, history)).resolves.toBeUndefined();
  });
});
