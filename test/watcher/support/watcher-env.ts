/**
 * The watcher on the real stack, on top of the WorkflowExecution test environment (its own Temporal
 * namespace, Kubernetes namespace, database, real Tekton and in-process execution worker); every watcher
 * acts as the watcher's `deploy/` ServiceAccount, with its RBAC:
 * - in-process watchers (the Watcher class, configured as main.ts would) whose logs are kept in memory;
 * - watcher PROCESSES (src/watcher/main.ts run by node with tsx's require hook, so the pid we signal is
 *   the watcher itself and SIGKILL is real);
 * - what the tests count: workflow runs in the namespace, PipelineRuns and WFEs.
 * Every watcher watches only the environment's Kubernetes namespace: the stack's API server is shared
 * with other test files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { WORKFLOW_TYPES } from '../../../src/domain/names';
import { loadKubeConfig } from '../../../src/kubernetes/kube-config';
import type { KubernetesObject } from '../../../src/kubernetes/resources';
import { Watcher, type WatcherOptions } from '../../../src/watcher/watcher';
import { eventually, getStackInfo, identityKubeConfig } from '../../support/stack';
import type { ExecutionEnv } from '../../support/execution-env';

const REPO = path.resolve(__dirname, '..', '..', '..');
const TSX_HOOK = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
const MAIN = path.join(REPO, 'src', 'watcher', 'main.ts');

/** Timings that let tests see recovery within seconds instead of minutes. */
export const TEST_TIMINGS = {
  resyncIntervalMs: 5_000,
  watchSilenceMs: 15_000,
  watchBackoffMaxMs: 2_000,
  retryMaxMs: 2_000,
} as const;

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface InProcessWatcher {
  watcher: Watcher;
  logs: LogLine[];
  stop(): Promise<void>;
}

/** A Watcher object in this process, started and synced. */
export async function startInProcessWatcher(
  env: ExecutionEnv,
  overrides: Partial<WatcherOptions> = {},
): Promise<InProcessWatcher> {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const watcher = new Watcher({
    kubeConfig: identityKubeConfig('watcher'),
    client: env.client,
    taskQueue: env.taskQueue,
    namespaces: [env.namespace],
    effectivenessShards: 1, // as the environment's worker
    ...TEST_TIMINGS,
    logger,
    ...overrides,
  });
  await watcher.start();
  return { watcher, logs, stop: () => watcher.stop(5_000) };
}

/**
 * The watcher's kubeconfig with its server replaced by `127.0.0.1:<port>` (e.g. a TCP proxy in front of it).
 */
export function kubeConfigThrough(port: number): { kc: k8s.KubeConfig; file: string } {
  const kc = loadKubeConfig(getStackInfo().kube.identities.watcher);
  const cluster = kc.getCurrentCluster()!;
  const proxied = new k8s.KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'watcher-kubeconfig-')), 'kubeconfig');
  fs.writeFileSync(file, proxied.exportConfig());
  return { kc: proxied, file };
}

/** The port of the stack's API server. */
export function apiServerPort(): number {
  return Number(new URL(getStackInfo().kube.server).port);
}

