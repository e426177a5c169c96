/**
 * The Kubernetes client configuration of every process: the kubeconfig file KUBECONFIG names, or the
 * pod's service account (in-cluster) when it names none (DESIGN.md §3).
 */
import * as k8s from '@kubernetes/client-node';

export function loadKubeConfig(kubeconfigPath?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}
