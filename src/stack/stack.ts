/**
 * The local stack as one unit: the Temporal dev server with its Web UI; a Kubernetes control plane
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK as the kubelet of a fake node) with
 * the project's CRDs and the RBAC of `deploy/`; Tekton Pipelines' own controller and admission webhook; a
 * local OCI registry with the action images; PostgreSQL with the schema migrated. `up` is idempotent
 * (healthy parts are reused, manifests re-applied), `down` stops everything it started, from pid files,
 * even after a crash.
 */
import fs from 'node:fs';
import { runMigrations } from '../datastorage/migrate';
import { ensureCertificates } from './certificates';
import { startCluster, type TektonMode } from './cluster';
import { loadStackConfig, type StackConfig } from './config';
import type { Identity } from './identities';
import { stackLayout, type StackLayout } from './layout';
import { runningPid, stopDaemon } from './processes';
import { postgresPid, postgresRunning, startPostgres, stopPostgres } from './postgres';
import { pushActionImages, startRegistry, type RegistryInfo } from './registry';
import { startTemporal, temporalMetricsPort, TEMPORAL_NAMESPACE } from './temporal-server';
import { ensureTools, type Log } from './tools';

export interface StackInfo {
  /** `metricsUrl`: the dev server's Prometheus metrics. */
  temporal: { address: string; namespace: string; uiUrl: string; metricsUrl: string };
  kube: {
    /** Admin kubeconfig (client certificate in system:masters). */
    kubeconfigPath: string;
    server: string;
    /** Kubeconfigs with the ServiceAccount tokens of the worker's and the watcher's deploy/ identities. */
    identities: Record<Identity, string>;
    /** Who runs PipelineRuns: Tekton's controller, or nobody until the in-repo simulator is started. */
    tekton: TektonMode;
    /** kubectl of the API server's version, built with the stack's tools. */
    kubectl: string;
  };
  registry: RegistryInfo;
  postgres: { url: string; embedded: boolean };
  startedAt: string;
}

/** The stack's servers, stopped in this order: clients of the API server first, etcd last. */
export const DAEMONS = [
  'temporal',
  'tekton-controller',
  'tekton-webhook',
  'kwok',
  'kube-scheduler',
  'kube-controller-manager',
  'kube-apiserver',
  'registry',
  'etcd',
] as const;

/** Tekton's webhook drains for ~40 s after SIGTERM; nothing of it is worth waiting for. */
const STOP_GRACE_MS: Partial<Record<(typeof DAEMONS)[number], number>> = { 'tekton-webhook': 2_000 };

export async function stackUp(
  opts: { log?: Log; config?: StackConfig; layout?: StackLayout } = {},
): Promise<StackInfo> {
  const log = opts.log ?? console.log;
  const config = opts.config ?? loadStackConfig();
  const layout = opts.layout ?? stackLayout();
  const started = Date.now();
  const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const result = await work();
    log(`${what} ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return result;
  };

  const tools = ensureTools(log);
  for (const dir of [layout.root, layout.pids, layout.logs]) fs.mkdirSync(dir, { recursive: true });
  const certs = ensureCertificates(tools.openssl, layout.certs);

  const registry = step('OCI registry with the action images', async () =>
    pushActionImages(tools.crane, await startRegistry(tools.crane, config, layout)),
  );
  const kubernetes = step(`Kubernetes control plane, KWOK node and Tekton (${config.tekton})`, () =>
    startCluster(tools, certs, config, layout),
  );
  const temporal = step('Temporal dev server', () => startTemporal(tools.temporal, config, layout));
  const postgres = step('PostgreSQL', async () => {
    const pg = await startPostgres(config, layout);
    await runMigrations({ databaseUrl: pg.url }); // the Data Storage schema, by its migration tool
    return pg;
  });
  const [cluster, images, , pg] = await Promise.all([kubernetes, registry, temporal, postgres]);

  const info: StackInfo = {
    temporal: {
      address: `127.0.0.1:${config.temporalPort}`,
      namespace: TEMPORAL_NAMESPACE,
      uiUrl: `http://127.0.0.1:${config.temporalUiPort}`,
      metricsUrl: `http://127.0.0.1:${temporalMetricsPort(config)}/metrics`,
    },
    kube: {
      kubeconfigPath: layout.kubeconfig,
      server: `https://127.0.0.1:${config.apiserverPort}`,
      identities: cluster.identities,
      tekton: config.tekton,
      kubectl: tools.kubectl,
    },
    registry: images,
    postgres: pg,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(layout.info, JSON.stringify(info, null, 2) + '\n');
  log(`CRDs: ${cluster.crds.join(', ')}`);
  log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return info;
}

/** Processes started beside the stack with a pid file in its directory (the demo's worker and watcher). */
function besideTheStack(layout: StackLayout): string[] {
  if (!fs.existsSync(layout.pids)) return [];
  return fs
    .readdirSync(layout.pids)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4))
    .filter((name) => !(DAEMONS as readonly string[]).includes(name))
    .sort();
}

export async function stackDown(opts: { log?: Log; layout?: StackLayout } = {}): Promise<void> {
  const log = opts.log ?? console.log;
  const layout = opts.layout ?? stackLayout();
  // Processes started beside the stack (the demo's worker and watcher) first, then Temporal (it holds
  // workers' connections), then the API server's clients, the API server, and etcd last.
  for (const name of besideTheStack(layout)) if (await stopDaemon(layout.pids, name)) log(`stopped ${name}`);
  for (const name of DAEMONS) {
    if (await stopDaemon(layout.pids, name, STOP_GRACE_MS[name])) log(`stopped ${name}`);
  }
  if (await stopPostgres(layout)) log('stopped PostgreSQL');
  fs.rmSync(layout.info, { force: true });
}

export interface StackStatus {
  /** Every server of the stack, and whether it runs. */
  running: Record<string, boolean>;
  /** Pids of what runs: the servers and the processes started beside them (the demo's worker, watcher). */
  pids: Record<string, number>;
  info?: StackInfo;
}

export function stackStatus(layout: StackLayout = stackLayout()): StackStatus {
  const running: Record<string, boolean> = {};
  const pids: Record<string, number> = {};
  for (const name of [...DAEMONS, ...besideTheStack(layout)]) {
    const pid = runningPid(layout.pids, name);
    if ((DAEMONS as readonly string[]).includes(name)) running[name] = pid !== undefined;
    if (pid !== undefined) pids[name] = pid;
  }
  running.postgres = postgresRunning(layout);
  const pg = postgresPid(layout);
  if (pg !== undefined) pids.postgres = pg;
  const info = fs.existsSync(layout.info) ? (JSON.parse(fs.readFileSync(layout.info, 'utf8')) as StackInfo) : undefined;
  if (info && !info.postgres.embedded) running.postgres = true; // an external server is not ours to watch
  return { running, pids, info };
}

export function readStackInfo(layout: StackLayout = stackLayout()): StackInfo | undefined {
  return stackStatus(layout).info;
}
