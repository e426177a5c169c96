/**
 * A test run must leave no runnable work in the stack it shares with the demo, developers and other runs:
 * no open workflow a later worker would execute, no WorkflowExecution a later watcher would start.
 *
 * - Everything a run creates is tagged with its id (KUBERNAUT_TEST_RUN_ID, set by the global setup): its
 *   Temporal namespaces carry it in their `data`, its Kubernetes namespaces as a label.
 * - Test environments terminate the open workflows of their Temporal namespace when they close
 *   (`terminateOpenWorkflows`).
 * - The global teardown then checks (`findLeftoverWorkflows`): an open workflow in a namespace of the run,
 *   or one started in the stack's `default` namespace during the run (tests must never use it for anything
 *   that outlives them), fails the run. It terminates those of the run's namespaces (what runs in `default`
 *   may be someone else's) and deletes the run's Kubernetes namespaces either way, so the stack is clean
 *   for whoever comes next.
 */
import * as k8s from '@kubernetes/client-node';
import { Client, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import { EXECUTION_FINALIZER as FINALIZER } from '../../src/domain/names';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';

/** Key of the run id in a Temporal namespace's `data`, and the label on Kubernetes namespaces. */
export const TEST_RUN_KEY = 'kubernaut.ai/test-run';

export interface TestRun {
  id: string;
  /** When the run began (RFC 3339): workflows started in `default` since then are the run's. */
  startedAt: string;
}

/** The run this process belongs to, or undefined outside a jest run with the global setup. */
export function currentTestRun(env: NodeJS.ProcessEnv = process.env): TestRun | undefined {
  const id = env.KUBERNAUT_TEST_RUN_ID;
  const startedAt = env.KUBERNAUT_TEST_RUN_STARTED_AT;
  return id && startedAt ? { id, startedAt } : undefined;
}

/** Labels (Kubernetes) or namespace data (Temporal) that mark something as this run's. */
export function testRunTag(run = currentTestRun()): Record<string, string> {
  return run ? { [TEST_RUN_KEY]: run.id } : {};
}

export interface LeftoverWorkflow {
  namespace: string;
  workflowId: string;
  runId: string;
  type: string;
  startTime: string;
}

const OPEN = `ExecutionStatus = 'Running'`;

async function openWorkflows(client: Client, query = OPEN): Promise<LeftoverWorkflow[]> {
  const found: LeftoverWorkflow[] = [];
  for await (const w of client.workflow.list({ query })) {
    found.push({
      namespace: client.options.namespace,
      workflowId: w.workflowId,
      runId: w.runId,
      type: w.type,
      startTime: w.startTime.toISOString(),
    });
  }
  return found;
}

/** Names of the Temporal namespaces registered by `run`. */
export async function testRunNamespaces(connection: Connection, run: TestRun): Promise<string[]> {
  const names: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connection.workflowService.listNamespaces({ pageSize: 1000, nextPageToken });
    for (const n of page.namespaces ?? []) {
      if (n.namespaceInfo?.data?.[TEST_RUN_KEY] === run.id && n.namespaceInfo.name) names.push(n.namespaceInfo.name);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return names;
}

/**
 * Open workflows the run left: any in its own namespaces, and those started in `defaultNamespace` since the
 * run began. Visibility lags a little behind terminations, so workflows are given `settleMs` to show closed.
 */
export async function findLeftoverWorkflows(
  connection: Connection,
  run: TestRun,
  opts: { defaultNamespace: string; settleMs?: number },
): Promise<LeftoverWorkflow[]> {
  const clients = [
    ...(await testRunNamespaces(connection, run)).map((namespace) => ({ namespace, query: OPEN })),
    { namespace: opts.defaultNamespace, query: `${OPEN} AND StartTime >= '${run.startedAt}'` },
  ].map(({ namespace, query }) => ({ client: new Client({ connection, namespace }), query }));
  const until = Date.now() + (opts.settleMs ?? 10_000);
  for (;;) {
    const open = (await Promise.all(clients.map(({ client, query }) => openWorkflows(client, query)))).flat();
    if (open.length === 0 || Date.now() > until) return open;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Terminates every open workflow of the client's namespace (what a test environment started); returns them. */
export async function terminateOpenWorkflows(client: Client, reason = 'test finished'): Promise<LeftoverWorkflow[]> {
  const terminated: LeftoverWorkflow[] = [];
  // A second pass catches what visibility showed late (started just before the first listing).
  for (let pass = 0; pass < 2; pass++) {
    const open = await openWorkflows(client);
    await terminate(client, open, reason);
    terminated.push(...open.filter((w) => !terminated.some((t) => t.runId === w.runId)));
  }
  return terminated;
}

/** Terminates `workflows`, each in its own namespace, through `client`'s connection. */
export async function terminate(client: Client, workflows: LeftoverWorkflow[], reason: string): Promise<void> {
  for (const w of workflows) {
    const inNamespace =
      w.namespace === client.options.namespace
        ? client
        : new Client({ connection: client.connection, namespace: w.namespace });
    try {
      await inNamespace.workflow.getHandle(w.workflowId, w.runId).terminate(reason);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

/** One line per leftover, for the failure message. */
export function describeLeftovers(leftovers: LeftoverWorkflow[]): string {
  return leftovers
    .map((w) => `  ${w.namespace}  ${w.type}  ${w.workflowId}  (started ${w.startTime})`)
    .sort()
    .join('\n');
}

/**
 * Deletes the run's Kubernetes namespaces, and with them every WorkflowExecution, RemediationRequest,
 * PipelineRun and pod a test left (garbage collection does the rest). WorkflowExecutions whose workflow
 * was terminated still hold the execution finalizer: it is removed first, or the namespaces would never go.
 */
export async function deleteTestRunNamespaces(kc: k8s.KubeConfig, run: TestRun): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const objects = kc.makeApiClient(k8s.CustomObjectsApi);
  const { items } = await core.listNamespace({ labelSelector: `${TEST_RUN_KEY}=${run.id}` });
  const names = items.map((n) => n.metadata!.name!);
  for (const namespace of names) {
    const list = (await objects.listNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, namespace })) as {
      items: KubernetesObject[];
    };
    for (const wfe of list.items.filter((w) => w.metadata.finalizers?.includes(FINALIZER))) {
      await objects
        .patchNamespacedCustomObject(
          {
            ...WORKFLOW_EXECUTIONS,
            namespace,
            name: wfe.metadata.name,
            body: [
              { op: 'test', path: '/metadata/uid', value: wfe.metadata.uid },
              {
                op: 'replace',
                path: '/metadata/finalizers',
                value: wfe.metadata.finalizers!.filter((f) => f !== FINALIZER),
              },
            ],
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        )
        .catch(() => undefined); // gone, or changed meanwhile: the namespace deletion handles what is left
    }
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  return names;
}
