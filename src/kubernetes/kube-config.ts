/**
 * The Kubernetes client configuration of every process: the kubeconfig file KUBECONFIG names, or the
 * pod's service account (in-cluster) when it names none (DESIGN.md §3); its requests reuse keep-alive
 * connections (connection-reuse.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { withConnectionReuse } from './connection-reuse';

export function loadKubeConfig(kubeconfigPath?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return withConnectionReuse(kc);
}
