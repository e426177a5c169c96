/**
 * Launch mode `watcher` (`--via watcher`): the bench only creates WorkflowExecutions in the API server, at
 * the fixed rate; the watcher PROCESS (src/watcher/main.ts, configured through its environment like a
 * deployment) sees them and starts their workflows. Latency (a) of the main report then runs from the WFE
 * create request to the PipelineRun's arrival: the whole path a `kubectl apply` takes.
 *
 * On top of the main report it measures the watcher itself:
 * - `createdToWorkflowStartedMs`: from just before the bench's create request to the workflow's start time
 *   as Temporal recorded it (describe → startTime; the server runs on the same machine, same clock), so it
 *   covers the create round trip, the watch delivery, the decision and the start RPC;
 * - `apiRequestsPerWorkflowExecution`: the watcher's own requests, counted by a private counting proxy in
 *   front of the API server that only the watcher's kubeconfig (its deploy/ ServiceAccount) points at
 *   (its watches, relists and the one `status.temporal` patch per WFE);
 * - `watcherRssMb`: VmRSS of the watcher process, idle after sync and sampled every 500 ms (peak), VmHWM;
 * - `bareController`: the baseline, in the same run. At each launch the bench also creates a copy of the WFE
 *   in a namespace of its own, which a bare controller process (bare-controller.ts: one watch, one create,
 *   no Temporal) turns into a PipelineRun; `createdToPipelineRunCreatedMs` of both paths are measured the
 *   same way (create request → the PipelineRun's arrival on the bench's watch), and their p99 ratio is
 *   reported. `--baseline off` (ctx.baseline false) runs neither the bare controller nor the copies: their work
 *   in the API server, etcd and the simulator then stays out of the system's CPU.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { stackLayout } from '../../src/stack/layout';
import { prepareWorkflowNamespace } from '../../src/stack/namespaces';
import type { StackInfo } from '../../src/stack/stack';
import { BUILT } from './build';
import {
  cpuTimeMs,
  openTelemetryEnvironment,
  residentMemoryMb,
  spawnEntry,
  type ChildProcessHandle,
} from './child-process';
import { cleanKubernetesNamespace } from './environment';
import { inBatches, type LaunchContext, type LaunchMode } from './launch';
import { ExecutionObserver } from './observer';
import { requestDelta, startRequestCounter, type RequestCounts } from './request-counter';

export interface Percentiles {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface WatcherPhaseReport {
  count: number;
  /** The bare controller's WFE created → PipelineRun created, for the copies of this phase's WFEs (absent: `--baseline off`). */
  bareController?: { createdToPipelineRunCreatedMs: Percentiles; missing: number };
  /** WFEs whose workflow was never found (not started by the deadline): should be 0. */
  notStarted: number;
  createdToWorkflowStartedMs: Percentiles;
  apiRequestsPerWorkflowExecution: { total: number; byVerb: RequestCounts };
  cpuMsPerWorkflowExecution: number;
}

export interface WatcherModeReport {
  pid: number;
  watcherRssMb: { idle?: number; peak: number; highWaterMark?: number };
  phases: WatcherPhaseReport[];
}

export interface WatcherLaunchMode extends LaunchMode {
  pid: number;
  /** The watcher's figures per phase (phases are delimited by `prepare` calls); call after the last one settled. */
  report(): Promise<WatcherModeReport>;
}

interface PhaseRecord {
  manifests: KubernetesObject[];
  requestsBefore: RequestCounts;
  requestsAfter?: RequestCounts;
  cpuBefore: number;
  cpuAfter?: number;
  launched: { name: string; uid: string; createRequestedAt: number }[];
  /** The bare controller's copies: uid → create requested at. */
  bare: Map<string, number>;
}

