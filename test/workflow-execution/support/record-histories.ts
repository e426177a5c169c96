/**
 * Records the WorkflowExecution workflow histories the replay test (test/workflow-execution/replay.test.ts)
 * checks for determinism: a completed DAG, a failed step, a cancellation, and the paths that end before
 * the PipelineRun does (a rejected spec, with and without a remediation to report, a WFE deleted before
 * its workflow started, the deadline enforced by the workflow, a PipelineRun name owned by another WFE, a
 * PipelineRun deleted under a running execution).
 *
 * Two sets: FIRST_RELEASE_FIXTURES were recorded by the first release's code path (one activity per
 * step) and are frozen — runs it started must keep replaying, through `patched()`, for as long as such a
 * run can be open; LEAN_FIXTURES are today's path, re-recorded by this script. Re-record only when a
 * workflow change is meant to be incompatible with running workflows (consider `patched()` first):
 *
 *     npm run stack -- up
 *     npx tsx test/workflow-execution/support/record-histories.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { pipelineRunName } from '../../../src/domain/pipeline-run';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../../src/kubernetes/resources';
import { eventually } from '../../support/stack';
import { createExecutionEnv, FAST_OPTIONS, type ExecutionEnv } from '../../support/execution-env';
import { createStalledNamespace } from './stalled-tekton';

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

/** Today's (lean) path, recorded by main() below. */
export const LEAN_FIXTURES: typeof FIRST_RELEASE_FIXTURES = Object.fromEntries(
  Object.entries(FIRST_RELEASE_FIXTURES).map(([name, file]) => [
    name,
    path.join(FIXTURES_DIR, path.basename(file).replace(/^workflow-execution-/, 'workflow-execution-lean-')),
  ]),
) as typeof FIRST_RELEASE_FIXTURES;

const WFE_FIXTURES = LEAN_FIXTURES;

async function save(env: ExecutionEnv, workflowId: string, file: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(JSON.parse(historyToJSON(history)), null, 1) + '\n');
  console.log(`recorded ${file} (${history.events?.length} events)`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await createExecutionEnv({ prefix: 'record' });
  try {
    const completed = await env.createWorkflowExecution({
      steps: [{ name: 'restart' }, { name: 'scale', runAfter: ['restart'] }, { name: 'pr', runAfter: ['restart'] }],
    });
    const c = await env.start(completed);
    await c.result();
    await save(env, c.workflowId, WFE_FIXTURES.completed);

    const failed = await env.createWorkflowExecution({
      steps: [
        { name: 'restart', inputs: { simulate: { outcome: 'fail', exitCode: 2 } } },
        { name: 'verify', runAfter: ['restart'] },
      ],
    });
    const f = await env.start(failed);
    await f.result();
    await save(env, f.workflowId, WFE_FIXTURES.failed);

    const cancelled = await env.createWorkflowExecution({
      steps: [{ name: 'drain', inputs: { simulate: { outcome: 'hang' } } }],
    });
    const x = await env.start(cancelled);
    await eventually('the hanging step to run', async () => {
      const wfe = await env.getWorkflowExecution(env.namespace, cancelled.metadata.name);
      return (wfe?.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined;
    });
    await x.cancel();
    await x.result().catch(() => undefined);
    await save(env, x.workflowId, WFE_FIXTURES.cancelled);

    await recordEarlyEnds(env);
  } finally {
    await env.close();
  }
}

/** Waits for the run to end, however it ends. */
async function ended(handle: WorkflowHandle): Promise<string> {
  await handle.result().catch(() => undefined);
  return handle.workflowId;
}

async function recordEarlyEnds(env: ExecutionEnv): Promise<void> {
  // A runAfter cycle: the CRD accepts it, validation does not.
  const rejected = await env.createWorkflowExecution({
    steps: [
      { name: 'a', runAfter: ['b'] },
      { name: 'b', runAfter: ['a'] },
    ],
  });
  await save(env, await ended(await env.start(rejected)), WFE_FIXTURES.rejected);

  // Nothing names a remediation to report (the object was never written to the API server either).
  const unreported = {
    apiVersion: 'kubernaut.ai/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: 'unreported', namespace: env.namespace, uid: 'unreported-uid' },
    spec: { targetResource: 'nope', steps: [] },
  };
  await save(env, await ended(await env.start(unreported)), WFE_FIXTURES.rejectedUnreported);

  const deleted = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
  await env.customObjects.deleteNamespacedCustomObject({
    ...WORKFLOW_EXECUTIONS,
    namespace: env.namespace,
    name: deleted.metadata.name,
  });
  await save(env, await ended(await env.start(deleted)), WFE_FIXTURES.deletedBeforeStart);

  // Tekton does not act in this namespace: only the workflow's own deadline ends the run.
  const stalled = await createStalledNamespace(env.kc, `${env.namespace}-stalled`);
  const unserved = stalled.namespace;
  const hang = { simulate: { outcome: 'hang' } };
  const late = await env.createWorkflowExecution(
    { timeout: '2s', steps: [{ name: 'restart', inputs: hang }] },
    unserved,
  );
  const deadline = await env.start(late, { ...FAST_OPTIONS, deadlineGraceMs: 500, cancellationWaitMs: 1_000 });
  await save(env, await ended(deadline), WFE_FIXTURES.deadline);

  const taken = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] }, unserved);
  // A real owner: the garbage collector would delete a PipelineRun whose owner does not exist.
  const owner = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] }, unserved);
  await env.customObjects.createNamespacedCustomObject({
    ...PIPELINE_RUNS,
    namespace: unserved,
    body: {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        name: pipelineRunName(taken),
        namespace: unserved,
        ownerReferences: [
          {
            apiVersion: 'kubernaut.ai/v1alpha1',
            kind: 'WorkflowExecution',
            name: owner.metadata.name,
            uid: owner.metadata.uid!,
          },
        ],
      },
      spec: { pipelineSpec: { tasks: [{ name: 'other', taskRef: { name: 'kubernaut-action' } }] } },
    },
  });
  await save(env, await ended(await env.start(taken)), WFE_FIXTURES.ownershipConflict);
  await stalled.remove();

  const orphaned = await env.createWorkflowExecution({
    steps: [{ name: 'restart', inputs: { simulate: { outcome: 'hang' } } }],
  });
  const running = await env.start(orphaned);
  const pipelineRun = await eventually('a running PipelineRun', async () => {
    const pr = (await env.listPipelineRuns(env.namespace)).find((p: KubernetesObject) =>
      p.metadata.ownerReferences?.some((o) => o.uid === orphaned.metadata.uid),
    );
    const conditions = (pr?.status?.conditions ?? []) as { type: string; status: string }[];
    return conditions.some((c) => c.type === 'Succeeded' && c.status === 'Unknown') ? pr : undefined;
  });
  await env.customObjects.deleteNamespacedCustomObject({
    ...PIPELINE_RUNS,
    namespace: env.namespace,
    name: pipelineRun.metadata.name,
  });
  await save(env, await ended(running), WFE_FIXTURES.pipelineRunDeleted);
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
