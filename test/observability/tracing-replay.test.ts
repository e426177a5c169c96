/**
 * The worker's workflow bundle holds the tracing gate (src/observability/tracing-workflow-interceptors.ts)
 * and shares the domain modules between workflows (src/workers/workflow-bundle.ts):
 * a workflow started without a trace must run exactly as without it. Every recorded history (all started
 * without a trace) replays with it without nondeterminism — among them the target lock's, which does not
 * replay with Temporal's OpenTelemetry interceptors always on. test/observability/tracing.test.ts replays
 * a traced history.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DROPPED_WORKFLOW_SPANS } from '../../src/observability/tracing';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/workers/workflow-bundle';

const HISTORIES = path.join(__dirname, '..', 'fixtures', 'histories');
const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

let workflowBundle: WorkflowBundle;
beforeAll(async () => {
  // The bundle the worker runs: the tracing gate, the domain modules shared by all workflows.
  workflowBundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('WARN') });
}, 120_000);

it('has the recorded histories to replay, the target lock’s among them', () => {
  expect(files).toContain('target-lock.json');
});

it.each(files)('replays %s with the tracing gate without nondeterminism', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle, sinks: DROPPED_WORKFLOW_SPANS }, history),
  ).resolves.toBeUndefined();
});
