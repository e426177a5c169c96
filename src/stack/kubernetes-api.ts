/**
 * A real Kubernetes API server for custom resources: etcd plus `apiextensions-apiserver`, which serves CRDs
 * with real semantics (watch + resourceVersion, status subresource, schema validation and pruning, CEL rules,
 * 409 conflicts, finalizers) but no core/v1, RBAC or garbage collection.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import YAML from 'yaml';
import type { Certificates } from './certificates';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon } from './processes';
import { portInUse, waitFor } from './readiness';

function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  return portInUse(port).then((used) => {
    if (used) {
      throw new Error(
        `port ${port} needed for ${what} is already in use by another program; ` +
          `stop it or choose another port with ${envVar}=<port>`,
      );
    }
  });
}

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
        '--logger=zap',
        '--log-level=warn',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
      // Debian's etcd 3.4 refuses to start on arm64 without this; harmless elsewhere.
      env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' },
    });
  }
  await waitFor('etcd', () => etcdHealthy(config.etcdPort), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'etcd'),
  });
}

function apiserverHealthy(port: number, certs: Certificates): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: '/healthz',
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

/** A kubeconfig pointing nowhere: the server wants one for delegated authn/authz it never reaches. */
function writeUnreachableKubeconfig(file: string): void {
  fs.writeFileSync(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'none', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'none', user: {} }],
      contexts: [{ name: 'none', context: { cluster: 'none', user: 'none' } }],
      'current-context': 'none',
    }),
  );
}

export function writeKubeconfig(file: string, port: number, certs: Certificates): void {
  const b64 = (p: string) => fs.readFileSync(p).toString('base64');
  fs.writeFileSync(
    file,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'kubernaut-stack',
          cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': b64(certs.caCert) },
        },
      ],
      users: [
        {
          name: 'kubernaut-stack-admin',
          user: { 'client-certificate-data': b64(certs.clientCert), 'client-key-data': b64(certs.clientKey) },
        },
      ],
      contexts: [{ name: 'kubernaut-stack', context: { cluster: 'kubernaut-stack', user: 'kubernaut-stack-admin' } }],
      'current-context': 'kubernaut-stack',
    }),
    { mode: 0o600 },
  );
}

export async function startApiserver(
  apiserver: string,
  certs: Certificates,
  config: StackConfig,
  layout: StackLayout,
): Promise<void> {
  if (runningPid(layout.pids, 'apiserver') === undefined) {
    await assertPortFree(backendPort(config), 'the Kubernetes API server', 'KUBERNAUT_STACK_APISERVER_PORT');
    const unreachable = path.join(layout.certs, 'unreachable.kubeconfig');
    writeUnreachableKubeconfig(unreachable);
    startDaemon({
      name: 'apiserver',
      command: apiserver,
      args: [
        `--etcd-servers=http://127.0.0.1:${config.etcdPort}`,
        '--etcd-prefix=/kubernaut-stack',
        '--bind-address=127.0.0.1',
        `--secure-port=${backendPort(config)}`,
        `--tls-cert-file=${certs.serverCert}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--client-ca-file=${certs.caCert}`,
        '--authentication-skip-lookup',
        `--authentication-kubeconfig=${unreachable}`,
        `--authorization-kubeconfig=${unreachable}`,
        `--kubeconfig=${unreachable}`,
        '--enable-priority-and-fairness=false',
        '--disable-admission-plugins=NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,MutatingAdmissionPolicy',
        '-v=1',
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  // /readyz never turns green without core/v1; /healthz does.
  await waitFor('Kubernetes API server', () => apiserverHealthy(backendPort(config), certs), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'apiserver'),
  });
  if (runningPid(layout.pids, 'discovery-front') === undefined) {
    await assertPortFree(config.apiserverPort, 'the Kubernetes API server', 'KUBERNAUT_STACK_APISERVER_PORT');
    startDaemon({
      name: 'discovery-front',
      command: process.execPath,
      // One process (not tsx's CLI, which forks a child that a SIGKILL of the pid would orphan).
      args: [
        '--require',
        require.resolve('tsx/cjs'),
        path.join(__dirname, 'discovery-front.ts'),
        JSON.stringify({ listenPort: config.apiserverPort, backendPort: backendPort(config), ...certs }),
      ],
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor('Kubernetes API discovery front', () => apiserverHealthy(config.apiserverPort, certs), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'discovery-front'),
  });
  writeKubeconfig(layout.kubeconfig, config.apiserverPort, certs);
}

/** The real server listens one port above the public one; clients talk to the discovery front. */
function backendPort(config: StackConfig): number {
  return config.apiserverPort + 1;
}
