/**
 * Counting one process's requests to the Kubernetes API server, and only its: a private counting proxy
 * (counting-proxy.ts) in front of the stack's API server, with a kubeconfig of its own — the process's
 * `deploy/` identity (ServiceAccount token) pointed at the proxy — that only that process uses. The proxy
 * counts requests by verb at `GET /kubernaut-stack/requests`; a watch is one request however long it streams.
 * Requests of other users of the shared stack and of the bench itself are not counted here.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Certificates } from '../../src/stack/certificates';
import * as k8s from '@kubernetes/client-node';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { freePort } from '../../src/stack/free-port';
import { waitFor } from '../../src/stack/readiness';
import { spawnEntry, type ChildProcessHandle } from './child-process';

export type RequestCounts = Record<string, number>;

export interface RequestCounter {
  /** A kubeconfig whose server is the counting front. */
  kubeconfigPath: string;
  /** Pid of the counting front (it proxies every worker request: its CPU is part of the cost). */
  pid: number;
  counts(): Promise<RequestCounts>;
  close(): Promise<void>;
}

function getJson<T>(port: number, certs: Certificates, urlPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        ca: fs.readFileSync(certs.caCert),
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

export async function startRequestCounter(opts: {
  certs: Certificates;
  /** The API server's port. */
  backendPort: number;
  /** The kubeconfig (identity) of the process whose requests are counted. */
  identityKubeconfig: string;
}): Promise<RequestCounter> {
  const port = await freePort();
  const front: ChildProcessHandle = spawnEntry(
    'bench/execution/counting-proxy.ts',
    [JSON.stringify({ listenPort: port, backendPort: opts.backendPort, ...opts.certs })],
    process.env,
    'counting proxy',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernaut-bench-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const identity = loadKubeConfig(opts.identityKubeconfig);
  const cluster = identity.getCurrentCluster()!;
  const proxied = new k8s.KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: identity.users,
    contexts: identity.contexts,
    currentContext: identity.currentContext,
  });
  fs.writeFileSync(kubeconfigPath, proxied.exportConfig(), { mode: 0o600 });
  try {
    await waitFor('counting proxy', () => getJson<RequestCounts>(port, opts.certs, '/kubernaut-stack/requests'), {
      timeoutMs: 30_000,
      onTimeout: front.output,
    });
  } catch (err) {
    await front.stop();
    throw err;
  }
  return {
    kubeconfigPath,
    pid: front.pid,
    counts: () => getJson<RequestCounts>(port, opts.certs, '/kubernaut-stack/requests'),
    async close() {
      await front.stop(2_000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `after - before`, per verb and in total. */
export function requestDelta(before: RequestCounts, after: RequestCounts): { total: number; byVerb: RequestCounts } {
  const byVerb: RequestCounts = {};
  for (const verb of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const n = (after[verb] ?? 0) - (before[verb] ?? 0);
    if (n !== 0) byVerb[verb] = n;
  }
  return { total: Object.values(byVerb).reduce((a, b) => a + b, 0), byVerb };
}
