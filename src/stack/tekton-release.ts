/**
 * What the stack installs of a Tekton Pipelines release, read from the tektoncd/pipeline Go module's
 * `config/` folder (the same files `kubectl apply -f release.yaml` is built from):
 *
 * - every CRD of `config/300-crds`, with the conversion webhook removed (the stack registers Tekton's
 *   admission webhook by URL but not the conversion one; the project only uses v1, the storage version);
 * - the ConfigMaps of `config/config-*.yaml` (defaults, feature flags, logging, observability …);
 * - the environment of the controller and webhook containers (`config/controller.yaml`, `config/webhook.yaml`).
 *
 * Prepared once per version and cached as `release.json` beside the binaries.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export const TEKTON_NAMESPACE = 'tekton-pipelines';

export type ManifestObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

export interface TektonRelease {
  version: string;
  crds: ManifestObject[];
  configMaps: ManifestObject[];
  controllerEnv: Record<string, string>;
  webhookEnv: Record<string, string>;
}

function documents(file: string): ManifestObject[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as ManifestObject | null)
    .filter((d): d is ManifestObject => d !== null && typeof d === 'object' && typeof d.kind === 'string');
}

/** A CRD as a standalone install can serve it: no conversion webhook (strategy None). */
export function withoutConversion(crd: ManifestObject): ManifestObject {
  const spec = { ...(crd.spec as Record<string, unknown>) };
  delete spec.conversion;
  return { ...crd, spec };
}

/** The literal environment of a Deployment's first container; `fieldRef` to the namespace becomes it. */
export function containerEnv(deployment: ManifestObject, namespace: string): Record<string, string> {
  const containers = (
    deployment as unknown as {
      spec: {
        template: { spec: { containers: { env?: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
      };
    }
  ).spec.template.spec.containers;
  const env: Record<string, string> = {};
  for (const e of containers[0]?.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.name === 'SYSTEM_NAMESPACE') env[e.name] = namespace;
  }
  return env;
}

/** Reads a release from the `config/` folder of the tektoncd/pipeline module at `moduleDir`. */
export function readTektonRelease(moduleDir: string, version: string): TektonRelease {
  const config = path.join(moduleDir, 'config');
  const crdDir = path.join(config, '300-crds');
  const crds = fs
    .readdirSync(crdDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => documents(path.join(crdDir, f)))
    .filter((d) => d.kind === 'CustomResourceDefinition')
    .map(withoutConversion);
  const configMaps = fs
    .readdirSync(config)
    .filter((f) => /^config-.*\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => documents(path.join(config, f)))
    .filter((d) => d.kind === 'ConfigMap');
  const deployment = (file: string) => {
    const found = documents(path.join(config, file)).find((d) => d.kind === 'Deployment');
    if (!found) throw new Error(`no Deployment in tektoncd/pipeline config/${file}`);
    return found;
  };
  if (crds.length === 0 || configMaps.length === 0) {
    throw new Error(`tektoncd/pipeline ${version}: no CRDs or ConfigMaps found under ${config}`);
  }
  return {
    version,
    crds,
    configMaps,
    controllerEnv: containerEnv(deployment('controller.yaml'), TEKTON_NAMESPACE),
    webhookEnv: containerEnv(deployment('webhook.yaml'), TEKTON_NAMESPACE),
  };
}
