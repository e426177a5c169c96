/**
 * Keep-alive connections to the API server. @kubernetes/client-node 1.4 builds a new https.Agent for every
 * request, so every call pays a fresh TCP and TLS handshake (and key parsing): about a quarter of the worker's
 * CPU in bench/execution; per request 3.4–4 ms more of the caller's CPU and 0.9–1.6 ms more of the API
 * server's, which serves a request on a kept connection in 1.2–1.6 ms (`npm run bench:kube-connections`).
 * This gives a KubeConfig one keep-alive agent per distinct server and credentials; every process's KubeConfig
 * gets it (kube-config.ts). Idempotent. Proxied and plain-HTTP clusters keep the library's own behaviour.
 */
import crypto from 'node:crypto';
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

type AgentFactory = (cluster: k8s.Cluster | null, options: https.AgentOptions) => https.Agent;

function fingerprint(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  return crypto.createHash('sha256').update(text).digest('hex');
}

const reusing = new WeakSet<k8s.KubeConfig>();

export function withConnectionReuse(kubeConfig: k8s.KubeConfig): k8s.KubeConfig {
  if (reusing.has(kubeConfig)) return kubeConfig;
  reusing.add(kubeConfig);
  // createAgent is private in the typings but is the library's one place that builds agents.
  const target = kubeConfig as unknown as { createAgent: AgentFactory };
  const original = target.createAgent.bind(kubeConfig);
  const agents = new Map<string, https.Agent>();
  target.createAgent = (cluster, options) => {
    if (!cluster?.server?.startsWith('https:') || cluster.proxyUrl) return original(cluster, options);
    const key = [
      cluster.server,
      options.servername,
      options.rejectUnauthorized,
      fingerprint(options.ca),
      fingerprint(options.cert),
      fingerprint(options.key),
      fingerprint(options.pfx),
    ].join('|');
    let agent = agents.get(key);
    if (!agent) {
      agent = new https.Agent({ ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return kubeConfig;
}
