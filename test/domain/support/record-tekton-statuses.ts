/**
 * Records what Tekton's own controller writes, for the status mapping's table tests: the PipelineRun that
 * `examples/dag-remediation.yaml` translates to, run by real Tekton on the local stack's KWOK node in each
 * scenario below, saved with its TaskRuns to `test/fixtures/tekton-recorded/<scenario>.json` in the shape of
 * the hand-written fixtures (`{ description, workflowExecutionUid, pipelineRun, taskRuns }`). Volatile
 * server metadata (managedFields, resourceVersion, creation timestamps) is dropped; statuses are kept
 * exactly. Re-record after a Tekton upgrade:
 *
 *     npm run stack -- up
 *     npx tsx test/domain/support/record-tekton-statuses.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import {
  PIPELINE_RUNS,
  TASK_RUNS,
  WORKFLOW_EXECUTIONS,
  type KubernetesObject,
} from '../../../src/kubernetes/resources';
import { translatePipelineRun } from '../../../src/domain/pipeline-run';
import { isDone, succeededCondition, type PipelineRunObject } from '../../../src/domain/tekton';
import { validateWorkflowExecution } from '../../../src/domain/validation';
import { stackImageFor } from '../../../src/stack/registry';
import { createNamespace, createWorkflowNamespace, eventually, getStackInfo, kubeConfig } from '../../support/stack';
import { readExample } from '../../support/examples';

export const RECORDED_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'tekton-recorded');

type Simulate = Record<string, unknown>;
type Step = { name: string; image: string; inputs?: Record<string, unknown>; timeout?: string; retries?: number };

export interface RecordedScenario {
  description: string;
  /** The uid of the WFE the PipelineRun was translated from (its name and owner reference derive from it). */
  workflowExecutionUid: string;
  pipelineRun: KubernetesObject;
  taskRuns: KubernetesObject[];
}

interface Scenario {
  description: string;
  /** Per step name: the simulation directive and step overrides. */
  steps?: Record<string, { simulate?: Simulate; timeout?: string | null; retries?: number }>;
  timeout?: string;
  /** No kubernaut-action Task in the namespace. */
  withoutTask?: boolean;
  /** Record while running, when this holds, instead of when done. */
  snapshotWhen?: (taskRuns: KubernetesObject[]) => boolean;
  /** Cancel the PipelineRun once this holds. */
  cancelWhen?: (taskRuns: KubernetesObject[]) => boolean;
}

const hang = { outcome: 'hang' };
const done = (tr: KubernetesObject) => ['True', 'False'].includes(conditionOf(tr)?.status ?? '');
const running = (tr: KubernetesObject) => conditionOf(tr)?.reason === 'Running';
const byTask = (taskRuns: KubernetesObject[], task: string) =>
  taskRuns.find((tr) => tr.metadata.labels?.['tekton.dev/pipelineTask'] === task);

function conditionOf(o: KubernetesObject): { status?: string; reason?: string } | undefined {
  return succeededCondition(o as unknown as PipelineRunObject);
}

const SCENARIOS: Record<string, Scenario> = {
  succeeded: { description: 'all three steps succeeded' },
  'running-partial': {
    description: 'restart-pods and scale-deployment running (create-gitops-pr waits for both)',
    steps: { 'restart-pods': { simulate: hang }, 'scale-deployment': { simulate: hang } },
    snapshotWhen: (trs) => ['restart-pods', 'scale-deployment'].every((t) => running(byTask(trs, t) ?? ({} as never))),
    cancelWhen: () => true,
  },
  'failed-exit-2': {
    description: 'scale-deployment exited with code 2 (no retries left); create-gitops-pr skipped',
    steps: { 'scale-deployment': { simulate: { outcome: 'fail', exitCode: 2 }, retries: 0 } },
  },
  'retries-exhausted': {
    description: 'scale-deployment failed with exit code 3 on both attempts (retries: 1)',
    steps: { 'scale-deployment': { simulate: { outcome: 'fail', exitCode: 3 }, retries: 1 } },
  },
  retries: {
    description: 'scale-deployment failed its first attempt (exit 1), its retry succeeded',
    steps: { 'scale-deployment': { simulate: { outcome: 'fail', failAttempts: 1 }, retries: 1 } },
  },
  'step-oom': {
    description: 'scale-deployment killed for memory (OOMKilled, exit 137)',
    steps: { 'scale-deployment': { simulate: { outcome: 'oom' }, retries: 0 } },
  },
  'image-pull-failed': {
    description: 'restart-pods could not pull its image (ImagePullBackOff)',
    steps: { 'restart-pods': { simulate: { outcome: 'imagepull' } } },
  },
  'pipelinerun-timeout': {
    description: 'the pipeline timeout (spec.timeout 3s, no step timeouts) passed while restart-pods ran',
    timeout: '3s',
    steps: {
      'restart-pods': { simulate: hang, timeout: null },
      'scale-deployment': { timeout: null },
      'create-gitops-pr': { timeout: null },
    },
  },
  'taskrun-timeout': {
    description: 'restart-pods ran past its own 2s timeout',
    steps: { 'restart-pods': { simulate: hang, timeout: '2s' } },
  },
  cancelled: {
    description: 'cancelled (spec.status Cancelled) while restart-pods and scale-deployment ran',
    steps: { 'restart-pods': { simulate: hang }, 'scale-deployment': { simulate: hang } },
    cancelWhen: (trs) => ['restart-pods', 'scale-deployment'].every((t) => running(byTask(trs, t) ?? ({} as never))),
  },
  'couldnt-get-task': {
    description: 'the namespace has no kubernaut-action Task',
    withoutTask: true,
  },
};

