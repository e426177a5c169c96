/**
 * Installs CustomResourceDefinitions and waits until the API server reports them Established.
 * Create, or replace when present, so `stack up` always serves the CRDs of the current checkout.
 * (Tekton's CRDs are too large for client-side `kubectl apply`; a plain create/replace has no such limit.)
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from './readiness';

type Crd = k8s.V1CustomResourceDefinition;

export function readCrdFiles(dir: string): Crd[] {
  if (!fs.existsSync(dir)) return [];
  return (
    fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      // loadAllYaml maps the wire format (x-kubernetes-* keys) onto client-node's typed models; a plain YAML
      // parse would make its serializer silently drop those keys.
      .flatMap((f) => k8s.loadAllYaml(fs.readFileSync(path.join(dir, f), 'utf8')) as Crd[])
      .filter((doc) => doc?.kind === 'CustomResourceDefinition')
  );
}

function httpStatus(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

async function apply(api: k8s.ApiextensionsV1Api, crd: Crd): Promise<void> {
  try {
    await api.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if (httpStatus(err) !== 409) throw err;
    for (let attempt = 0; ; attempt++) {
      const current = await api.readCustomResourceDefinition({ name: crd.metadata!.name! });
      try {
        await api.replaceCustomResourceDefinition({
          name: crd.metadata!.name!,
          body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } },
        });
        return;
      } catch (e) {
        if (httpStatus(e) !== 409 || attempt >= 5) throw e;
      }
    }
  }
}

export async function installCrds(kubeConfig: k8s.KubeConfig, crds: Crd[], timeoutMs: number): Promise<string[]> {
  const api = kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
  for (const crd of crds) await apply(api, crd);
  const names = crds.map((c) => c.metadata!.name!);
  await waitFor(
    `CRDs Established (${names.join(', ')})`,
    async () => {
      for (const name of names) {
        const crd = await api.readCustomResourceDefinition({ name });
        const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        if (!established) return undefined;
      }
      return true;
    },
    { timeoutMs },
  );
  return names;
}