/** Nearest-rank percentiles of `values` (ms, rounded). */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    samples: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export async function watcherLaunch(
  ctx: LaunchContext,
  settings: { temporalAddress?: string; logFile?: string } = {},
): Promise<WatcherLaunchMode> {
  const info = JSON.parse(fs.readFileSync(stackLayout().info, 'utf8')) as StackInfo;
  const counter = await startRequestCounter({
    certs: ctx.cluster.certs,
    backendPort: ctx.cluster.apiserverPort,
    identityKubeconfig: ctx.cluster.identities.watcher,
  });
  const logFile = settings.logFile ?? path.join(os.tmpdir(), `${ctx.namespace}-watcher.log`);
  const watcher: ChildProcessHandle = spawnEntry(
    BUILT.watcher,
    [],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: settings.temporalAddress ?? info.temporal.address,
      TEMPORAL_NAMESPACE: ctx.client.options.namespace,
      TEMPORAL_TASK_QUEUE: ctx.taskQueue,
      KUBECONFIG: counter.kubeconfigPath,
      KUBERNAUT_WATCH_NAMESPACES: ctx.namespace,
      KUBERNAUT_HTTP_PORT: '0',
      KUBERNAUT_LOG_LEVEL: 'info',
      ...openTelemetryEnvironment(),
    },
    'watcher process',
    logFile,
  );
  try {
    await watcher.waitForLine(/"msg":"watcher synced: watching"/, 120_000);
  } catch (err) {
    await watcher.stop(1_000);
    await counter.close();
    throw err;
  }
  const bare = ctx.baseline === false ? undefined : await startBareController(ctx);
  const idle = residentMemoryMb(watcher.pid);
  let peak = idle?.rssMb ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, residentMemoryMb(watcher.pid)?.rssMb ?? 0)), 500);

  const phases: PhaseRecord[] = [];
  const finish = async (phase: PhaseRecord | undefined) => {
    if (!phase || phase.requestsAfter) return;
    phase.requestsAfter = await counter.counts();
    phase.cpuAfter = cpuTimeMs(watcher.pid) ?? NaN;
  };

  const mode: WatcherLaunchMode = {
    pid: watcher.pid,
    async prepare(manifests) {
      await finish(phases[phases.length - 1]);
      phases.push({
        manifests,
        requestsBefore: await counter.counts(),
        cpuBefore: cpuTimeMs(watcher.pid) ?? NaN,
        launched: [],
        bare: new Map(),
      });
    },
    async launch(index) {
      const phase = phases[phases.length - 1];
      const body = phase?.manifests[index];
      if (!phase || !body) throw new Error(`WorkflowExecution #${index} was not prepared`);
      if (!watcher.alive()) throw new Error(`the watcher process exited:\n${watcher.output()}`);
      const create = async (namespace: string) => {
        const at = Date.now();
        const wfe = (await ctx.customObjects.createNamespacedCustomObject({
          ...WORKFLOW_EXECUTIONS,
          namespace,
          body: { ...body, metadata: { ...(body.metadata as object), namespace } },
        })) as KubernetesObject;
        return { wfe, at };
      };
      const [real, copy] = await Promise.all([create(ctx.namespace), bare && create(bare.namespace)]);
      const uid = real.wfe.metadata.uid!;
      phase.launched.push({ name: real.wfe.metadata.name, uid, createRequestedAt: real.at });
      if (copy) phase.bare.set(copy.wfe.metadata.uid!, copy.at);
      return { uid, name: real.wfe.metadata.name, startRequestedAt: real.at };
    },
    async report() {
      await finish(phases[phases.length - 1]);
      const reports: WatcherPhaseReport[] = [];
      for (const phase of phases) {
        const started = await inBatches(phase.launched, 16, async (l) => {
          const id = workflowExecutionWorkflowId({ namespace: ctx.namespace, name: l.name, uid: l.uid });
          try {
            const { startTime } = await ctx.client.workflow.getHandle(id).describe();
            return startTime.getTime() - l.createRequestedAt;
          } catch {
            return undefined;
          }
        });
        const latencies = started.filter((ms): ms is number => ms !== undefined);
        const count = phase.launched.length;
        const bareLatencies = [...phase.bare].flatMap(([uid, at]) => {
          const createdAt = bare?.observer.timelines.get(uid)?.pipelineRunCreatedAt;
          return createdAt === undefined ? [] : [createdAt - at];
        });
        const requests = requestDelta(phase.requestsBefore, phase.requestsAfter ?? phase.requestsBefore);
        reports.push({
          count,
          ...(bare && {
            bareController: {
              createdToPipelineRunCreatedMs: percentiles(bareLatencies),
              missing: phase.bare.size - bareLatencies.length,
            },
          }),
          notStarted: count - latencies.length,
          createdToWorkflowStartedMs: percentiles(latencies),
          apiRequestsPerWorkflowExecution: {
            total: Math.round((requests.total / Math.max(1, count)) * 100) / 100,
            byVerb: Object.fromEntries(
              Object.entries(requests.byVerb).map(([verb, n]) => [
                verb,
                Math.round((n / Math.max(1, count)) * 100) / 100,
              ]),
            ),
          },
          cpuMsPerWorkflowExecution:
            Math.round((((phase.cpuAfter ?? NaN) - phase.cpuBefore) / Math.max(1, count)) * 100) / 100,
        });
      }
      return {
        pid: watcher.pid,
        watcherRssMb: { idle: idle?.rssMb, peak, highWaterMark: residentMemoryMb(watcher.pid)?.peakRssMb },
        phases: reports,
      };
    },
    async close() {
      clearInterval(sampler);
      await watcher.stop(10_000);
      await counter.close();
      await bare?.close();
    },
  };
  return mode;
}

/** The bare controller process and the bench's watch on its namespace. */
async function startBareController(ctx: LaunchContext) {
  const namespace = `${ctx.namespace}-bare`;
  await prepareWorkflowNamespace(ctx.kubeConfig, namespace);
  const observer = new ExecutionObserver(ctx.kubeConfig, namespace);
  await observer.start();
  const process_ = spawnEntry('bench/execution/bare-controller.ts', [JSON.stringify({ namespace })], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KUBECONFIG: ctx.cluster.kubeconfigPath,
  });
  await process_.waitForLine(/bare controller watching/, 60_000);
  return {
    namespace,
    observer,
    pid: process_.pid,
    async close() {
      await process_.stop(2_000);
      observer.stop();
      await cleanKubernetesNamespace(ctx.customObjects, namespace);
    },
  };
}