/** What a fixture keeps of a server object: no managedFields, resourceVersion or server timestamps. */
function stable(o: KubernetesObject): KubernetesObject {
  const {
    managedFields: _m,
    resourceVersion: _r,
    creationTimestamp: _c,
    generation: _g,
    ...metadata
  } = o.metadata as KubernetesObject['metadata'] & { managedFields?: unknown };
  return { ...o, metadata } as KubernetesObject;
}

async function record(api: k8s.CustomObjectsApi, name: string, scenario: Scenario): Promise<RecordedScenario> {
  const kc = kubeConfig();
  const namespace = scenario.withoutTask
    ? await createNamespace('record', kc)
    : await createWorkflowNamespace('record', kc);
  const example = readExample('dag-remediation.yaml') as {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown> & { steps: Step[]; serviceAccountName?: string };
  };
  const images = getStackInfo().registry.images;
  const spec = {
    ...example.spec,
    ...(scenario.timeout && { timeout: scenario.timeout }),
    // The default ServiceAccount: a namespace without the Task has no runner account either.
    serviceAccountName: undefined,
    steps: example.spec.steps.map((step) => {
      const own = scenario.steps?.[step.name] ?? {};
      const { timeout: exampleTimeout, ...rest } = step;
      const timeout = own.timeout === undefined ? exampleTimeout : (own.timeout ?? undefined);
      return {
        ...rest,
        image: stackImageFor(step.image, images),
        ...(timeout && { timeout }),
        ...(own.retries !== undefined && { retries: own.retries }),
        inputs: { ...step.inputs, simulate: { durationMs: 500, ...own.simulate } },
      };
    }),
  };
  const wfe = (await api.createNamespacedCustomObject({
    ...WORKFLOW_EXECUTIONS,
    namespace,
    body: { ...example, metadata: { name: 'dag-remediation', namespace }, spec },
  })) as KubernetesObject;
  const valid = validateWorkflowExecution(wfe);
  if (!valid.ok) throw new Error(`scenario ${name}: invalid WFE ${JSON.stringify(valid.errors)}`);
  const manifest = translatePipelineRun(valid.value, {
    temporalWorkflowId: `wfe/${namespace}/dag-remediation/${wfe.metadata.uid}`,
  });
  await api.createNamespacedCustomObject({ ...PIPELINE_RUNS, namespace, body: manifest });
  const read = async () => {
    const pipelineRun = (await api.getNamespacedCustomObject({
      ...PIPELINE_RUNS,
      namespace,
      name: manifest.metadata.name,
    })) as KubernetesObject;
    const taskRuns = (
      (await api.listNamespacedCustomObject({
        ...TASK_RUNS,
        namespace,
        labelSelector: `tekton.dev/pipelineRun=${manifest.metadata.name}`,
      })) as { items: KubernetesObject[] }
    ).items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return { pipelineRun, taskRuns };
  };
  let snapshot: { pipelineRun: KubernetesObject; taskRuns: KubernetesObject[] } | undefined;
  let cancelled = false;
  const final = await eventually(
    `scenario ${name} to finish`,
    async () => {
      const now = await read();
      if (scenario.snapshotWhen && !snapshot && scenario.snapshotWhen(now.taskRuns)) snapshot = now;
      if (
        scenario.cancelWhen &&
        !cancelled &&
        scenario.cancelWhen(now.taskRuns) &&
        (!scenario.snapshotWhen || snapshot)
      ) {
        cancelled = true;
        await api.patchNamespacedCustomObject(
          { ...PIPELINE_RUNS, namespace, name: manifest.metadata.name, body: { spec: { status: 'Cancelled' } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      }
      // Done, with every TaskRun done too (tektoncd/pipeline#4916: they may lag the PipelineRun).
      return isDone(conditionOf(now.pipelineRun) as never) && now.taskRuns.every(done) ? now : undefined;
    },
    120_000,
    200,
  );
  const chosen = snapshot ?? final;
  return {
    description: scenario.description,
    workflowExecutionUid: wfe.metadata.uid!,
    pipelineRun: stable(chosen.pipelineRun),
    taskRuns: chosen.taskRuns.map(stable),
  };
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  fs.mkdirSync(RECORDED_DIR, { recursive: true });
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only.length && !only.includes(name)) continue;
    const recorded = await record(api, name, scenario);
    const file = path.join(RECORDED_DIR, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(recorded, null, 1) + '\n');
    console.log(`recorded ${file}: ${conditionOf(recorded.pipelineRun)?.reason}`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
