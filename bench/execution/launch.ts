/**
 * How the bench gets WorkflowExecutions executed: a launch mode. `direct` (this file) creates every WFE in
 * the API server before the clock starts, then starts their workflows straight from the bench, the way the
 * watcher would (startWorkflowExecution: id from the uid, USE_EXISTING). Another mode (e.g. `watcher`: create
 * the WFE and let a watcher process start the workflow) plugs in by adding an entry to LAUNCH_MODES in run.ts.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import type { Certificates } from '../../src/stack/certificates';
import type { Identity } from '../../src/stack/identities';
import { WORKFLOW_EXECUTIONS } from '../../src/kubernetes/resources';
import { startWorkflowExecution } from '../../src/temporal-client/start-workflow-execution';

export interface LaunchContext {
  kubeConfig: k8s.KubeConfig;
  customObjects: k8s.CustomObjectsApi;
  client: Client;
  namespace: string;
  taskQueue: string;
  /**
   * Whether a mode that measures a baseline beside the system runs it (default true). `--baseline off`: the
   * watcher mode's bare controller and its copies of the WFEs are left out — work for the API server, etcd and
   * the simulator that no deployment has — so the run measures the system's CPU alone (and reports no ratio).
   */
  baseline?: boolean;
  /** The cluster the WFEs live in (the stack's, or the simulator's private one). */
  cluster: {
    certs: Certificates;
    apiserverPort: number;
    /** Admin kubeconfig. */
    kubeconfigPath: string;
    identities: Record<Identity, string>;
  };
}

export interface Launched {
  uid: string;
  /** The WFE's name: lets the report fetch the workflow history of the slowest executions (slowest.ts). */
  name?: string;
  /**
   * When the workflow was asked to start (epoch ms, bench clock): the start of latency (a). `direct`: just
   * before the start request is sent, so (a) includes the start round trip.
   */
  startRequestedAt: number;
}

export interface LaunchMode {
  /** Work done before the clock starts (direct: create every WFE). */
  prepare(manifests: KubernetesObject[]): Promise<void>;
  /** Launches execution `index` of the prepared manifests, at the moment the fixed rate says. */
  launch(index: number): Promise<Launched>;
  close(): Promise<void>;
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

export function directLaunch(ctx: LaunchContext): LaunchMode {
  let created: KubernetesObject[] = [];
  return {
    async prepare(manifests) {
      created = await inBatches(
        manifests,
        16,
        async (body) =>
          (await ctx.customObjects.createNamespacedCustomObject({
            ...WORKFLOW_EXECUTIONS,
            namespace: ctx.namespace,
            body,
          })) as KubernetesObject,
      );
    },
    async launch(index) {
      const wfe = created[index];
      if (!wfe?.metadata.uid) throw new Error(`WorkflowExecution #${index} was not prepared`);
      const startRequestedAt = Date.now();
      await startWorkflowExecution(ctx.client, wfe, { taskQueue: ctx.taskQueue });
      return { uid: wfe.metadata.uid, name: wfe.metadata.name, startRequestedAt };
    },
    async close() {},
  };
}
