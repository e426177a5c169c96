/**
 * The project's own processes for the demo and for exploring the local stack: the worker and the watcher,
 * each a detached process with a pid file and a log in the stack directory, so `npm run demo -- --keep` can
 * leave them running and `npm run stack -- down` stops them. Each runs as its `deploy/` ServiceAccount.
 */
import path from 'node:path';
import type { StackLayout } from '../stack/layout';
import { PROJECT_ROOT } from '../stack/layout';
import { logTail, runningPid, startDaemon, stopDaemon } from '../stack/processes';
import type { StackInfo } from '../stack/stack';

export const COMPONENTS = ['worker', 'watcher'] as const;
export type Component = (typeof COMPONENTS)[number];

const ENTRY_POINTS: Record<Component, string> = {
  worker: 'src/workers/main.ts',
  watcher: 'src/watcher/main.ts',
};

/** Ports of the components' /metrics /healthz /readyz, away from the production defaults (9464/9465). */
export const COMPONENT_HTTP_PORTS = { worker: 19464, watcher: 19465, workerSdkMetrics: 19466 } as const;

export interface ComponentSettings {
  stackInfo: StackInfo;
  /** The only namespace the demo's worker and watcher serve: WFEs others left in a shared stack stay alone. */
  namespace: string;
  stabilizationMs: number;
}

function environment(component: Component, s: ComponentSettings): NodeJS.ProcessEnv {
  const common = {
    ...process.env,
    TEMPORAL_ADDRESS: s.stackInfo.temporal.address,
    TEMPORAL_NAMESPACE: s.stackInfo.temporal.namespace,
    KUBECONFIG: s.stackInfo.kube.identities[component],
    KUBERNAUT_WATCH_NAMESPACES: s.namespace,
    DATABASE_URL: s.stackInfo.postgres.url,
    KUBERNAUT_LOG_LEVEL: 'info',
  };
  switch (component) {
    case 'worker':
      return {
        ...common,
        KUBERNAUT_HTTP_PORT: String(COMPONENT_HTTP_PORTS.worker),
        KUBERNAUT_SDK_METRICS_PORT: String(COMPONENT_HTTP_PORTS.workerSdkMetrics),
        KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: String(s.stabilizationMs),
      };
    case 'watcher':
      return {
        ...common,
        KUBERNAUT_HTTP_PORT: String(COMPONENT_HTTP_PORTS.watcher),
        KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: String(s.stabilizationMs),
      };
  }
}

/** Starts the component unless it already runs; returns whether it was started now. */
export function startComponent(component: Component, layout: StackLayout, settings: ComponentSettings): boolean {
  if (runningPid(layout.pids, component) !== undefined) return false;
  startDaemon({
    name: component,
    // One process: node with tsx's require hook (tsx's CLI would fork a child a SIGKILL could orphan).
    command: process.execPath,
    args: ['--require', require.resolve('tsx/cjs'), path.join(PROJECT_ROOT, ENTRY_POINTS[component])],
    env: environment(component, settings),
    cwd: PROJECT_ROOT,
    pidDir: layout.pids,
    logDir: layout.logs,
  });
  return true;
}

export async function stopComponents(layout: StackLayout, log: (l: string) => void = () => undefined): Promise<void> {
  for (const c of [...COMPONENTS].reverse()) {
    if (await stopDaemon(layout.pids, c, 35_000)) log(`stopped ${c}`);
  }
}

export function componentRunning(layout: StackLayout, component: Component): boolean {
  return runningPid(layout.pids, component) !== undefined;
}

export function componentLog(layout: StackLayout, component: Component): string {
  return logTail(layout.logs, component, 20);
}
