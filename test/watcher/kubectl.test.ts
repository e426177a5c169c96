/**
 * The watcher with kubectl, as an operator uses it: `kubectl apply` a WorkflowExecution and nothing else
 * happens by hand; `kubectl delete` a running one and its execution is cancelled and cleaned up before the
 * resource goes away. The real kubectl, against the stack's API server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
import YAML from 'yaml';
import { EXECUTION_FINALIZER, workflowExecutionWorkflowId } from '../../src/domain/names';
import { PIPELINE_RUNS, type KubernetesObject } from '../../src/kubernetes/resources';
import { stackImageFor } from '../../src/stack/registry';
import { kubectl, kubectlPath } from '../support/kubectl';
import { eventually, getStackInfo } from '../support/stack';
import { createExecutionEnv, FAST_OPTIONS, type ExecutionEnv } from '../support/execution-env';
import {
  executionWorkflowRuns,
  pipelineRunsByOwner,
  startInProcessWatcher,
  type InProcessWatcher,
} from './support/watcher-env';

jest.setTimeout(240_000);

/** Steps long enough for a human (and this test) to watch the progress. */
const STEP_MS = 15_000;
const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'dag-remediation.yaml');

describe('watcher with kubectl', () => {
  let env: ExecutionEnv;
  let watcher: InProcessWatcher;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'watch-kubectl', stepDurationMs: STEP_MS });
    // Short workflow timings so a cancellation is noticed within seconds (the defaults take ~10 s).
    watcher = await startInProcessWatcher(env, { workflowOptions: FAST_OPTIONS });
  });
  afterAll(async () => {
    await watcher?.stop();
    await env?.close();
  });

  it('runs examples/dag-remediation.yaml to Completed after `kubectl apply`, showing progress in `kubectl get wfe`', async () => {
    const manifest = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as KubernetesObject & {
      spec: { steps: { image: string; inputs?: Record<string, unknown> }[] };
    };
    manifest.metadata.namespace = env.namespace;
    for (const step of manifest.spec.steps) {
      // The example's published images, as the stack's registry serves them (Tekton resolves entrypoints there),
      // and steps long enough for a human (and this test) to watch the progress.
      step.image = stackImageFor(step.image, getStackInfo().registry.images);
      step.inputs = { ...step.inputs, simulate: { durationMs: STEP_MS } };
    }
    const name = manifest.metadata.name;
    await kubectl(['apply', '-f', '-'], YAML.stringify(manifest));

    // What an operator watching `kubectl get wfe -w` sees: one row per change of the resource.
    const rows: string[] = [];
    const watch = spawn(
      kubectlPath(),
      ['--kubeconfig', getStackInfo().kube.kubeconfigPath, 'get', 'wfe', '-n', env.namespace, '-w', '--no-headers'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffered = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString('utf8')).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const [rowName, phase, target, steps] = line.trim().split(/\s+/);
        if (rowName === name) rows.push([phase, target, steps].join(' '));
      }
    });
    try {
      await kubectl(['apply', '-f', '-'], YAML.stringify(manifest));
      await eventually(
        'kubectl get wfe -w to show it Completed',
        () => (rows.some((r) => r.startsWith('Completed')) ? true : undefined),
        180_000,
        250,
      );
    } finally {
      watch.kill();
    }
    // While it ran it said so, the step count only went up (changes may coalesce), and it ended 3/3.
    const running = rows.filter((r) => r.startsWith('Running '));
    expect(running.length ? running : rows).toEqual(running.length ? running : ['at least one Running row']);
    for (const r of running) expect(r).toMatch(/^Running demo\/Deployment\/payment-api [0-3]\/3$/);
    const done = rows
      .map((r) => /(\d)\/3$/.exec(r)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(rows[rows.length - 1]).toBe('Completed demo/Deployment/payment-api 3/3');

    const wfe = (await env.getWorkflowExecution(env.namespace, name))!;
    const workflowId = workflowExecutionWorkflowId({ namespace: env.namespace, name, uid: wfe.metadata.uid! });
    expect((wfe.status as { temporal?: { workflowId?: string } }).temporal?.workflowId).toBe(workflowId);
    expect(await executionWorkflowRuns(env)).toEqual([workflowId]);
    expect((await pipelineRunsByOwner(env)).get(wfe.metadata.uid!)).toHaveLength(1);
    // The status turns Completed first; the workflow then finishes the records and signals the monitor.
    expect((await env.client.workflow.getHandle(workflowId).result()).phase).toBe('Completed');
    const records = await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!);
    expect(records.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('cancels the PipelineRun and finishes the records as cancelled before a `kubectl delete`d WFE disappears; the garbage collector then removes the PipelineRun', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'restart-pods', inputs: { simulate: { outcome: 'hang' } } },
        { name: 'scale', actionType: 'kubernetes/scale_deployment', runAfter: ['restart-pods'] },
      ],
    });
    const name = wfe.metadata.name;
    await eventually(
      'the hanging step to run, with the finalizer on',
      async () => {
        const current = await env.getWorkflowExecution(env.namespace, name);
        const steps = (current?.status as { steps?: { name: string; phase: string }[] } | undefined)?.steps ?? [];
        const running = steps.some((s) => s.name === 'restart-pods' && s.phase === 'Running');
        return running && current!.metadata.finalizers?.includes(EXECUTION_FINALIZER) ? true : undefined;
      },
      120_000,
    );

    // What happens to the PipelineRun, in order: the workflow cancels it while the finalizer holds the WFE;
    // once the WFE is gone, the garbage collector deletes it through its owner reference.
    const pipelineRunEvents: string[] = [];
    const watch = await new k8s.Watch(env.kc).watch(
      `/apis/${PIPELINE_RUNS.group}/${PIPELINE_RUNS.version}/namespaces/${env.namespace}/${PIPELINE_RUNS.plural}`,
      {},
      (type: string, pr: KubernetesObject) => {
        if (!pr.metadata.ownerReferences?.some((o) => o.uid === wfe.metadata.uid)) return;
        const event = `${type}:${(pr.spec as { status?: string } | undefined)?.status ?? ''}`;
        if (pipelineRunEvents[pipelineRunEvents.length - 1] !== event) pipelineRunEvents.push(event);
      },
      () => undefined,
    );
    try {
      await kubectl(['delete', 'wfe', name, '-n', env.namespace, '--wait=false']);
      await eventually(
        'the WFE to disappear',
        async () => ((await env.getWorkflowExecution(env.namespace, name)) === undefined ? true : undefined),
        120_000,
      );
      // Read right after it disappeared: the finalizer held it until all of this was true.
      const records = await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!);
      expect(records.map((r) => [r.stepName, r.status]).sort()).toEqual([
        ['restart-pods', 'cancelled'],
        ['scale', 'cancelled'],
      ]);
      await eventually(
        'the garbage collector to delete the PipelineRun',
        () => (pipelineRunEvents.some((e) => e.startsWith('DELETED')) ? true : undefined),
        60_000,
      );
    } finally {
      watch.abort();
    }
    // Cancelled by the workflow (the records above say it was final before the WFE went), then collected.
    expect(pipelineRunEvents).toContain('MODIFIED:Cancelled');
    expect(pipelineRunEvents[pipelineRunEvents.length - 1]).toBe('DELETED:Cancelled');
    const workflowId = workflowExecutionWorkflowId({ namespace: env.namespace, name, uid: wfe.metadata.uid! });
    // The workflow ends cancelled right after releasing the finalizer.
    await expect(env.client.workflow.getHandle(workflowId).result()).rejects.toThrow(/cancel/i);
    expect((await env.client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');
  });

  it('releases the finalizer at once when the workflow of a deleted WFE no longer runs (terminated by an operator)', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { outcome: 'hang' } } }],
    });
    const name = wfe.metadata.name;
    const workflowId = workflowExecutionWorkflowId({ namespace: env.namespace, name, uid: wfe.metadata.uid! });
    await eventually(
      'the finalizer to be on',
      async () =>
        (await env.getWorkflowExecution(env.namespace, name))?.metadata.finalizers?.includes(EXECUTION_FINALIZER)
          ? true
          : undefined,
      120_000,
    );
    const operator = new Client({ connection: env.client.connection, namespace: env.temporalNamespace });
    await operator.workflow.getHandle(workflowId).terminate('operator stops it by hand');

    await kubectl(['delete', 'wfe', name, '-n', env.namespace, '--wait=false']);

    await eventually(
      'the WFE to disappear',
      async () => ((await env.getWorkflowExecution(env.namespace, name)) === undefined ? true : undefined),
      60_000,
    );
    // The watcher released it (the terminated workflow could not): its log line follows the API call.
    await eventually(
      "the watcher's release to be logged",
      () =>
        watcher.logs.some((l) => l.msg?.startsWith('finalizer released') && l.uid === wfe.metadata.uid)
          ? true
          : undefined,
      10_000,
    );
  });
});
