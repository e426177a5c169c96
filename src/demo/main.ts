/**
 * `npm run demo` — the whole thing on one machine: the local stack (Temporal dev server + Web UI, a
 * Kubernetes control plane with KWOK's fake node, real Tekton, PostgreSQL), a worker and a watcher; then a
 * RemediationRequest and a 3-step DAG WorkflowExecution applied as `kubectl apply` would, progress shown
 * live, and finally the WFE status, Tekton's TaskRuns and pods, the action records, the effectiveness
 * assessment, the remediation's trace and the Web UI link. Exit code 0 only if what the scenario expects
 * happened.
 *
 * Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, the worker and the watcher export to it (the demo prints
 * the trace id); otherwise the demo starts them exporting to an OTLP receiver of its own and prints the
 * trace's span tree too — except with --keep, whose processes outlive the demo and its receiver.
 */
import crypto from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { Command, Option } from 'commander';
import { showActionHistoryThroughApi } from './action-history-through-api';
import { createPool } from '../datastorage/pool';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { createDataStorage } from '../datastorage/repository';
import type { StoredAssessment } from '../datastorage/records';
import { SEARCH_ATTRIBUTES, workflowExecutionWorkflowId } from '../domain/names';
import { remediationOf } from '../domain/remediation';
import { isTerminalPhase, type WorkflowExecutionStatus } from '../domain/workflow-execution';
import { REMEDIATION_REQUESTS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../kubernetes/resources';
import { stackLayout } from '../stack/layout';
import { prepareWorkflowNamespace } from '../stack/namespaces';
import { liveStackUsers, registerStackUser, unregisterStackUser, withStackLock } from '../stack/lease';
import { waitFor } from '../stack/readiness';
import { stackDown, stackStatus, stackUp, type StackInfo } from '../stack/stack';
import { loadStackConfig } from '../stack/config';
import { ensureNamespace } from '../temporal-client/search-attribute-registration';
import { componentHttpPorts, componentLog, startComponent, stopComponents, type Component } from './components';
import { demoEnding } from './ending';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';
import { printTrace, workflowTraceId } from './trace';
import { ProgressDisplay, statusLines } from './progress';
import { demoResources, FAILING_STEP, SCENARIOS, type Scenario } from './scenario';
import { printAssessment, printRecords, printStatus, printTektonObjects } from './report';

interface DemoOptions {
  scenario: Scenario;
  keep: boolean;
  stepDurationMs: number;
  stabilizationMs: number;
}

const DEMO_NAMESPACE = 'demo';
/**
 * The demo's worker and watcher use a Temporal namespace of their own: workflows anyone else left in the
 * stack's `default` namespace (a test run, a worker started by hand) are never executed by them, and the
 * demo's effectiveness monitors and assessments are the demo's only.
 */
const DEMO_TEMPORAL_NAMESPACE = 'kubernaut-demo';

const say = (line = '') => process.stdout.write(`${line}\n`);
const heading = (text: string) => say(`\n\x1b[1m== ${text}\x1b[0m`);

async function waitReady(component: Component, port: number, layout = stackLayout()): Promise<void> {
  await waitFor(
    `${component} /readyz`,
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
    { timeoutMs: 120_000, intervalMs: 300, onTimeout: () => componentLog(layout, component) },
  );
}

async function apply(api: k8s.CustomObjectsApi, coords: typeof WORKFLOW_EXECUTIONS, body: Record<string, unknown>) {
  const namespace = (body.metadata as { namespace: string }).namespace;
  return (await api.createNamespacedCustomObject({ ...coords, namespace, body })) as KubernetesObject;
}

function webUiLinks(info: StackInfo, workflowId: string, wfe: { namespace: string; name: string }) {
  const base = `${info.temporal.uiUrl}/namespaces/${DEMO_TEMPORAL_NAMESPACE}`;
  const query = `${SEARCH_ATTRIBUTES.workflowExecution.name}="${wfe.namespace}/${wfe.name}"`;
  return {
    workflow: `${base}/workflows/${encodeURIComponent(workflowId)}`,
    search: `${base}/workflows?query=${encodeURIComponent(query)}`,
    query,
  };
}

async function run(o: DemoOptions): Promise<boolean> {
  const layout = stackLayout();
  const suffix = crypto.randomBytes(3).toString('hex');

  heading('Local stack');
  const startedStack = await withStackLock(layout.root, async () => {
    const before = stackStatus(layout);
    const wasRunning = before.info !== undefined && Object.values(before.running).every(Boolean);
    await stackUp({ layout, log: (l) => say(`  ${l}`) });
    registerStackUser(layout.root);
    return !wasRunning;
  });
  const info = stackStatus(layout).info!;

  const kc = loadKubeConfig(info.kube.kubeconfigPath);
  await prepareWorkflowNamespace(kc, DEMO_NAMESPACE);
  const temporal = await Connection.connect({ address: info.temporal.address });
  try {
    if (await ensureNamespace(temporal, DEMO_TEMPORAL_NAMESPACE))
      say(`  Temporal namespace ${DEMO_TEMPORAL_NAMESPACE} registered`);
  } finally {
    await temporal.close();
  }

  heading('Worker and watcher');
  const ports = componentHttpPorts(loadStackConfig());
  const externalEndpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracingOff = process.env.OTEL_SDK_DISABLED === 'true' || process.env.OTEL_TRACES_EXPORTER === 'none';
  let receiver: OtlpReceiver | undefined;
  let untracedBecause: string | undefined = tracingOff ? 'OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none' : undefined;
  if (!externalEndpoint && !tracingOff) {
    if (o.keep) untracedBecause = 'with --keep, set OTEL_EXPORTER_OTLP_ENDPOINT to trace into a collector of yours';
    else receiver = await startOtlpReceiver();
  }
  const settings = {
    stackInfo: info,
    temporalNamespace: DEMO_TEMPORAL_NAMESPACE,
    namespace: DEMO_NAMESPACE,
    stabilizationMs: o.stabilizationMs,
    ports,
    ...(receiver && {
      tracingEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '500' },
    }),
  };
  const started: Component[] = [];
  for (const c of ['worker', 'watcher'] as const) {
    if (await startComponent(c, layout, settings)) started.push(c);
    say(`  ${c}: ${started.includes(c) ? 'started' : 'already running'} (log: ${layout.logs}/${c}.log)`);
  }
  if (!started.includes('watcher')) untracedBecause ??= 'the watcher was already running, started without tracing';
  say(
    `  tracing: ${externalEndpoint ? `OTLP to ${externalEndpoint}` : receiver ? `OTLP to the demo's receiver at ${receiver.endpoint}` : 'off'}`,
  );
  await waitReady('worker', ports.worker);
  await waitReady('watcher', ports.watcher);
  say(
    `  worker and watcher ready (Temporal namespace ${DEMO_TEMPORAL_NAMESPACE}; ` +
      `/metrics on :${ports.worker} and :${ports.watcher})`,
  );

  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const pool = createPool({ databaseUrl: info.postgres.url, max: 2 });
  const dataStorage = createDataStorage(pool);
  try {
    const { remediationRequest, workflowExecution } = demoResources(
      o.scenario,
      suffix,
      { images: info.registry.images, stepDurationMs: o.stepDurationMs },
      DEMO_NAMESPACE,
    );
    heading(`Applying a RemediationRequest and a 3-step WorkflowExecution (scenario: ${o.scenario})`);
    await apply(api, REMEDIATION_REQUESTS, remediationRequest);
    say(`  remediationrequest.kubernaut.ai/${remediationRequest.metadata.name} created`);
    const wfe = await apply(api, WORKFLOW_EXECUTIONS, workflowExecution);
    const ref = { namespace: wfe.metadata.namespace!, name: wfe.metadata.name, uid: wfe.metadata.uid! };
    say(`  workflowexecution.kubernaut.ai/${ref.name} created (uid ${ref.uid})`);
    say('  the watcher starts its Temporal workflow; the worker creates the PipelineRun; Tekton runs it on KWOK');

    heading('Progress');
    const display = new ProgressDisplay();
    const stepNames = workflowExecution.spec.steps.map((s) => s.name);
    const status = await waitFor(
      'the WorkflowExecution to finish',
      async () => {
        const current = (await api.getNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, ...ref })) as KubernetesObject;
        const s = current.status as WorkflowExecutionStatus | undefined;
        display.update(statusLines(s, stepNames));
        return isTerminalPhase(s?.phase) ? s : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, onTimeout: () => componentLog(layout, 'worker') },
    );

    // The orchestrator would now mark the remediation finished; the watcher then reports it too (deduplicated).
    await api.patchNamespacedCustomObjectStatus(
      {
        ...REMEDIATION_REQUESTS,
        namespace: ref.namespace,
        name: remediationRequest.metadata.name,
        body: { status: { overallPhase: status.phase === 'Completed' ? 'Completed' : 'Failed' } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    heading('Final WorkflowExecution status');
    printStatus(say, status);

    heading(`Tekton's TaskRuns and their pods (kubectl get taskruns,pods -n ${DEMO_NAMESPACE})`);
    await printTektonObjects(say, kc, DEMO_NAMESPACE, status.pipelineRunRef?.name);

    heading('Action records (PostgreSQL)');
    // The status turns terminal first; the workflow then finishes the records (step 5).
    const records = await waitFor(
      'the action records to be finished',
      async () => {
        const rows = await dataStorage.getWorkflowExecutionActions(ref.uid);
        return rows.length > 0 && rows.every((r) => r.status !== 'executing') ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    printRecords(say, records);

    heading(`The target's action history through the Data Storage API (as another team would ask)`);
    await showActionHistoryThroughApi({
      databaseUrl: info.postgres.url,
      target: workflowExecution.spec.targetResource,
      write: (line) => say(`  ${line}`),
    });

    heading(`Effectiveness assessment (after a ${o.stabilizationMs / 1000} s stabilization window)`);
    const remediation = remediationOf(
      { name: remediationRequest.metadata.name, namespace: ref.namespace },
      ref.namespace,
    );
    const assessment = await waitFor<StoredAssessment>(
      'the effectiveness assessment',
      async () => (await dataStorage.getAssessment(remediation.id)) ?? undefined,
      { timeoutMs: o.stabilizationMs + 120_000, intervalMs: 500 },
    );
    printAssessment(say, assessment);

    heading('Trace (OpenTelemetry)');
    const workflowId = workflowExecutionWorkflowId(ref);
    const traceId = await withTemporalClient(info, (client) => workflowTraceId(client, workflowId));
    let spans = traceId && receiver ? receiver.trace(traceId) : undefined;
    if (traceId && receiver) {
      // The worker exports every 500 ms: wait for the workflow's own span, ended with the workflow.
      spans = await waitFor(
        "the workflow's span",
        async () => {
          const received = receiver.trace(traceId);
          return received.some((sp) => sp.name === 'RunWorkflow:workflowExecutionWorkflow') ? received : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      ).catch(() => receiver.trace(traceId));
    }
    printTrace(say, { traceId, spans, externalEndpoint, why: untracedBecause });

    heading('Temporal Web UI');
    const links = webUiLinks(info, workflowId, ref);
    say(`  workflow: ${links.workflow}`);
    say(`  search:   ${links.search}`);
    say(`            (query: ${links.query})`);

    const ok = expectationsHeld(
      o.scenario,
      status,
      records.map((r) => ({ step: r.stepName, status: r.status })),
      assessment,
    );
    heading(ok ? 'Demo expectations held' : 'Demo expectations NOT met');
    const ending = demoEnding({
      keep: o.keep,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      stopsStack: startedStack && liveStackUsers(layout.root).every((pid) => pid === process.pid),
      kubectl: info.kube.kubectl,
      kubeconfig: info.kube.kubeconfigPath,
      actionImage: info.registry.images.kubectl,
      namespace: DEMO_NAMESPACE,
      uiUrl: info.temporal.uiUrl,
      query: links.query,
      databaseUrl: info.postgres.url,
    });
    for (const line of ending.lines) say(`  ${line}`);
    if (ending.action === 'wait-for-interrupt') await interrupted();
    return ok;
  } finally {
    await pool.end();
    await withStackLock(layout.root, async () => {
      unregisterStackUser(layout.root);
      if (o.keep) return;
      await stopComponents(layout, (l) => say(`  ${l}`));
      if (startedStack && liveStackUsers(layout.root).length === 0)
        await stackDown({ layout, log: (l) => say(`  ${l}`) });
    });
    await receiver?.close(); // after the components stopped: their last spans are flushed to it
  }
}

async function withTemporalClient<T>(info: StackInfo, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: info.temporal.address });
  try {
    return await fn(new Client({ connection, namespace: DEMO_TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

/** Resolves on the first Ctrl-C (or SIGTERM); a second one gets Node's default: exit at once. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      say('\n  stopping…');
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** What each scenario must show for the demo to count as working. */
export function expectationsHeld(
  scenario: Scenario,
  status: WorkflowExecutionStatus,
  records: { step: string; status: string }[],
  assessment: StoredAssessment | undefined,
): boolean {
  if (!assessment || records.length !== 3) return false;
  if (scenario === 'success') {
    return status.phase === 'Completed' && records.every((r) => r.status === 'succeeded');
  }
  return (
    status.phase === 'Failed' &&
    status.failureDetails?.reason === 'TaskFailed' &&
    status.failureDetails.failedStep === FAILING_STEP &&
    records.find((r) => r.step === FAILING_STEP)?.status === 'failed'
  );
}

const program = new Command('demo')
  .description('run a sample remediation end to end on the local stack')
  .addOption(new Option('--scenario <name>', 'what to show').choices(SCENARIOS).default('success'))
  .option('--keep', 'leave the stack, worker and watcher running after the demo exits', false)
  .option('--step-duration-ms <ms>', "how long each step's pod runs on KWOK's fake node", (v) => Number(v), 1500)
  .option('--stabilization-ms <ms>', 'stabilization window before the assessment', (v) => Number(v), 5000)
  .action(async (opts: DemoOptions) => {
    try {
      const ok = await run(opts);
      process.exit(ok ? 0 : 1);
    } catch (err) {
      console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
  });

if (require.main === module) void program.parseAsync(process.argv);
