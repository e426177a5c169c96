/**
 * What the durability tests share: a Kubernetes namespace whose PipelineRuns real Tekton runs, a test
 * database, worker PROCESSES (src/workers/main.ts) they can kill, and the checks every durability test makes
 * once the fault is over: the WorkflowExecution completed, with exactly one PipelineRun and exactly one
 * `succeeded` action record per step.
 */
import * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createDataStorage, type DataStorage } from '../../../src/datastorage/repository';
import type { WorkflowExecutionStatus } from '../../../src/domain/workflow-execution';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../../src/kubernetes/resources';
import { startWorkflowExecution } from '../../../src/temporal-client/start-workflow-execution';
import type { WorkflowExecutionOptions, workflowExecutionWorkflow } from '../../../src/workflows/workflow-execution';
import {
  createTestDatabase,
  createWorkflowNamespace,
  eventually,
  getStackInfo,
  kubeConfig,
  type TestDatabase,
} from '../../support/stack';
import { workflowExecutionManifest, type StepInput } from '../../support/execution-env';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

/**
 * Short timings: a killed worker's wait is retried on another worker after 3 s without a heartbeat, and
 * transient errors are retried every ≤ 2 s, so recovery takes seconds once the fault is gone.
 */
export const DURABILITY_OPTIONS: WorkflowExecutionOptions = {
  heartbeatTimeoutMs: 3_000,
  deadlineGraceMs: 5_000,
  cancellationWaitMs: 10_000,
  retryInitialIntervalMs: 200,
  retryMaximumIntervalMs: 2_000,
};

/** The DAG every durability test runs: a slow first step (the fault hits while it runs), then two in parallel. */
export function slowDag(firstStepMs: number): StepInput[] {
  return [
    { name: 'restart-pods', inputs: { simulate: { durationMs: firstStepMs } } },
    { name: 'scale-deployment', actionType: 'kubernetes/scale_deployment', runAfter: ['restart-pods'] },
    { name: 'create-pr', actionType: 'gitops/create_pr', runAfter: ['restart-pods'] },
  ];
}

export interface WorkerSettings {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  databaseUrl?: string;
  /** More of the worker's environment (e.g. KUBERNAUT_HTTP_PORT). */
  env?: Record<string, string>;
}

export interface DurabilityEnv {
  namespace: string;
  db: TestDatabase;
  dataStorage: DataStorage;
  customObjects: k8s.CustomObjectsApi;
  /** A WFE of `steps`, on a target of its own unless `spec.target` names one. */
  createWorkflowExecution(steps: StepInput[], spec?: { target?: string }): Promise<KubernetesObject>;
  start(
    client: Client,
    wfe: KubernetesObject,
    taskQueue: string,
  ): Promise<WorkflowHandle<typeof workflowExecutionWorkflow>>;
  /** A worker process for `settings`, stopped (SIGKILL) by `stopProcesses` if the test has not done so. */
  startWorker(settings: WorkerSettings): WorkerProcess;
  /** The WFE's status as stored in the API server. */
  status(wfe: KubernetesObject): Promise<WorkflowExecutionStatus | undefined>;
  /** Waits until the WFE status shows `step` Running: the PipelineRun exists and the workflow waits on it. */
  waitForStepRunning(wfe: KubernetesObject, step: string, timeoutMs?: number): Promise<void>;
  /** Waits (through server restarts: errors are retried) until the workflow closed, and returns its status name. */
  waitForWorkflowClosed(handle: WorkflowHandle, timeoutMs: number): Promise<string>;
  /** The durability contract: Completed, one PipelineRun, one `succeeded` record per step. */
  expectCompletedOnce(wfe: KubernetesObject): Promise<void>;
  stopProcesses(): Promise<void>;
  close(): Promise<void>;
}

