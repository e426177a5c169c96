/**
 * Helpers for running the Tekton simulator against a real API server with Tekton's real v1 CRDs — a private
 * cluster of the test file (test/support/private-cluster.ts), since the run's stack runs Tekton's own
 * controller: each test gets its own namespace and its own simulator serving only that namespace, so
 * simulators running at the same time never see each other's PipelineRuns.
 */
import * as k8s from '@kubernetes/client-node';
import { PIPELINE_RUN, TASK_RUN, TEKTON_GROUP, TEKTON_VERSION } from '../../../src/domain/names';
import { startTektonSimulator, type TektonSimulator, type TektonSimulatorOptions } from '../../../src/tekton-simulator';
import {
  isDone,
  succeededCondition,
  type PipelineRun,
  type TaskRun,
} from '../../../src/tekton-simulator/tekton-objects';
import { pipelineRunFixture, type PipelineRunFixture } from '../../fixtures/tekton-simulator/pipeline-runs';
import { ensureNamespace, eventually, uniqueName } from '../../support/stack';

export const RESYNC_MS = 2000;
export const STEP_MS = 100;

export class SimulatorTestEnv {
  readonly api: k8s.CustomObjectsApi;
  readonly namespace = uniqueName('tekton-sim');
  private readonly simulators: TektonSimulator[] = [];

  constructor(readonly kubeConfig: k8s.KubeConfig) {
    this.api = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  async startSimulator(options: Partial<TektonSimulatorOptions> = {}): Promise<TektonSimulator> {
    await ensureNamespace(this.namespace, this.kubeConfig);
    const simulator = startTektonSimulator({
      kubeConfig: this.kubeConfig,
      namespaces: [this.namespace],
      resyncIntervalMs: RESYNC_MS,
      defaultStepDurationMs: STEP_MS,
      fieldValidation: 'Strict',
      ...options,
    });
    this.simulators.push(simulator);
    await simulator.ready;
    return simulator;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.simulators.splice(0).map((s) => s.stop()));
  }

  /** Creates a PipelineRun shaped like our translation's output; the server assigns uid and generation. */
  async createPipelineRun(fixture: Omit<PipelineRunFixture, 'namespace' | 'uid'>): Promise<PipelineRun> {
    await ensureNamespace(this.namespace, this.kubeConfig);
    const body = pipelineRunFixture({ ...fixture, namespace: this.namespace });
    const { uid: _uid, generation: _generation, ...metadata } = body.metadata;
    return (await this.api.createNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      namespace: this.namespace,
      plural: PIPELINE_RUN.plural,
      body: { ...body, metadata },
    })) as PipelineRun;
  }

  async pipelineRun(name: string): Promise<PipelineRun> {
    return (await this.api.getNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      namespace: this.namespace,
      plural: PIPELINE_RUN.plural,
      name,
    })) as PipelineRun;
  }

  async taskRuns(): Promise<TaskRun[]> {
    const list = (await this.api.listNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      namespace: this.namespace,
      plural: TASK_RUN.plural,
    })) as { items: TaskRun[] };
    return list.items;
  }

  async taskRun(pipelineTask: string): Promise<TaskRun> {
    const found = (await this.taskRuns()).find(
      (tr) => tr.metadata.labels?.['tekton.dev/pipelineTask'] === pipelineTask,
    );
    if (!found) throw new Error(`no TaskRun for pipeline task ${pipelineTask} in ${this.namespace}`);
    return found;
  }

  async patchPipelineRunSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      {
        group: TEKTON_GROUP,
        version: TEKTON_VERSION,
        namespace: this.namespace,
        plural: PIPELINE_RUN.plural,
        name,
        body: { spec },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  async deletePipelineRun(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({
      group: TEKTON_GROUP,
      version: TEKTON_VERSION,
      namespace: this.namespace,
      plural: PIPELINE_RUN.plural,
      name,
    });
  }

  /** Waits until the PipelineRun's Succeeded condition is True or False and returns it. */
  waitUntilDone(name: string, timeoutMs = 30_000): Promise<PipelineRun> {
    return eventually(
      `PipelineRun ${this.namespace}/${name} done`,
      async () => {
        const pr = await this.pipelineRun(name);
        return isDone(pr) ? pr : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until the TaskRun of `pipelineTask` reports the given Succeeded reason. */
  waitForTaskRunReason(pipelineTask: string, reason: string, timeoutMs = 30_000): Promise<TaskRun> {
    return eventually(
      `TaskRun of ${pipelineTask} with reason ${reason}`,
      async () => {
        const taskRun = (await this.taskRuns()).find(
          (tr) => tr.metadata.labels?.['tekton.dev/pipelineTask'] === pipelineTask,
        );
        return taskRun && succeededCondition(taskRun.status)?.reason === reason ? taskRun : undefined;
      },
      timeoutMs,
    );
  }
}

export const reasonOf = (object: PipelineRun | TaskRun) => succeededCondition(object.status)?.reason;
