/**
 * Re-records the WorkflowExecution workflow histories the replay test (test/workflow-execution/replay.test.ts)
 * checks for determinism: a completed DAG, a failed step, and a cancellation. Run it only when a workflow
 * change is meant to be incompatible with running workflows (consider `patched()` first):
 *
 *     npm run stack -- up
 *     npx tsx test/workflow-execution/support/record-histories.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { eventually } from '../../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../../support/execution-env';

export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'histories');
export const WFE_FIXTURES = {
  completed: path.join(FIXTURES_DIR, 'workflow-execution-completed.json'),
  failed: path.join(FIXTURES_DIR, 'workflow-execution-failed.json'),
  cancelled: path.join(FIXTURES_DIR, 'workflow-execution-cancelled.json'),
};

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
