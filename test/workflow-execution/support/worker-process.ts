/**
 * The worker PROCESS (src/workers/main.ts) as a child of the test, configured only through its environment,
 * exactly as it is deployed. Node runs it directly with tsx's require hook (not tsx's CLI, which forks a second
 * process), so the pid we signal is the worker itself: SIGKILL really kills the worker mid-activity.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ExecutionEnv } from '../../support/execution-env';
import { getStackInfo } from '../../support/stack';

const REPO = path.resolve(__dirname, '..', '..', '..');
const TSX_HOOK = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
const MAIN = path.join(REPO, 'src', 'workers', 'main.ts');

export interface WorkerProcessEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_TASK_QUEUE: string;
  DATABASE_URL: string;
  KUBECONFIG: string;
  KUBERNAUT_WATCH_NAMESPACES: string;
  [name: string]: string;
}

export interface WorkerProcess {
  pid: number;
  /** Resolves when the SDK reports the worker RUNNING (polling its task queue). */
  running: Promise<void>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** False once the process has exited. */
  alive(): boolean;
  /** Sends `signal` and waits for the process to be gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The last lines the worker wrote (stdout and stderr), for failure messages. */
  output(): string;
}

/** Defaults that keep a test worker small and quiet: no HTTP port, no migrations (the test database has them). */
const TEST_DEFAULTS = {
  KUBERNAUT_HTTP_PORT: '0',
  KUBERNAUT_SDK_METRICS_PORT: '0',
  KUBERNAUT_MIGRATE_ON_START: 'false',
  KUBERNAUT_EFFECTIVENESS_SHARDS: '1',
  KUBERNAUT_RESYNC_INTERVAL_MS: '5000',
  KUBERNAUT_SHUTDOWN_GRACE_MS: '2000',
  KUBERNAUT_LOG_LEVEL: 'info',
  // Tests not about the per-target lock's cooldown never wait for one (nor leave a lock resting after them).
  KUBERNAUT_TARGET_COOLDOWN: '0s',
};

/**
 * The environment of a worker process serving an execution environment: its Temporal namespace and task
 * queue, database and Kubernetes namespace, the worker's deploy/ identity, and the shipped policy (digests,
 * the runner account: the worker's defaults) with the stack's registry.
 */
export function executionEnvWorker(env: ExecutionEnv): WorkerProcessEnv {
  const stack = getStackInfo();
  return {
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
    TEMPORAL_TASK_QUEUE: env.taskQueue,
    DATABASE_URL: env.db.url,
    KUBECONFIG: stack.kube.identities.worker,
    KUBERNAUT_WATCH_NAMESPACES: env.namespace,
    KUBERNAUT_ALLOWED_REGISTRIES: stack.registry.address,
  };
}

export function startWorkerProcess(
  env: WorkerProcessEnv,
  opts: {
    readyTimeoutMs?: number;
    /** Every line the worker writes, as it comes. */ onLine?: (line: string) => void;
  } = {},
): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ['--require', TSX_HOOK, MAIN], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...TEST_DEFAULTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the worker process');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const lines: string[] = [];
  const tail = () => lines.slice(-40).join('\n');
  let onRunning: () => void = () => undefined;
  const running = new Promise<void>((resolve, reject) => {
    onRunning = resolve;
    const timer = setTimeout(
      () => reject(new Error(`worker process did not start polling in time; its output:\n${tail()}`)),
      opts.readyTimeoutMs ?? 120_000,
    );
    timer.unref();
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${signal ?? code}) before it was running; its output:\n${tail()}`));
    });
  });
  running.catch(() => undefined); // observed by whoever awaits it
  const partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString('utf8');
    const complete = text.split('\n');
    partial[stream] = complete.pop() ?? '';
    for (const line of complete) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 400) lines.shift();
      opts.onLine?.(line);
      // The SDK's own state report: the worker polls from here on.
      if (line.includes('"state":"RUNNING"')) onRunning();
    }
  };
  child.stdout!.on('data', collect('stdout'));
  child.stderr!.on('data', collect('stderr'));
  return {
    pid: child.pid,
    running,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    output: tail,
  };
}
