/**
 * A WorkflowExecution test environment on the real stack: its own Temporal namespace (the effectiveness
 * monitor's ids are fixed), its own Kubernetes namespace (with the `kubernaut-action` Task) and database,
 * real Tekton running the PipelineRuns on KWOK's fake node, and an in-process execution worker — acting as
 * the worker's `deploy/` ServiceAccount — that tests can stop and start again.
 */
import * as k8s from '@kubernetes/client-node';
import { Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import { ACTION_RUNNER_SERVICE_ACCOUNT, KUBERNAUT_API_VERSION, WORKFLOW_EXECUTION } from '../../src/domain/names';
import type { ValidationPolicy } from '../../src/domain/validation';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { startWorkflowExecution } from '../../src/temporal-client/start-workflow-execution';
import { workflowExecutionOutcome } from '../../src/temporal-client/workflow-execution-outcome';
import { createExecutionWorker, type ExecutionWorker } from '../../src/workers/execution-worker';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/workers/workflow-bundle';
import type {
  WorkflowExecutionOptions,
  WorkflowExecutionResult,
  workflowExecutionWorkflow,
} from '../../src/workflows/workflow-execution';
import {
  actionImage,
  createTemporalNamespace,
  getStackInfo,
  createTestDatabase,
  createWorkflowNamespace,
  identityKubeConfig,
  kubeConfig,
  nativeConnection,
  temporalConnection,
  uniqueName,
  type TestDatabase,
} from './stack';
import { terminateOpenWorkflows } from './leftover-work';

/** Short timings so failure paths finish in seconds. */
export const FAST_OPTIONS: WorkflowExecutionOptions = {
  heartbeatTimeoutMs: 5_000,
  deadlineGraceMs: 1_000,
  cancellationWaitMs: 10_000,
  retryInitialIntervalMs: 200,
  retryMaximumIntervalMs: 2_000,
};

/**
 * The worker policy tests run under unless they choose another: the one deploy/ ships (digests required,
 * steps run as the runner account only) with the stack's registry in place of the published one, since
 * that is where the stack's action images are. test/security/ runs the shipped policy itself.
 */
export function stackWorkerPolicy(): ValidationPolicy {
  return {
    requireDigest: true,
    allowedRegistries: [getStackInfo().registry.address],
    allowedServiceAccounts: [ACTION_RUNNER_SERVICE_ACCOUNT],
  };
}

export interface StepInput {
  name: string;
  actionType?: string;
  image?: string;
  inputs?: Record<string, unknown>;
  runAfter?: string[];
  timeout?: string;
  retries?: number;
}

export interface WorkflowExecutionSpecInput {
  steps: StepInput[];
  timeout?: string;
  target?: string;
  cooldown?: string;
  remediation?: string;
  /** Default: the runner account every workflow namespace has (the only one the default policy allows). */
  serviceAccountName?: string;
}

/**
 * A WorkflowExecution manifest with a unique name and the defaults tests rely on (the stack's kubectl action
 * image, restart_pod). `stepDurationMs` gives steps without their own `simulate.durationMs` that duration.
 */
export function workflowExecutionManifest(
  spec: WorkflowExecutionSpecInput,
  namespace: string,
  opts: { stepDurationMs?: number } = {},
) {
  const name = uniqueName('wfe');
  const withDuration = (inputs: Record<string, unknown> = {}) => {
    const simulate = (inputs.simulate ?? {}) as Record<string, unknown>;
    return opts.stepDurationMs === undefined || simulate.durationMs !== undefined
      ? inputs
      : { ...inputs, simulate: { ...simulate, durationMs: opts.stepDurationMs } };
  };
  return {
    apiVersion: KUBERNAUT_API_VERSION,
    kind: WORKFLOW_EXECUTION.kind,
    metadata: { name, namespace },
    spec: {
      remediationRequestRef: { name: spec.remediation ?? `rr-${name}` },
      // Each WFE its own target unless the test names one: only tests about the per-target lock queue.
      targetResource: spec.target ?? `${namespace}/Deployment/${name}`,
      ...(spec.cooldown && { cooldown: spec.cooldown }),
      serviceAccountName: spec.serviceAccountName ?? ACTION_RUNNER_SERVICE_ACCOUNT,
      ...(spec.timeout && { timeout: spec.timeout }),
      steps: spec.steps.map((s) => ({
        name: s.name,
        actionType: s.actionType ?? 'kubernetes/restart_pod',
        image: s.image ?? actionImage('kubectl'),
        inputs: withDuration(s.inputs),
        ...(s.runAfter && { runAfter: s.runAfter }),
        ...(s.timeout && { timeout: s.timeout }),
        ...(s.retries !== undefined && { retries: s.retries }),
      })),
    },
  };
}

export interface ExecutionEnv {
  kc: k8s.KubeConfig;
  customObjects: k8s.CustomObjectsApi;
  client: Client;
  temporalNamespace: string;
  /** Kubernetes namespace of this env's WorkflowExecutions (with the kubernaut-action Task). */
  namespace: string;
  taskQueue: string;
  db: TestDatabase;
  dataStorage: DataStorage;
  createWorkflowExecution(spec: WorkflowExecutionSpecInput, namespace?: string): Promise<KubernetesObject>;
  start(
    wfe: KubernetesObject,
    options?: WorkflowExecutionOptions,
  ): Promise<WorkflowHandle<typeof workflowExecutionWorkflow>>;
  run(wfe: KubernetesObject, options?: WorkflowExecutionOptions): Promise<WorkflowExecutionResult>;
  getWorkflowExecution(namespace: string, name: string): Promise<KubernetesObject | undefined>;
  listPipelineRuns(namespace: string): Promise<KubernetesObject[]>;
  /** Starts the env's worker again; with `workflowBundle`, running that workflow code (e.g. an older release). */
  startWorker(opts?: { workflowBundle?: WorkflowBundle }): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function createExecutionEnv(
  opts: {
    /** The worker's policy; default stackWorkerPolicy(). */
    policy?: ValidationPolicy;
    prefix?: string;
    /** How long a step without its own `simulate.durationMs` runs on KWOK's node. Default 100 ms. */
    stepDurationMs?: number;
    /** The worker's KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS (unset: the worker's default). */
    effectivenessStabilizationMs?: number;
    /** The worker's KUBERNAUT_TARGET_COOLDOWN. Default 0: tests not about the cooldown never wait for one. */
    targetCooldownMs?: number;
    /** The worker's KUBERNAUT_STATUS_PROGRESS_INTERVAL (unset: the worker's default). */
    progressWriteIntervalMs?: number;
    /**
     * How the worker reaches the API server. Default: directly, as its `deploy/` ServiceAccount; e.g. an
     * API server front (api-server-front.ts) of that identity, for tests that make requests fail.
     */
    workerKubeConfig?: () => k8s.KubeConfig;
  } = {},
): Promise<ExecutionEnv> {
  const prefix = opts.prefix ?? 'wfe';
  const kc = kubeConfig();
  const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
  const connection: Connection = await temporalConnection();
  const workerConnection: NativeConnection = await nativeConnection();
  const temporalNamespace = await createTemporalNamespace(connection, prefix);
  const client = new Client({ connection, namespace: temporalNamespace });
  const namespace = await createWorkflowNamespace(prefix, kc);
  const taskQueue = uniqueName(`${prefix}-tq`);
  const db = await createTestDatabase();
  const dataStorage = createDataStorage(db.pool);
  const stepDurationMs = opts.stepDurationMs ?? 100;
  // As the worker's: with the tracing gate (untraced workflows pass straight through it), the domain modules shared.
  const workflowBundle: WorkflowBundle = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    logger: new DefaultLogger('WARN'),
  });

  let current: { execution: ExecutionWorker; running: Promise<void> } | undefined;
  const startWorker = async (startOpts: { workflowBundle?: WorkflowBundle } = {}) => {
    const execution = await createExecutionWorker({
      connection: workerConnection,
      namespace: temporalNamespace,
      taskQueue,
      kubeConfig: opts.workerKubeConfig?.() ?? identityKubeConfig('worker'),
      dataStorage,
      temporalClient: client,
      policy: opts.policy ?? stackWorkerPolicy(),
      effectivenessShards: 1,
      effectivenessStabilizationMs: opts.effectivenessStabilizationMs,
      targetLock: { defaultCooldownMs: opts.targetCooldownMs ?? 0 },
      progressWriteIntervalMs: opts.progressWriteIntervalMs,
      // Only this env's namespaces: relisting every test's PipelineRuns every 2 s loads the shared stack.
      watchNamespaces: [namespace, `${namespace}-stalled`],
      resyncIntervalMs: 2_000,
      workflowBundle: startOpts.workflowBundle ?? workflowBundle,
      tuning: { shutdownGraceTime: '2 seconds' },
    });
    current = { execution, running: execution.worker.run() };
  };
  const stopWorker = async () => {
    if (!current) return;
    const { execution, running } = current;
    current = undefined;
    execution.worker.shutdown();
    await running;
    execution.observer.stop();
  };
  await startWorker();

  const env: ExecutionEnv = {
    kc,
    customObjects,
    client,
    temporalNamespace,
    namespace,
    taskQueue,
    db,
    dataStorage,
    async createWorkflowExecution(spec, ns = namespace) {
      return (await customObjects.createNamespacedCustomObject({
        ...WORKFLOW_EXECUTIONS,
        namespace: ns,
        body: workflowExecutionManifest(spec, ns, { stepDurationMs }),
      })) as KubernetesObject;
    },
    async start(wfe, options = FAST_OPTIONS) {
      const { workflowId } = await startWorkflowExecution(client, wfe, { taskQueue, options });
      return client.workflow.getHandle<typeof workflowExecutionWorkflow>(workflowId);
    },
    async run(wfe, options) {
      return workflowExecutionOutcome(await env.start(wfe, options));
    },
    async getWorkflowExecution(ns, name) {
      try {
        return (await customObjects.getNamespacedCustomObject({
          ...WORKFLOW_EXECUTIONS,
          namespace: ns,
          name,
        })) as KubernetesObject;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return undefined;
        throw err;
      }
    },
    async listPipelineRuns(ns) {
      const list = (await customObjects.listNamespacedCustomObject({ ...PIPELINE_RUNS, namespace: ns })) as {
        items: KubernetesObject[];
      };
      return list.items;
    },
    startWorker,
    stopWorker,
    async close() {
      await stopWorker();
      // Monitors, assessments still waiting out their window, executions a test abandoned: nothing of
      // this environment may run on after it (test/support/leftover-work.ts).
      await terminateOpenWorkflows(client);
      await db.drop();
      await connection.close();
      await workerConnection.close();
    },
  };
  return env;
}
