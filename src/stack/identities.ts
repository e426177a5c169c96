/**
 * The project's processes run on the stack under the identities `deploy/` gives them in a cluster: the
 * RBAC of `deploy/rbac/` (Namespace, ServiceAccounts, least-privilege ClusterRoles and bindings, the
 * requester ClusterRole the admission policy asks for) is applied as shipped, and each ServiceAccount
 * gets a token from the TokenRequest API in a kubeconfig of its own.
 * A rule missing from `deploy/` therefore fails a test with 403, as it would in production.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyManifests, readManifests } from './apply';
import type { Certificates } from './certificates';
import { writeTokenKubeconfig } from './kubeconfigs';
import { PROJECT_ROOT } from './layout';

export const DEPLOY_RBAC_DIR = path.join(PROJECT_ROOT, 'deploy', 'rbac');

/** The processes with an identity of their own, and their ServiceAccounts in deploy/rbac/. */
export const IDENTITIES = {
  worker: { namespace: 'kubernaut-system', serviceAccount: 'kubernaut-worker' },
  watcher: { namespace: 'kubernaut-system', serviceAccount: 'kubernaut-watcher' },
} as const;
export type Identity = keyof typeof IDENTITIES;

/** Long enough for a stack left up for days; every `stack up` issues fresh ones. */
const TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export function identityKubeconfigPath(root: string, identity: Identity): string {
  return path.join(root, `kubeconfig-${identity}`);
}

/** Every file `deploy/rbac/kustomization.yaml` lists, in its order (the Namespace first). */
export async function applyDeployRbac(kc: k8s.KubeConfig): Promise<void> {
  const [kustomization] = readManifests(path.join(DEPLOY_RBAC_DIR, 'kustomization.yaml')) as unknown as {
    resources: string[];
  }[];
  const files = kustomization.resources.map((f) => path.join(DEPLOY_RBAC_DIR, f));
  await applyManifests(kc, files.flatMap(readManifests));
}

/** Writes one kubeconfig per identity with a fresh ServiceAccount token; returns their paths. */
export async function writeIdentityKubeconfigs(
  kc: k8s.KubeConfig,
  root: string,
  port: number,
  certs: Certificates,
): Promise<Record<Identity, string>> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const paths = {} as Record<Identity, string>;
  for (const [identity, { namespace, serviceAccount }] of Object.entries(IDENTITIES) as [
    Identity,
    (typeof IDENTITIES)[Identity],
  ][]) {
    const request = await core.createNamespacedServiceAccountToken({
      namespace,
      name: serviceAccount,
      body: { spec: { audiences: [], expirationSeconds: TOKEN_LIFETIME_SECONDS } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    const file = identityKubeconfigPath(root, identity);
    writeTokenKubeconfig(file, port, certs, `system:serviceaccount:${namespace}:${serviceAccount}`, token);
    paths[identity] = file;
  }
  return paths;
}
