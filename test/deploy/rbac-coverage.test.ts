// Least privilege, checked against the code: for each Deployment in deploy/, the Kubernetes API calls its
// process can make are derived from src/ by static analysis (support/kubernetes-api-usage.ts) — never
// listed by hand — and compared with what the RBAC bound to its ServiceAccount grants, both ways.
// When code gains an API call, the missing permission fails here with the call site; when it drops one,
// the now unneeded grant fails here too.
import path from 'node:path';
import type ts from 'typescript';
import { analyzeKubernetesApiUsage, permissionKey, type KubernetesApiUsage } from './support/kubernetes-api-usage';
import { buildKustomization, podSpecOf, type KubernetesManifest } from './support/kustomize';
import { sourceOfCommand } from './support/processes';
import { grantsOf } from './support/rbac';
import { createSourceProgram, REPO_ROOT } from './support/source-program';

const manifests = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT).map((m) => m.manifest);

interface PodTemplate {
  spec: { serviceAccountName?: string; containers: { name: string; command?: string[] }[] };
}
const deployments = manifests
  .filter((m) => m.kind === 'Deployment')
  .map((d) => {
    const pod = (d.spec as { template: PodTemplate }).template.spec;
    return {
      name: d.metadata.name,
      namespace: d.metadata.namespace!,
      serviceAccount: pod.serviceAccountName,
      source: sourceOfCommand(pod.containers[0].command),
    };
  });

/** Plural of a custom resource kind, from the CRDs deploy/ installs. */
function ownerPlural(group: string, kind: string): string | undefined {
  const crd = manifests.find(
    (m): m is KubernetesManifest & { spec: { group: string; names: { kind: string; plural: string } } } =>
      m.kind === 'CustomResourceDefinition' &&
      (m.spec as { group?: string }).group === group &&
      (m.spec as { names?: { kind?: string } }).names?.kind === kind,
  );
  return crd?.spec.names.plural;
}

/** Workloads whose pods get no service account token: their code must not need the API at all. */
const tokenless = manifests
  .filter((m) => podSpecOf(m)?.automountServiceAccountToken === false)
  .map((m) => ({ name: `${m.kind}/${m.metadata.name}`, source: sourceOfCommand(podSpecOf(m)!.containers[0].command) }));

let program: ts.Program;
const usages = new Map<string, KubernetesApiUsage>();
function usageOf(source: string): KubernetesApiUsage {
  if (!usages.has(source))
    usages.set(source, analyzeKubernetesApiUsage(program, path.join(REPO_ROOT, source), ownerPlural));
  return usages.get(source)!;
}

beforeAll(() => {
  program = createSourceProgram([...deployments, ...tokenless].map((d) => path.join(REPO_ROOT, d.source)));
});

describe('RBAC of the shipped processes', () => {
  it('covers the worker, the watcher and the Data Storage API Deployments', () => {
    expect(deployments.map((d) => d.source).sort()).toEqual([
      'src/datastorage-api/main.ts',
      'src/watcher/main.ts',
      'src/workers/main.ts',
    ]);
  });

  describe.each(deployments)('$name ($source)', (deployment) => {
    it('runs under its own ServiceAccount, shipped in the same namespace', () => {
      expect(deployment.serviceAccount).toBeDefined();
      const sa = manifests.find(
        (m) =>
          m.kind === 'ServiceAccount' &&
          m.metadata.name === deployment.serviceAccount &&
          m.metadata.namespace === deployment.namespace,
      );
      expect(sa).toBeDefined();
      const others = deployments.filter((d) => d !== deployment && d.serviceAccount === deployment.serviceAccount);
      expect(others).toEqual([]);
    });

    it('has code the analysis can follow completely', () => {
      expect(usageOf(deployment.source).problems).toEqual([]);
    });

    it('is granted every Kubernetes API call its code makes', () => {
      const granted = new Set(
        grantsOf(manifests, { name: deployment.serviceAccount!, namespace: deployment.namespace }).permissions.map(
          permissionKey,
        ),
      );
      const missing = usageOf(deployment.source)
        .uses.filter((u) => !granted.has(permissionKey(u)))
        .map((u) => `${permissionKey(u)} (${u.via} at ${u.site})`);
      expect([...new Set(missing)]).toEqual([]);
    });

    it('is granted nothing its code does not use', () => {
      const used = new Set(usageOf(deployment.source).uses.map(permissionKey));
      const extra = grantsOf(manifests, { name: deployment.serviceAccount!, namespace: deployment.namespace })
        .permissions.filter((p) => !used.has(permissionKey(p)))
        .map((p) => `${permissionKey(p)} (from ${p.from})`);
      expect(extra).toEqual([]);
    });

    it('uses no wildcard, resourceNames or non-resource URLs', () => {
      expect(
        grantsOf(manifests, { name: deployment.serviceAccount!, namespace: deployment.namespace }).problems,
      ).toEqual([]);
    });
  });

  describe.each(tokenless)('$name ($source), which gets no service account token', ({ source }) => {
    it('makes no Kubernetes API call', () => {
      const usage = usageOf(source);
      expect(usage.problems).toEqual([]);
      expect(usage.uses.map((u) => `${permissionKey(u)} at ${u.site}`)).toEqual([]);
    });
  });
});
