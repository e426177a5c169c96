/**
 * The execution worker as it ships (dist/workers/main.js with the prebuilt workflow bundle: build.ts),
 * configured through its environment like a deployment, so its memory is measured on its own (VmRSS /
 * VmHWM from /proc) and its Kubernetes requests can be counted on a kubeconfig of its own.
 */
import { BUILT } from './build';
import { openTelemetryEnvironment, residentMemoryMb, spawnEntry, type ChildProcessHandle } from './child-process';

export interface WorkerProcessSettings {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  databaseUrl: string;
  kubeconfigPath: string;
  watchNamespace: string;
  logFile?: string;
  /** Extra environment (tuning), e.g. KUBERNAUT_MAX_CONCURRENT_ACTIVITIES for many executions in flight. */
  env?: Record<string, string>;
}

export interface BenchWorker {
  pid: number;
  memory(): { rssMb: number; peakRssMb: number } | undefined;
  /** Highest VmRSS seen by `sample()` calls since the last `resetPeak()`. */
  sampledPeakRssMb(): number;
  sample(): void;
  resetPeak(): void;
  assertAlive(): void;
  stop(): Promise<void>;
}

export async function startBenchWorker(s: WorkerProcessSettings): Promise<BenchWorker> {
  const child: ChildProcessHandle = spawnEntry(
    BUILT.worker,
    [],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_NAMESPACE: s.temporalNamespace,
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      DATABASE_URL: s.databaseUrl,
      KUBECONFIG: s.kubeconfigPath,
      KUBERNAUT_WATCH_NAMESPACES: s.watchNamespace,
      KUBERNAUT_HTTP_PORT: '0',
      KUBERNAUT_SDK_METRICS_PORT: '0',
      KUBERNAUT_MIGRATE_ON_START: 'false', // the bench's database is migrated when created
      KUBERNAUT_LOG_LEVEL: 'info', // the SDK reports "state RUNNING" at info
      ...openTelemetryEnvironment(),
      ...s.env,
    },
    'worker process',
    s.logFile,
  );
  try {
    await child.waitForLine(/"state":"RUNNING"/, 180_000);
  } catch (err) {
    await child.stop(1_000);
    throw err;
  }
  let peak = 0;
  const worker: BenchWorker = {
    pid: child.pid,
    memory: () => residentMemoryMb(child.pid),
    sampledPeakRssMb: () => peak,
    sample() {
      peak = Math.max(peak, residentMemoryMb(child.pid)?.rssMb ?? 0);
    },
    resetPeak() {
      peak = 0;
    },
    assertAlive() {
      if (!child.alive()) throw new Error(`the worker process exited:\n${child.output()}`);
    },
    stop: () => child.stop(10_000),
  };
  return worker;
}
