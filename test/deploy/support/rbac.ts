/**
 * What a ServiceAccount may do, from the RBAC objects of a set of manifests: the rules of every Role and
 * ClusterRole bound to it, expanded to (group, resource, verb) triples. Wildcards, resourceNames and
 * nonResourceURLs are reported as they are found: least privilege here means exact grants.
 */
import type { KubernetesPermission } from './kubernetes-api-usage';
import type { KubernetesManifest } from './kustomize';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Binding extends KubernetesManifest {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

export interface GrantedPermission extends KubernetesPermission {
  /** `ClusterRole/name` (via its binding) the permission comes from. */
  from: string;
  /** Where it applies: 'cluster' or the namespace of a RoleBinding. */
  scope: string;
}

export interface ServiceAccountGrants {
  permissions: GrantedPermission[];
  /** Wildcards, resourceNames, nonResourceURLs, or a binding to a role that is not in the manifests. */
  problems: string[];
}

export function grantsOf(
  manifests: KubernetesManifest[],
  serviceAccount: { name: string; namespace: string },
): ServiceAccountGrants {
  const permissions: GrantedPermission[] = [];
  const problems: string[] = [];
  const bindings = manifests.filter(
    (m): m is Binding =>
      (m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding') &&
      ((m as Binding).subjects ?? []).some(
        (s) =>
          s.kind === 'ServiceAccount' && s.name === serviceAccount.name && s.namespace === serviceAccount.namespace,
      ),
  );
  for (const binding of bindings) {
    const { kind, name } = binding.roleRef;
    const role = manifests.find(
      (m) =>
        m.kind === kind &&
        m.metadata.name === name &&
        (kind === 'ClusterRole' || m.metadata.namespace === binding.metadata.namespace),
    );
    const from = `${kind}/${name}`;
    if (!role) {
      problems.push(`${binding.kind}/${binding.metadata.name} refers to ${from}, which is not in the manifests`);
      continue;
    }
    const scope = binding.kind === 'ClusterRoleBinding' ? 'cluster' : (binding.metadata.namespace ?? '?');
    for (const rule of (role.rules as PolicyRule[] | undefined) ?? []) {
      if (rule.nonResourceURLs) problems.push(`${from}: grants nonResourceURLs ${rule.nonResourceURLs.join(',')}`);
      if (rule.resourceNames) problems.push(`${from}: restricts by resourceNames (the code addresses objects by data)`);
      const groups = rule.apiGroups ?? [];
      const resources = rule.resources ?? [];
      const verbs = rule.verbs ?? [];
      for (const [what, list] of [
        ['apiGroups', groups],
        ['resources', resources],
        ['verbs', verbs],
      ] as const)
        if (list.includes('*')) problems.push(`${from}: wildcard in ${what}`);
      for (const group of groups)
        for (const resource of resources)
          for (const verb of verbs) permissions.push({ group, resource, verb, from, scope });
    }
  }
  return { permissions, problems };
}
