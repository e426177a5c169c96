/**
 * `kubectl apply --server-side` for the stack: every object the stack installs (CRDs, Tekton's
 * configuration, RBAC, webhook registrations, the Node) is applied with one field manager, so `stack up`
 * converges on what this checkout ships whatever was there before.
 *
 * Objects go through client-node's typed models (loadYaml) first: its serializer maps fields by their
 * TypeScript names, so a plain object with wire names such as `x-kubernetes-preserve-unknown-fields`
 * would otherwise lose them silently.
 */
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { waitFor } from './readiness';

export const FIELD_MANAGER = 'kubernaut-stack';

export type Manifest = k8s.KubernetesObject & Record<string, unknown>;

export function readManifests(file: string): Manifest[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as Manifest | null)
    .filter((d): d is Manifest => d !== null && typeof d === 'object' && typeof d.kind === 'string');
}

export async function applyManifests(kc: k8s.KubeConfig, objects: Manifest[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    const typed = k8s.loadYaml<k8s.KubernetesObject>(YAML.stringify(object));
    try {
      await api.patch(typed, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      const what = `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
      throw new Error(`applying ${what}: ${(err as { body?: string }).body ?? String(err)}`, { cause: err });
    }
  }
}

/** Waits until every CRD named is Established (served). */
export async function waitForCrds(kc: k8s.KubeConfig, names: string[], timeoutMs: number): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await waitFor(
    `CRDs Established (${names.join(', ')})`,
    async () => {
      for (const name of names) {
        const crd = await api.readCustomResourceDefinition({ name });
        if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
      }
      return true;
    },
    { timeoutMs },
  );
}
