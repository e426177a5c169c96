/**
 * Records the WorkflowExecution workflow histories the replay test (test/workflow-execution/replay.test.ts)
 * checks for determinism: a completed DAG, a failed step, a cancellation, and the paths that end before
 * the PipelineRun does (a rejected spec, with and without a remediation to report, a WFE deleted before
 * its workflow started, the deadline enforced by the workflow, a PipelineRun name owned by another WFE, a
 * PipelineRun deleted under a running execution).
 *
 * Five sets, one per release of the workflow's shape. FIRST_RELEASE_FIXTURES (one activity per step),
 * LEAN_FIXTURES (begin, wait, finish; issue #13), TARGET_LOCK_FIXTURES (the per-target lock, issue #12:
 * the WFE workflow and the lock workflow itself) and FAILED_RUN_FIXTURES (a WFE that ends Failed fails its
 * workflow, issue #15; activities and timers carry summaries; each of these changes behind a patch of its
 * own) are frozen — runs they started must keep replaying, through `patched()`, for as long as such a run
 * can be open. RELEASE_2026_12_FIXTURES are today's path (the same shape behind one patch,
 * RELEASE_2026_12_PATCH), re-recorded by this script.
 * Re-record only when a workflow change is meant to be incompatible with running workflows (consider
 * `patched()` first; the frozen sets' recorder is in git history, before the lock's commit):
 *
 *     npm run stack -- up
 *     npx tsx test/workflow-execution/support/record-histories.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { targetLockWorkflowId } from '../../../src/domain/target-lock';
import { workflowExecutionOutcome } from '../../../src/temporal-client/workflow-execution-outcome';
import { getStackInfo } from '../../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../../support/execution-env';

export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'histories');
/** The first release's histories (workflow-execution-v1.ts), frozen. */
export const FIRST_RELEASE_FIXTURES = {
  completed: path.join(FIXTURES_DIR, 'workflow-execution-completed.json'),
  failed: path.join(FIXTURES_DIR, 'workflow-execution-failed.json'),
  cancelled: path.join(FIXTURES_DIR, 'workflow-execution-cancelled.json'),
  rejected: path.join(FIXTURES_DIR, 'workflow-execution-rejected.json'),
  rejectedUnreported: path.join(FIXTURES_DIR, 'workflow-execution-rejected-unreported.json'),
  deletedBeforeStart: path.join(FIXTURES_DIR, 'workflow-execution-deleted-before-start.json'),
  deadline: path.join(FIXTURES_DIR, 'workflow-execution-deadline.json'),
  ownershipConflict: path.join(FIXTURES_DIR, 'workflow-execution-ownership-conflict.json'),
  pipelineRunDeleted: path.join(FIXTURES_DIR, 'workflow-execution-pipelinerun-deleted.json'),
};

/** The lean path before the per-target lock (issue #13), frozen. */
export const LEAN_FIXTURES: typeof FIRST_RELEASE_FIXTURES = Object.fromEntries(
  Object.entries(FIRST_RELEASE_FIXTURES).map(([name, file]) => [
    name,
    path.join(FIXTURES_DIR, path.basename(file).replace(/^workflow-execution-/, 'workflow-execution-lean-')),
  ]),
) as typeof FIRST_RELEASE_FIXTURES;

/** The per-target lock on a free target, behind a holder, and a timeout while waiting; frozen. */
export const TARGET_LOCK_FIXTURES = {
  free: path.join(FIXTURES_DIR, 'workflow-execution-locked-free.json'),
  waited: path.join(FIXTURES_DIR, 'workflow-execution-locked-waited.json'),
  waitTimeout: path.join(FIXTURES_DIR, 'workflow-execution-locked-wait-timeout.json'),
  lock: path.join(FIXTURES_DIR, 'target-lock.json'),
};

/** A step that fails, a spec rejected by validation, a WFE that completes: each change behind its own patch; frozen. */
export const FAILED_RUN_FIXTURES = {
  stepFailed: path.join(FIXTURES_DIR, 'workflow-execution-failing-step.json'),
  rejected: path.join(FIXTURES_DIR, 'workflow-execution-failing-rejected.json'),
  completed: path.join(FIXTURES_DIR, 'workflow-execution-failing-completed.json'),
};

/** Today's path, recorded by main() below: the same three runs, begun under RELEASE_2026_12_PATCH. */
export const RELEASE_2026_12_FIXTURES: typeof FAILED_RUN_FIXTURES = {
  stepFailed: path.join(FIXTURES_DIR, 'workflow-execution-2026-12-step-failed.json'),
  rejected: path.join(FIXTURES_DIR, 'workflow-execution-2026-12-rejected.json'),
  completed: path.join(FIXTURES_DIR, 'workflow-execution-2026-12-completed.json'),
};

/**
 * A quiet target's lock as it runs today, recorded by main() below: started dormant (a start delay) already
 * held, woken by its holder's release (signal-with-start), resting through a 2 s cooldown, ended.
 */
export const DORMANT_LOCK_FIXTURE = path.join(FIXTURES_DIR, 'target-lock-dormant.json');

async function save(env: ExecutionEnv, workflowId: string, file: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(JSON.parse(historyToJSON(history)), null, 1) + '\n');
  console.log(`recorded ${file} (${history.events?.length} events)`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await createExecutionEnv({
    prefix: 'record',
    policy: { allowedRegistries: [getStackInfo().registry.address] },
  });
  try {
    const completed = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const stepFailed = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { outcome: 'fail', exitCode: 3 } } }],
    });
    const rejected = await env.createWorkflowExecution({
      steps: [{ name: 'restart', image: 'docker.io/library/busybox:1.36' }],
    });
    const runs = [
      [completed, RELEASE_2026_12_FIXTURES.completed],
      [stepFailed, RELEASE_2026_12_FIXTURES.stepFailed],
      [rejected, RELEASE_2026_12_FIXTURES.rejected],
    ] as const;
    for (const [wfe, file] of runs) {
      const handle = await env.start(wfe);
      await workflowExecutionOutcome(handle);
      await save(env, handle.workflowId, file);
    }
    const holder = await env.createWorkflowExecution({ steps: [{ name: 'restart' }], cooldown: '2s' });
    await workflowExecutionOutcome(await env.start(holder));
    const lock = env.client.workflow.getHandle(
      targetLockWorkflowId((holder.spec as { targetResource: string }).targetResource),
    );
    await lock.result();
    await save(env, lock.workflowId, DORMANT_LOCK_FIXTURE);
  } finally {
    await env.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
