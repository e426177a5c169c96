/**
 * How fast WorkflowExecutions flow through the execution path, and what they cost the API server.
 *
 *     npm run bench:execution -- [--count 200] [--rate 20] [--slow-step-ms 3000] [--via direct|watcher]
 *                                [--tekton controller|simulator]
 *
 * On the local stack (started when not running, shared when it is), in a Temporal namespace, Kubernetes
 * namespace and database of its own; the execution worker runs as the real worker process
 * (src/workers/main.ts) under its deploy/ ServiceAccount. `--tekton controller` (default): Tekton's own
 * controller runs the PipelineRuns on KWOK's fake node; `--tekton simulator`: the in-repo simulator runs in
 * the bench process against a private cluster (no Tekton controller; Temporal and PostgreSQL stay the
 * stack's). Two phases of N WFEs each (a 3-step DAG), launched at a fixed rate: `instant` (steps complete at
 * once) and `slow` (every step takes --slow-step-ms), which shows that the worker's API requests per WFE do
 * not grow with how long a WFE runs. Prints ONE JSON object on stdout (progress goes to stderr). Methods:
 * bench/execution/README.md.
 */
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { Command, Option } from 'commander';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { TEKTON_MODES, type TektonMode } from '../../src/stack/config';
import { stackLayout } from '../../src/stack/layout';
import { prepareWorkflowNamespace } from '../../src/stack/namespaces';
import { startPrivateCluster } from '../../src/stack/private-cluster';
import { runningPid } from '../../src/stack/processes';
import { startTektonSimulator, type TektonSimulator } from '../../src/tekton-simulator/simulator';
import {
  acquireStack,
  cleanKubernetesNamespace,
  createScratchDatabase,
  createTemporalNamespace,
  type Stack,
} from './environment';
import { directLaunch, type LaunchContext, type LaunchMode } from './launch';
import { ExecutionObserver } from './observer';
import { runPhase } from './phase';
import { phaseReport, type PhaseReport } from './report';
import { startRequestCounter } from './request-counter';
import { explainSlowest, type SlowExecution } from './slowest';
import { watcherLaunch, type WatcherLaunchMode } from './watcher-mode';
import { startBenchWorker } from './worker-process';

/** Launch modes: how a WFE gets its workflow started. Add one here to measure another path (e.g. a watcher). */
export const LAUNCH_MODES: Record<string, (ctx: LaunchContext) => LaunchMode | Promise<LaunchMode>> = {
  direct: directLaunch,
  watcher: (ctx) => watcherLaunch(ctx, { temporalAddress: process.env.TEMPORAL_ADDRESS }),
};

const isWatcherMode = (mode: LaunchMode): mode is WatcherLaunchMode => 'report' in mode;

interface Options {
  count: number;
  rate: number;
  slowCount?: number;
  slowStepMs: number;
  via: string;
  tekton: TektonMode;
  deadlineMs: number;
}

const TARGETS = { startToPipelineRunP99Ms: 500, pipelineRunFinishedToTerminalP99Ms: 1000 };

