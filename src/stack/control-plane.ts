/**
 * A real Kubernetes control plane on 127.0.0.1, without a container runtime: etcd 3.5, kube-apiserver
 * (client-certificate and ServiceAccount-token authentication, RBAC authorization, the Events API, admission
 * including ValidatingAdmissionPolicy), kube-controller-manager with the controllers the project relies on
 * (ServiceAccounts and their tokens, garbage collection through owner references, namespace lifecycle,
 * the root CA ConfigMap), and kube-scheduler to bind pods to KWOK's fake node (kwok.ts).
 */
import fs from 'node:fs';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../kubernetes/kube-config';
import type { Certificates } from './certificates';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon } from './processes';
import { assertPortFree, waitFor } from './readiness';

/** Service IPs; kept apart from KWOK's pod CIDR (10.0.0.0/24). */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

async function etcdHealthy(port: number): Promise<true | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  const body = (await res.json()) as { health?: string };
  return body.health === 'true' ? true : undefined;
}

export async function startEtcd(etcd: string, config: StackConfig, layout: StackLayout): Promise<void> {
  if (runningPid(layout.pids, 'etcd') === undefined) {
    await assertPortFree(config.etcdPort, 'etcd', 'KUBERNAUT_STACK_ETCD_PORT');
    const client = `http://127.0.0.1:${config.etcdPort}`;
    const peer = `http://127.0.0.1:${config.etcdPeerPort}`;
    startDaemon({
      name: 'etcd',
      command: etcd,
      args: [
        '--name=kubernaut-stack',
        `--data-dir=${layout.etcdData}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=kubernaut-stack=${peer}`,
        // A throwaway development store: durability of each write is not worth an fsync on a shared disk.
        '--unsafe-no-fsync',
        '--logger=zap',
        '--log-level=warn',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor('etcd', () => etcdHealthy(config.etcdPort), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'etcd'),
  });
}

function apiserverHealthy(port: number, certs: Certificates, check: string): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: check,
        ca: fs.readFileSync(certs.caCert),
        cert: fs.readFileSync(certs.clientCert),
        key: fs.readFileSync(certs.clientKey),
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? true : undefined);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

export async function startKubeApiserver(
  apiserver: string,
  certs: Certificates,
  config: StackConfig,
  layout: StackLayout,
): Promise<void> {
  if (runningPid(layout.pids, 'kube-apiserver') === undefined) {
    await assertPortFree(config.apiserverPort, 'the Kubernetes API server', 'KUBERNAUT_STACK_APISERVER_PORT');
    startDaemon({
      name: 'kube-apiserver',
      command: apiserver,
      args: [
        `--etcd-servers=http://127.0.0.1:${config.etcdPort}`,
        '--etcd-prefix=/kubernaut-stack',
        '--bind-address=127.0.0.1',
        `--secure-port=${config.apiserverPort}`,
        `--tls-cert-file=${certs.serverCert}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--client-ca-file=${certs.caCert}`,
        '--authorization-mode=RBAC',
        // On top of the default admission plugins: setting blockOwnerDeletion on an owner reference (the
        // PipelineRun's, to its WFE) needs `update` on the owner's finalizers, as on hardened clusters.
        '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${certs.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${certs.serviceAccountKey}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        // Nothing runs in pods here: the `kubernetes` Service needs no endpoints (and 127.0.0.1 is not one).
        '--endpoint-reconciler-type=none',
        // Fewer moving parts on two shared cores; every request is still authenticated and authorized.
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        '--v=1',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor('Kubernetes API server', () => apiserverHealthy(config.apiserverPort, certs, '/readyz'), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'kube-apiserver'),
  });
}

export async function startControllerManager(
  controllerManager: string,
  certs: Certificates,
  kubeconfig: string,
  config: StackConfig,
  layout: StackLayout,
): Promise<void> {
  if (runningPid(layout.pids, 'kube-controller-manager') === undefined) {
    startDaemon({
      name: 'kube-controller-manager',
      command: controllerManager,
      args: [
        `--kubeconfig=${kubeconfig}`,
        // What the project relies on: ServiceAccounts (and their token Secrets), garbage collection of owned
        // objects (a PipelineRun whose WFE is gone), namespace deletion, the CA bundle for in-cluster clients.
        '--controllers=serviceaccount-controller,serviceaccount-token-controller,garbage-collector-controller,namespace-controller,root-ca-certificate-publisher-controller',
        '--leader-elect=false',
        `--root-ca-file=${certs.caCert}`,
        `--service-account-private-key-file=${certs.serviceAccountKey}`,
        '--secure-port=0',
        '--v=1',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  // Ready when its ServiceAccount controller has given the `default` namespace its `default` account.
  const core = loadKubeConfig(kubeconfig).makeApiClient(k8s.CoreV1Api);
  await waitFor(
    'kube-controller-manager (ServiceAccount default/default)',
    async () =>
      (await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' })) ? true : undefined,
    { timeoutMs: config.startTimeoutMs, onTimeout: () => logTail(layout.logs, 'kube-controller-manager') },
  );
}

export function startScheduler(scheduler: string, kubeconfig: string, layout: StackLayout): void {
  if (runningPid(layout.pids, 'kube-scheduler') !== undefined) return;
  startDaemon({
    name: 'kube-scheduler',
    command: scheduler,
    args: [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0', '--v=1'],
    pidDir: layout.pids,
    logDir: layout.logs,
  });
}
