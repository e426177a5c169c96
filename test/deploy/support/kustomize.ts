/**
 * Builds deploy/kustomization.yaml the way `kubectl apply -k` / `kustomize build` does, for the subset of
 * kustomize the project uses: `resources` (files, and directories holding a kustomization.yaml, which
 * must stay inside the root — kustomize's load restrictor), `namespace`, `configMapGenerator` with
 * literals and a fixed name, and `images` (newName/newTag/digest). Any other field is an error here, so a
 * kustomization growing beyond the subset fails the tests instead of being half-understood.
 * (Checked against `kubectl kustomize deploy/` when this was written: same objects, same namespaces.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [field: string]: unknown;
}

export interface LoadedManifest {
  manifest: KubernetesManifest;
  /** Repository-relative file it came from ('<generated>' for generators). */
  file: string;
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'configMapGenerator', 'images']);

/** Kinds kustomize treats as cluster-scoped among those a project like this ships. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
]);
export const isClusterScoped = (kind: string) => CLUSTER_SCOPED.has(kind);

export function readManifestFile(file: string, repoRoot: string): LoadedManifest[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const rel = path.relative(repoRoot, file);
  return docs.flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const manifest = doc.toJS() as KubernetesManifest | null;
    return manifest === null ? [] : [{ manifest, file: rel }];
  });
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** A container as far as these checks read it. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  [field: string]: unknown;
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), if it is one. */
export function podSpecOf(manifest: KubernetesManifest): PodSpec | undefined {
  const spec = manifest.spec as
    { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

function applyImages(manifest: KubernetesManifest, rules: ImageRule[]) {
  const podSpec = podSpecOf(manifest);
  if (!podSpec) return;
  for (const c of [...podSpec.containers, ...(podSpec.initContainers ?? [])]) {
    const name = c.image.split('@')[0].replace(/:[^/:]+$/, '');
    const rule = rules.find((r) => r.name === name);
    if (!rule) continue;
    const current = /:([^/:]+)$/.exec(c.image.split('@')[0])?.[1];
    c.image = `${rule.newName ?? name}${rule.digest ? `@${rule.digest}` : `:${rule.newTag ?? current ?? 'latest'}`}`;
  }
}

export function buildKustomization(dir: string, repoRoot: string, root = dir): LoadedManifest[] {
  const file = path.join(dir, 'kustomization.yaml');
  const rel = path.relative(repoRoot, file);
  const k = readManifestFile(file, repoRoot)[0]?.manifest as unknown as Record<string, unknown>;
  if (!k || k.kind !== 'Kustomization') throw new Error(`${rel}: not a Kustomization`);
  for (const field of Object.keys(k))
    if (!SUPPORTED_FIELDS.has(field))
      throw new Error(`${rel}: field ${field} is beyond the subset this loader understands`);

  const out: LoadedManifest[] = [];
  for (const entry of (k.resources as string[] | undefined) ?? []) {
    const target = path.resolve(dir, entry);
    if (path.relative(root, target).startsWith('..'))
      throw new Error(`${rel}: ${entry} is outside the kustomization root ${path.relative(repoRoot, root)}`);
    if (!fs.existsSync(target)) throw new Error(`${rel}: resource ${entry} does not exist`);
    if (fs.statSync(target).isDirectory()) out.push(...buildKustomization(target, repoRoot, root));
    else out.push(...readManifestFile(target, repoRoot));
  }
  for (const g of (k.configMapGenerator as Record<string, unknown>[] | undefined) ?? []) {
    const options = (g.options ?? {}) as { disableNameSuffixHash?: boolean };
    if (options.disableNameSuffixHash !== true) throw new Error(`${rel}: generated ConfigMaps need a fixed name here`);
    const data = Object.fromEntries(
      ((g.literals as string[] | undefined) ?? []).map((l) => {
        const at = l.indexOf('=');
        return [l.slice(0, at), l.slice(at + 1)];
      }),
    );
    out.push({
      manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name as string }, data },
      file: rel,
    });
  }
  const namespace = k.namespace as string | undefined;
  if (namespace)
    for (const { manifest } of out) if (!isClusterScoped(manifest.kind)) manifest.metadata.namespace = namespace;
  const images = (k.images as ImageRule[] | undefined) ?? [];
  for (const { manifest } of out) applyImages(manifest, images);
  return out;
}
