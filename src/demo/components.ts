/**
 * The project's own processes for the demo and for exploring the local stack: the worker and the watcher,
 * each a detached process with a pid file and a log in the stack directory, so `npm run demo -- --keep` can
 * leave them running and `npm run stack -- down` stops them. Each runs as its `deploy/` ServiceAccount, in
 * the demo's own Temporal namespace and Kubernetes namespace.
 */
import path from 'node:path';
import type { StackConfig } from '../stack/config';
import type { StackLayout } from '../stack/layout';
import { PROJECT_ROOT } from '../stack/layout';
import { logTail, runningPid, startDaemon, stopDaemon } from '../stack/processes';
import { assertPortFree } from '../stack/readiness';
import type { StackInfo } from '../stack/stack';

export const COMPONENTS = ['worker', 'watcher'] as const;
export type Component = (typeof COMPONENTS)[number];

const ENTRY_POINTS: Record<Component, string> = {
  worker: 'src/workers/main.ts',
  watcher: 'src/watcher/main.ts',
};

export interface ComponentHttpPorts {
  worker: number;
  watcher: number;
  workerSdkMetrics: number;
}

/**
 * Ports of the components' /metrics /healthz /readyz: from KUBERNAUT_STACK_DEMO_PORT, so they move with the
 * stack's other ports (two stacks side by side, each with its demo) and stay off the production defaults.
 */
export function componentHttpPorts(config: Pick<StackConfig, 'demoPort'>): ComponentHttpPorts {
  return { worker: config.demoPort, watcher: config.demoPort + 1, workerSdkMetrics: config.demoPort + 2 };
}

export interface ComponentSettings {
  stackInfo: StackInfo;
  /** The Temporal namespace the demo's worker and watcher use: work others left in `default` stays alone. */
  temporalNamespace: string;
  /** The only Kubernetes namespace they serve: WFEs others left in a shared stack stay alone. */
  namespace: string;
  stabilizationMs: number;
  ports: ComponentHttpPorts;
  /** OTEL_* variables of the demo's own trace receiver; a user's OTEL_* pass through from the environment. */
  tracingEnv?: Record<string, string>;
}

/** The environment a component is configured by, as a Deployment would set it. */
export function componentEnvironment(component: Component, s: ComponentSettings): NodeJS.ProcessEnv {
  const common = {
    ...process.env,
    TEMPORAL_ADDRESS: s.stackInfo.temporal.address,
    TEMPORAL_NAMESPACE: s.temporalNamespace,
    KUBECONFIG: s.stackInfo.kube.identities[component],
    KUBERNAUT_WATCH_NAMESPACES: s.namespace,
    DATABASE_URL: s.stackInfo.postgres.url,
    KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: String(s.stabilizationMs),
    KUBERNAUT_LOG_LEVEL: 'info',
    ...s.tracingEnv,
  };
  switch (component) {
    case 'worker':
      return {
        ...common,
        KUBERNAUT_HTTP_PORT: String(s.ports.worker),
        KUBERNAUT_SDK_METRICS_PORT: String(s.ports.workerSdkMetrics),
      };
    case 'watcher':
      return { ...common, KUBERNAUT_HTTP_PORT: String(s.ports.watcher) };
  }
}

/** Starts the component unless it already runs; returns whether it was started now. */
export async function startComponent(
  component: Component,
  layout: StackLayout,
  settings: ComponentSettings,
): Promise<boolean> {
  if (runningPid(layout.pids, component) !== undefined) return false;
  const ports: number[] =
    component === 'worker' ? [settings.ports.worker, settings.ports.workerSdkMetrics] : [settings.ports.watcher];
  for (const port of ports) await assertPortFree(port, `the demo's ${component}`, 'KUBERNAUT_STACK_DEMO_PORT');
  startDaemon({
    name: component,
    // One process: node with tsx's require hook (tsx's CLI would fork a child a SIGKILL could orphan).
    command: process.execPath,
    args: ['--require', require.resolve('tsx/cjs'), path.join(PROJECT_ROOT, ENTRY_POINTS[component])],
    env: componentEnvironment(component, settings),
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
