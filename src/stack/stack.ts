/**
 * The local stack as one unit: Temporal dev server + Web UI, etcd + Kubernetes API server with the project's
 * and Tekton's CRDs, PostgreSQL with the schema migrated. `up` is idempotent (healthy parts are reused),
 * `down` stops everything it started, from pid files, even after a crash.
 */
import fs from 'node:fs';
import { runMigrations } from '../datastorage/migrate';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { ensureCertificates } from './certificates';
import { loadStackConfig, type StackConfig } from './config';
import { installCrds, readCrdFiles } from './crds';
import { startApiserver, startEtcd } from './kubernetes-api';
import { CRD_DIR, stackLayout, type StackLayout } from './layout';
import { runningPid, stopDaemon } from './processes';
import { postgresRunning, startPostgres, stopPostgres } from './postgres';
import { startTemporal, TEMPORAL_NAMESPACE } from './temporal-server';
import { ensureTools, type Log } from './tools';

export interface StackInfo {
  temporal: { address: string; namespace: string; uiUrl: string };
  kube: { kubeconfigPath: string; server: string };
  postgres: { url: string; embedded: boolean };
  startedAt: string;
}

const DAEMONS = ['temporal', 'discovery-front', 'apiserver', 'etcd'] as const;

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

  const kubernetes = step('Kubernetes API server (etcd + apiextensions-apiserver + CRDs)', async () => {
    await startEtcd(tools.etcd, config, layout);
    await startApiserver(tools.apiserver, certs, config, layout);
    const crds = [...readCrdFiles(CRD_DIR), ...readCrdFiles(tools.tektonCrds)];
    return installCrds(loadKubeConfig(layout.kubeconfig), crds, config.startTimeoutMs);
  });
  const temporal = step('Temporal dev server', () => startTemporal(tools.temporal, config, layout));
  const postgres = step('PostgreSQL', async () => {
    const pg = await startPostgres(config, layout);
    await runMigrations({ databaseUrl: pg.url }); // the Data Storage schema, by its migration tool
    return pg;
  });
  const [crdNames, , pg] = await Promise.all([kubernetes, temporal, postgres]);

  const info: StackInfo = {
    temporal: {
      address: `127.0.0.1:${config.temporalPort}`,
      namespace: TEMPORAL_NAMESPACE,
      uiUrl: `http://127.0.0.1:${config.temporalUiPort}`,
    },
    kube: { kubeconfigPath: layout.kubeconfig, server: `https://127.0.0.1:${config.apiserverPort}` },
    postgres: pg,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(layout.info, JSON.stringify(info, null, 2) + '\n');
  log(`CRDs: ${crdNames.join(', ')}`);
  log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return info;
}

export async function stackDown(opts: { log?: Log; layout?: StackLayout } = {}): Promise<void> {
  const log = opts.log ?? console.log;
  const layout = opts.layout ?? stackLayout();
  // Processes started beside the stack (the demo's worker, watcher and simulator) first, then Temporal
  // (it holds workers' connections), then the API server before its etcd.
  const others = fs.existsSync(layout.pids)
    ? fs
        .readdirSync(layout.pids)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
        .filter((name) => !(DAEMONS as readonly string[]).includes(name))
    : [];
  for (const name of [...others, ...DAEMONS]) {
    if (await stopDaemon(layout.pids, name)) log(`stopped ${name}`);
  }
  if (await stopPostgres(layout)) log('stopped PostgreSQL');
  fs.rmSync(layout.info, { force: true });
}

export interface StackStatus {
  running: Record<string, boolean>;
  info?: StackInfo;
}

export function stackStatus(layout: StackLayout = stackLayout()): StackStatus {
  const running: Record<string, boolean> = {};
  for (const name of DAEMONS) running[name] = runningPid(layout.pids, name) !== undefined;
  running.postgres = postgresRunning(layout);
  const info = fs.existsSync(layout.info) ? (JSON.parse(fs.readFileSync(layout.info, 'utf8')) as StackInfo) : undefined;
  if (info && !info.postgres.embedded) running.postgres = true; // an external server is not ours to watch
  return { running, info };
}

export function readStackInfo(layout: StackLayout = stackLayout()): StackInfo | undefined {
  return stackStatus(layout).info;
}