export async function createDurabilityEnv(prefix: string): Promise<DurabilityEnv> {
  const kc = kubeConfig();
  const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespace = await createWorkflowNamespace(prefix, kc);
  const db = await createTestDatabase();
  const dataStorage = createDataStorage(db.pool);
  const processes = new Set<WorkerProcess>();

  const status = async (wfe: KubernetesObject) => {
    const stored = (await customObjects.getNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace,
      name: wfe.metadata.name,
    })) as KubernetesObject;
    return stored.status as WorkflowExecutionStatus | undefined;
  };

  const env: DurabilityEnv = {
    namespace,
    db,
    dataStorage,
    customObjects,
    async createWorkflowExecution(steps, spec = {}) {
      return (await customObjects.createNamespacedCustomObject({
        ...WORKFLOW_EXECUTIONS,
        namespace,
        body: workflowExecutionManifest({ steps, ...spec }, namespace, { stepDurationMs: 100 }),
      })) as KubernetesObject;
    },
    async start(client, wfe, taskQueue) {
      const { workflowId } = await startWorkflowExecution(client, wfe, { taskQueue, options: DURABILITY_OPTIONS });
      return client.workflow.getHandle<typeof workflowExecutionWorkflow>(workflowId);
    },
    startWorker(settings) {
      const worker = startWorkerProcess({
        TEMPORAL_ADDRESS: settings.temporalAddress,
        TEMPORAL_NAMESPACE: settings.temporalNamespace,
        TEMPORAL_TASK_QUEUE: settings.taskQueue,
        DATABASE_URL: settings.databaseUrl ?? db.url,
        // The worker's deploy/ identity: its ServiceAccount token and RBAC, as in a cluster.
        KUBECONFIG: getStackInfo().kube.identities.worker,
        KUBERNAUT_WATCH_NAMESPACES: namespace,
        // The shipped policy (digests, the runner account: the worker's defaults), with the stack's registry.
        KUBERNAUT_ALLOWED_REGISTRIES: getStackInfo().registry.address,
        ...settings.env,
      });
      processes.add(worker);
      void worker.exited.then(() => processes.delete(worker));
      return worker;
    },
    status,
    async waitForStepRunning(wfe, step, timeoutMs = 90_000) {
      await eventually(
        `step ${step} of ${wfe.metadata.name} Running`,
        async () => ((await status(wfe))?.steps?.find((s) => s.name === step)?.phase === 'Running' ? true : undefined),
        timeoutMs,
        100,
      );
    },
    async waitForWorkflowClosed(handle, timeoutMs) {
      return eventually(
        `workflow ${handle.workflowId} closed`,
        async () => {
          const { status: s } = await handle.describe();
          return s.name === 'RUNNING' ? undefined : s.name;
        },
        timeoutMs,
        500,
      );
    },
    async expectCompletedOnce(wfe) {
      const final = await status(wfe);
      expect(final?.phase).toBe('Completed');
      const list = (await customObjects.listNamespacedCustomObject({ ...PIPELINE_RUNS, namespace })) as {
        items: KubernetesObject[];
      };
      const ours = list.items.filter((pr) => pr.metadata.ownerReferences?.some((o) => o.uid === wfe.metadata.uid));
      expect(ours).toHaveLength(1);
      const records = await dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!);
      const steps = ((wfe.spec as { steps: { name: string }[] }).steps ?? []).map((s) => s.name);
      expect(records.map((r) => [r.stepName, r.status]).sort()).toEqual(
        steps.map((name) => [name, 'succeeded']).sort(),
      );
    },
    async stopProcesses() {
      await Promise.all([...processes].map((p) => p.stop('SIGKILL')));
    },
    async close() {
      await env.stopProcesses();
      await db.drop();
    },
  };
  return env;
}

/**
 * The highest attempt at which an activity of one of `types` started, from a workflow's history: regular
 * activities (ActivityTaskStarted) and local activities (their marker's data names type and attempt) —
 * e.g. a Data Storage write is an activity of its own in the first release's runs (`completeActions`) and
 * part of a batched local activity in the lean ones (`finishExecution`).
 */
export async function highestActivityAttempt(handle: WorkflowHandle, types: string | string[]): Promise<number> {
  const wanted = new Set(Array.isArray(types) ? types : [types]);
  const { events } = await handle.fetchHistory();
  const scheduled = new Map<string, string>();
  let highest = 0;
  for (const e of events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started && wanted.has(scheduled.get(String(started.scheduledEventId)) ?? '')) {
      highest = Math.max(highest, started.attempt ?? 0);
    }
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    if (data) {
      const local = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; attempt?: number };
      if (wanted.has(local.activity_type ?? '')) highest = Math.max(highest, local.attempt ?? 0);
    }
  }
  return highest;
}