function parseOptions(argv: string[]): Options {
  const positive = (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got ${v}`);
    return n;
  };
  const int = (v: string) => {
    const n = positive(v);
    if (!Number.isInteger(n)) throw new Error(`expected a positive integer, got ${v}`);
    return n;
  };
  return new Command('bench:execution')
    .option('--count <n>', 'WorkflowExecutions per phase', int, 200)
    .option('--rate <n>', 'launches per second', positive, 20)
    .option('--slow-count <n>', 'WorkflowExecutions of the slow phase (default: --count)', int)
    .option('--slow-step-ms <ms>', 'step duration of the slow phase', int, 3000)
    .addOption(
      new Option('--via <mode>', 'how workflows are started').choices(Object.keys(LAUNCH_MODES)).default('direct'),
    )
    .addOption(
      new Option('--tekton <who>', "who runs the PipelineRuns: Tekton's controller on KWOK, or the simulator")
        .choices(TEKTON_MODES)
        .default('controller'),
    )
    .option('--deadline-ms <ms>', 'give up on a phase after this long', int, 600_000)
    .parse(argv)
    .opts<Options>();
}

const log = (line: string) => process.stderr.write(`[bench:execution] ${line}\n`);
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const undo of cleanups.reverse()) await undo().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    const stack: Stack = await acquireStack(log);
    cleanups.push(() => stack.release());

    // Where the PipelineRuns run: the stack's cluster with Tekton's controller, or a private cluster for the
    // simulator (the two must not share an API server: src/stack/cluster.ts).
    const cluster =
      o.tekton === 'simulator'
        ? await startPrivateCluster()
        : {
            kubeConfig: loadKubeConfig(stack.info.kube.kubeconfigPath),
            identities: stack.info.kube.identities,
            apiserverPort: stack.apiserverPort,
            certs: stack.certs,
            layout: stackLayout(),
            stop: async () => undefined,
          };
    cleanups.push(() => cluster.stop());
    const kc = cluster.kubeConfig;
    const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
    const namespace = unique('bench-exec');
    await prepareWorkflowNamespace(kc, namespace);
    cleanups.push(() => cleanKubernetesNamespace(customObjects, namespace));

    // TEMPORAL_ADDRESS: another Temporal server than the stack's (e.g. one not shared with concurrent test runs).
    const temporalAddress = process.env.TEMPORAL_ADDRESS ?? stack.info.temporal.address;
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const temporalNamespace = unique('bench-exec');
    cleanups.push(await createTemporalNamespace(connection, temporalNamespace));
    const client = new Client({ connection, namespace: temporalNamespace });
    const taskQueue = unique('bench-exec-tq');

    const database = await createScratchDatabase(stack.info.postgres.url);
    cleanups.push(() => database.drop());

    const requestCounter = await startRequestCounter({
      certs: cluster.certs,
      backendPort: cluster.apiserverPort,
      identityKubeconfig: cluster.identities.worker,
    });
    cleanups.push(() => requestCounter.close());

    let simulator: TektonSimulator | undefined;
    if (o.tekton === 'simulator') {
      const started = startTektonSimulator({ kubeConfig: kc, namespaces: [namespace], defaultStepDurationMs: 0 });
      cleanups.push(() => started.stop());
      await started.ready;
      simulator = started;
    }

    const observer = new ExecutionObserver(kc, namespace);
    await observer.start();
    cleanups.push(async () => observer.stop());

    const workerLog = path.join(os.tmpdir(), `${namespace}-worker.log`);
    log(`starting the worker process (its output: ${workerLog})`);
    const worker = await startBenchWorker({
      temporalAddress,
      temporalNamespace,
      taskQueue,
      databaseUrl: database.url,
      kubeconfigPath: requestCounter.kubeconfigPath,
      watchNamespace: namespace,
      logFile: workerLog,
    });
    cleanups.push(() => worker.stop());
    const idleMemory = worker.memory();

    const mode = await LAUNCH_MODES[o.via]!({ customObjects, client, namespace, taskQueue, cluster });
    cleanups.push(() => mode.close());
    const stackPids = stackLayout().pids;
    const clusterPids = cluster.layout.pids;
    const processes = () => ({
      worker: worker.pid,
      watcher: isWatcherMode(mode) ? mode.pid : undefined,
      // The shared stack's servers also serve whoever else uses the stack: their figures are upper bounds.
      temporal: process.env.TEMPORAL_ADDRESS ? undefined : runningPid(stackPids, 'temporal'),
      apiserver: runningPid(clusterPids, 'kube-apiserver'),
      etcd: runningPid(clusterPids, 'etcd'),
      controllerManager: runningPid(clusterPids, 'kube-controller-manager'),
      scheduler: runningPid(clusterPids, 'kube-scheduler'),
      kwok: runningPid(clusterPids, 'kwok'),
      tektonController: runningPid(clusterPids, 'tekton-controller'),
      tektonWebhook: runningPid(clusterPids, 'tekton-webhook'),
      countingProxy: requestCounter.pid,
      benchProcess: process.pid, // the bench's watches (and the simulator, when it plays Tekton)
    });
    const image = stack.info.registry.images.kubectl;
    const deps = { namespace, mode, observer, requestCounter, simulator, image, worker, log, processes };

    const loadBefore = os.loadavg();
    const phases: Record<string, PhaseReport & { slowest: SlowExecution[] }> = {};
    for (const phase of [
      { name: 'instant', count: o.count, stepDurationMs: 0 },
      { name: 'slow', count: o.slowCount ?? o.count, stepDurationMs: o.slowStepMs },
    ]) {
      const observed = await runPhase(deps, { ...phase, rate: o.rate, deadlineMs: o.deadlineMs });
      phases[phase.name] = {
        ...phaseReport(observed),
        slowest: await explainSlowest(client, namespace, observed.launched, observed.timelines),
      };
      log(`${phase.name}: done`);
    }
    const loadAfter = os.loadavg();

    const instant = phases.instant!;
    const slow = phases.slow!;
    const peakRss = Math.max(instant.workerMemory.peakSampledRssMb, slow.workerMemory.peakSampledRssMb);
    const cpuTotal = round(Object.values(instant.cpuMsPerWorkflowExecution).reduce((a, b) => a + b, 0));
    const report = {
      bench: 'execution',
      via: o.via,
      tekton: o.tekton,
      count: o.count,
      ratePerSecond: o.rate,
      stepsPerWorkflowExecution: 3,
      machine: {
        cpus: os.cpus().length,
        loadAverage1m: { before: round(loadBefore[0]!), after: round(loadAfter[0]!) },
      },
      targets: {
        startToPipelineRunP99Ms: TARGETS.startToPipelineRunP99Ms,
        pipelineRunFinishedToTerminalP99Ms: TARGETS.pipelineRunFinishedToTerminalP99Ms,
        met: {
          startToPipelineRun: instant.startToPipelineRunCreatedMs.p99 <= TARGETS.startToPipelineRunP99Ms,
          pipelineRunFinishedToTerminal:
            instant.pipelineRunFinishedToTerminalMs.p99 <= TARGETS.pipelineRunFinishedToTerminalP99Ms,
        },
      },
      workerRssMb: {
        idle: idleMemory?.rssMb,
        peak: peakRss,
        peakOverIdle: idleMemory ? round(peakRss - idleMemory.rssMb) : undefined,
        highWaterMark: slow.workerMemory.highWaterMarkMb,
      },
      cpuMsPerWorkflowExecution: { ...instant.cpuMsPerWorkflowExecution, total: cpuTotal },
      // The launch rate this machine could sustain if the measured processes had every core to themselves.
      cpuBoundRatePerSecond: round((os.cpus().length * 1000) / cpuTotal),
      workerApiRequestsPerWorkflowExecution: {
        instant: instant.apiRequestsPerWorkflowExecution.worker,
        slow: slow.apiRequestsPerWorkflowExecution.worker,
        // Status writes follow the PipelineRun changes the workflow observed (instant steps coalesce some);
        // everything else must not depend on how long a WFE runs.
        besidesWorkflowExecutionUpdates: {
          instant: instant.apiRequestsPerWorkflowExecution.workerBesidesWorkflowExecutionUpdates,
          slow: slow.apiRequestsPerWorkflowExecution.workerBesidesWorkflowExecutionUpdates,
        },
        slowOverInstant: round(
          slow.apiRequestsPerWorkflowExecution.worker / instant.apiRequestsPerWorkflowExecution.worker,
        ),
      },
      phases,
      ...(isWatcherMode(mode) && { watcher: await mode.report() }),
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    await cleanUp();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
