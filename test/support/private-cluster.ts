/**
 * A Kubernetes cluster of a test file's own, beside the run's stack: etcd, kube-apiserver, the
 * controller-manager and KWOK in a temporary state directory on free ports, with Tekton's CRDs but not its
 * controller — for the in-repo Tekton simulator, which must not share an API server with a real Tekton
 * (src/stack/cluster.ts). Stopped and removed by `stop()`.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ensureCertificates } from '../../src/stack/certificates';
import { startCluster } from '../../src/stack/cluster';
import { loadStackConfig } from '../../src/stack/config';
import { stackLayout } from '../../src/stack/layout';
import { stackDown } from '../../src/stack/stack';
import { ensureTools } from '../../src/stack/tools';

export interface PrivateCluster {
  kubeConfig: k8s.KubeConfig;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-cluster-'));
  const layout = stackLayout(dir);
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const config = loadStackConfig({
    KUBERNAUT_STACK_ETCD_PORT: String(ports[0]),
    KUBERNAUT_STACK_ETCD_PEER_PORT: String(ports[1]),
    KUBERNAUT_STACK_APISERVER_PORT: String(ports[2]),
    KUBERNAUT_STACK_TEKTON: 'simulator',
  });
  const quiet = () => undefined;
  const stop = async () => {
    await stackDown({ layout, log: quiet });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tools = ensureTools(quiet);
    for (const d of [layout.root, layout.pids, layout.logs]) fs.mkdirSync(d, { recursive: true });
    await startCluster(tools, ensureCertificates(tools.openssl, layout.certs), config, layout);
  } catch (err) {
    await stop();
    throw err;
  }
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(layout.kubeconfig);
  return { kubeConfig, stop };
}
