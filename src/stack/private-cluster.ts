/**
 * A Kubernetes cluster of its own, beside the shared stack: etcd, kube-apiserver, the controller-manager
 * and KWOK in a temporary state directory on free ports, with Tekton's CRDs but not its controller — for
 * the in-repo Tekton simulator (its own tests, `bench:execution --tekton simulator`), which must not share
 * an API server with a real Tekton (cluster.ts). Stopped and removed by `stop()`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../kubernetes/kube-config';
import { ensureCertificates, type Certificates } from './certificates';
import { freePort } from './free-port';
import { startCluster } from './cluster';
import { loadStackConfig } from './config';
import type { Identity } from './identities';
import { stackLayout, type StackLayout } from './layout';
import { stackDown } from './stack';
import { ensureTools } from './tools';

export interface PrivateCluster {
  kubeConfig: k8s.KubeConfig;
  kubeconfigPath: string;
  /** Token kubeconfigs of the worker's and the watcher's deploy/ identities. */
  identities: Record<Identity, string>;
  apiserverPort: number;
  certs: Certificates;
  layout: StackLayout;
  stop(): Promise<void>;
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
    const certs = ensureCertificates(tools.openssl, layout.certs);
    const { identities } = await startCluster(tools, certs, config, layout);
    const kubeConfig = loadKubeConfig(layout.kubeconfig);
    return {
      kubeConfig,
      kubeconfigPath: layout.kubeconfig,
      identities,
      apiserverPort: config.apiserverPort,
      certs,
      layout,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