export interface WatcherProcess {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the watcher logged that its informers synced. */
  synced: Promise<void>;
  logs(): LogLine[];
  /** Raw output, for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** src/watcher/main.ts as a child process, configured through its environment only. */
export function startWatcherProcess(
  env: ExecutionEnv,
  extra: { KUBECONFIG?: string; KUBERNAUT_HTTP_PORT?: string; [name: string]: string | undefined } = {},
): WatcherProcess {
  const child = spawn(process.execPath, ['--require', TSX_HOOK, MAIN], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: getStackInfo().temporal.address,
      TEMPORAL_NAMESPACE: env.temporalNamespace,
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      KUBECONFIG: getStackInfo().kube.identities.watcher,
      KUBERNAUT_WATCH_NAMESPACES: env.namespace,
      KUBERNAUT_EFFECTIVENESS_SHARDS: '1',
      KUBERNAUT_WATCHER_RESYNC_INTERVAL_MS: String(TEST_TIMINGS.resyncIntervalMs),
      KUBERNAUT_WATCH_SILENCE_MS: String(TEST_TIMINGS.watchSilenceMs),
      KUBERNAUT_WATCH_BACKOFF_MAX_MS: String(TEST_TIMINGS.watchBackoffMaxMs),
      KUBERNAUT_WATCHER_RETRY_MAX_MS: String(TEST_TIMINGS.retryMaxMs),
      KUBERNAUT_HTTP_PORT: '0',
      KUBERNAUT_SHUTDOWN_GRACE_MS: '5000',
      KUBERNAUT_LOG_LEVEL: 'info',
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the watcher process');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines: string[] = [];
  const parsed: LogLine[] = [];
  let onSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve, reject) => {
    onSynced = resolve;
    void exited.then(({ code, signal }) =>
      reject(new Error(`watcher process exited (${signal ?? code}) before it synced:\n${lines.slice(-30).join('\n')}`)),
    );
  });
  synced.catch(() => undefined); // observed by whoever awaits it
  const partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const complete = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = complete.pop() ?? '';
    for (const line of complete.filter(Boolean)) {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as LogLine;
        parsed.push(entry);
        if (entry.msg === 'watcher synced: watching') onSynced();
      } catch {
        // not a log line (e.g. a stack trace on stderr): kept in the raw output only
      }
    }
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  return {
    pid: child.pid,
    exited,
    synced,
    logs: () => parsed,
    output: () => lines.slice(-60).join('\n'),
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Workflow ids of the execution workflows in the environment's Temporal namespace, one entry per run. */
export async function executionWorkflowRuns(env: ExecutionEnv): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({
    query: `WorkflowType = '${WORKFLOW_TYPES.workflowExecution}'`,
  })) {
    ids.push(w.workflowId);
  }
  return ids.sort();
}

export async function listWorkflowExecutions(env: ExecutionEnv): Promise<KubernetesObject[]> {
  const list = (await env.customObjects.listNamespacedCustomObject({
    group: 'kubernaut.ai',
    version: 'v1alpha1',
    plural: 'workflowexecutions',
    namespace: env.namespace,
  })) as { items: KubernetesObject[] };
  return list.items;
}

export const phaseOf = (wfe: KubernetesObject | undefined) => (wfe?.status as { phase?: string } | undefined)?.phase;

/** Waits until every WFE named is Completed (fails early, with its status, on one that Failed). */
export async function allCompleted(env: ExecutionEnv, names: string[], timeoutMs: number): Promise<void> {
  await eventually(
    `${names.length} WorkflowExecutions Completed`,
    async () => {
      const byName = new Map((await listWorkflowExecutions(env)).map((w) => [w.metadata.name, w]));
      const failed = names.find((n) => phaseOf(byName.get(n)) === 'Failed');
      if (failed) throw new Error(`${failed} Failed: ${JSON.stringify(byName.get(failed)!.status)}`);
      return names.every((n) => phaseOf(byName.get(n)) === 'Completed') ? true : undefined;
    },
    timeoutMs,
    500,
  );
}

/** PipelineRuns of the environment's namespace, by the uid of the WFE that owns them. */
export async function pipelineRunsByOwner(env: ExecutionEnv): Promise<Map<string, string[]>> {
  const byOwner = new Map<string, string[]>();
  for (const pr of await env.listPipelineRuns(env.namespace)) {
    for (const owner of pr.metadata.ownerReferences ?? []) {
      byOwner.set(owner.uid, [...(byOwner.get(owner.uid) ?? []), pr.metadata.name]);
    }
  }
  return byOwner;
}

/**
 * The exactly-once contract: visibility lists one workflow run per id in `expectedWorkflowIds` and no other
 * (it is eventually consistent, so wait until it lists them all), and each of `wfes` owns one PipelineRun.
 */
export async function expectOneRunAndOnePipelineRunEach(
  env: ExecutionEnv,
  expectedWorkflowIds: string[],
  wfes: KubernetesObject[],
): Promise<void> {
  const expected = [...expectedWorkflowIds].sort();
  const runs = await eventually(
    'the visibility store to list every workflow',
    async () => {
      const ids = await executionWorkflowRuns(env);
      return ids.length >= expected.length ? ids : undefined;
    },
    60_000,
    500,
  );
  expect(runs).toEqual(expected);
  const pipelineRuns = await pipelineRunsByOwner(env);
  for (const w of wfes)
    expect([w.metadata.name, pipelineRuns.get(w.metadata.uid!)?.length]).toEqual([w.metadata.name, 1]);
}
