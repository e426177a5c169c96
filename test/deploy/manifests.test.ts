// deploy/ as `kubectl apply -k deploy/` sees it: every object well-formed, the CRDs and the Task included,
// and the Deployments production-ready — hardened pods, probes on the processes' own endpoints, a
// termination grace longer than the process's shutdown grace, and an environment their configuration
// schema accepts (so a typo in a variable name fails here, not in the cluster).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { TASK_QUEUE, KUBERNAUT_ACTION_TASK, API_GROUP } from '../../src/domain/names';
import {
  buildKustomization,
  isClusterScoped,
  podSpecOf,
  readManifestFile,
  type KubernetesManifest,
} from './support/kustomize';
import { configSchemaOf, sourceOfCommand } from './support/processes';
import { REPO_ROOT } from './support/source-program';

const NAMESPACE = 'kubernaut-system';
const loaded = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT);
const manifests = loaded.map((l) => l.manifest);
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string }[];
}
type Deployment = KubernetesManifest & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
const deployments = manifests.filter((m): m is Deployment => m.kind === 'Deployment');

/** The environment a container gets: ConfigMaps it imports, then its own variables (Secrets as placeholders). */
function environmentOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const cm = source.configMapRef && find('ConfigMap', source.configMapRef.name);
    if (!cm) throw new Error(`envFrom ${JSON.stringify(source)}: not a ConfigMap shipped in deploy/`);
    Object.assign(env, cm.data as Record<string, string>);
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = v.value;
    else if (v.valueFrom?.secretKeyRef && !v.valueFrom.secretKeyRef.optional)
      env[v.name] = `<secret ${v.valueFrom.secretKeyRef.name}>`;
  }
  return env;
}

/** The restricted Pod Security profile, and then some: numeric non-root user, read-only root file system. */
function expectHardened(pod: PodSpec, container: Container) {
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod.securityContext?.runAsUser).toEqual(expect.any(Number));
  expect(pod.securityContext?.runAsUser).not.toBe(0);
  expect(container.securityContext).toMatchObject({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.securityContext?.privileged).not.toBe(true);
}

function expectResources(container: Container) {
  expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  expect(container.resources?.limits?.memory).toEqual(expect.any(String));
}

function expectPinned(image: string) {
  expect(image).toMatch(/^[^:@]+(:[\w.-]+|@sha256:[a-f0-9]{64})$/);
  expect(image).not.toMatch(/:latest$/);
}

describe('deploy/ kustomization', () => {
  it('builds into well-formed objects with unique names', () => {
    const keys = manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    for (const m of manifests) {
      expect(m.apiVersion).toMatch(/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/);
      expect(m.kind).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('installs the CRDs and the kubernaut-action Task', () => {
    const crds = manifests.filter((m) => m.kind === 'CustomResourceDefinition').map((m) => m.metadata.name);
    expect(crds.sort()).toEqual([`remediationrequests.${API_GROUP}`, `workflowexecutions.${API_GROUP}`]);
    expect(find('Task', KUBERNAUT_ACTION_TASK)?.metadata.namespace).toBe(NAMESPACE);
  });

  it('puts every namespaced object in kubernaut-system, and creates that namespace', () => {
    expect(find('Namespace', NAMESPACE)).toBeDefined();
    const elsewhere = manifests.filter((m) => !isClusterScoped(m.kind) && m.metadata.namespace !== NAMESPACE);
    expect(elsewhere.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([]);
  });

  it('spells the namespace out in its own files, so they read the same without kustomize', () => {
    const files = [...new Set(loaded.map((l) => l.file))].filter((f) =>
      /^deploy\/(rbac|worker|watcher|datastorage-api)\//.test(f),
    );
    const unspecified = files
      .flatMap((f) => readManifestFile(path.join(REPO_ROOT, f), REPO_ROOT))
      .map((r) => r.manifest)
      .filter((m) => !isClusterScoped(m.kind) && m.metadata.namespace !== NAMESPACE);
    expect(unspecified.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([]);
  });

  it('configures the task queue the code uses', () => {
    const config = find('ConfigMap', 'kubernaut-temporal');
    expect((config?.data as Record<string, string>).TEMPORAL_TASK_QUEUE).toBe(TASK_QUEUE);
  });

  it('documents the shape of the database Secret the worker reads', () => {
    const example = parse(fs.readFileSync(path.join(REPO_ROOT, 'deploy/worker/database-secret.example.yaml'), 'utf8'));
    const refs = deployments.flatMap((d) =>
      d.spec.template.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef)),
    );
    const required = refs.filter((r) => r && !r.optional && r.name === example.metadata.name);
    expect(required.length).toBeGreaterThan(0);
    for (const ref of required) expect(Object.keys(example.stringData)).toContain(ref!.key);
    expect(loaded.some((l) => l.file.endsWith('.example.yaml'))).toBe(false); // never applied over the real one
  });
});

describe.each(deployments.map((d) => [d.metadata.name, d] as const))('Deployment %s', (_name, deployment) => {
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  const source = sourceOfCommand(container.command);
  const schema = configSchemaOf(source);
  const env = environmentOf(container);
  const config = schema.parse(env) as { KUBERNAUT_HTTP_PORT: number; KUBERNAUT_SHUTDOWN_GRACE_MS: number };

  it('runs a process of the image whose source exists', () => {
    expect(pod.containers).toHaveLength(1);
    expect(fs.existsSync(path.join(REPO_ROOT, source))).toBe(true);
  });

  it('sets only variables its configuration knows, with values it accepts', () => {
    const names = [...Object.keys(env), ...(container.env ?? []).map((e) => e.name)];
    expect(names.filter((name) => !(name in schema.shape))).toEqual([]);
    expect(schema.safeParse(env).success).toBe(true);
  });

  it('runs as a non-root user with a read-only root file system, no capabilities and the default seccomp profile', () => {
    expectHardened(pod, container);
  });

  it('probes /healthz for liveness and /readyz for readiness on the port the process serves', () => {
    const port = container.ports?.find((p) => p.containerPort === config.KUBERNAUT_HTTP_PORT);
    expect(port?.name).toBeDefined();
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: port!.name });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: port!.name });
    if (container.startupProbe) expect(container.startupProbe.httpGet?.port).toBe(port!.name);
  });

  it('gives the process longer than its shutdown grace to stop before it is killed', () => {
    const graceSeconds = config.KUBERNAUT_SHUTDOWN_GRACE_MS / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(graceSeconds + 5);
  });

  it('requests CPU and memory and caps memory', () => {
    expectResources(container);
  });

  it('runs a pinned image, never latest', () => {
    expectPinned(container.image);
  });

  it('mounts a writable /tmp, since the root file system is read-only', () => {
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.map((v) => v.name)).toContain(tmp?.name);
  });

  it('uses a ServiceAccount shipped with it', () => {
    expect(find('ServiceAccount', pod.serviceAccountName ?? 'default')?.metadata.namespace).toBe(
      deployment.metadata.namespace,
    );
  });

  it('has its pods selected by its own selector, its metrics Service and its PodDisruptionBudget', () => {
    const labels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    const services = manifests.filter(
      (m) => m.kind === 'Service' && selects((m.spec as { selector: Record<string, string> }).selector),
    );
    expect(services).toHaveLength(1);
    const servicePort = (services[0].spec as { ports: { port: number; targetPort: string }[] }).ports[0];
    expect(servicePort).toMatchObject({ port: config.KUBERNAUT_HTTP_PORT, targetPort: container.ports![0].name });
    const pdbs = manifests.filter(
      (m) =>
        m.kind === 'PodDisruptionBudget' &&
        selects((m.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels),
    );
    expect(pdbs).toHaveLength(1);
    expect((pdbs[0].spec as { minAvailable: number }).minAvailable).toBeLessThan(deployment.spec.replicas ?? 1);
  });
});

const cronJobs = manifests.filter((m) => m.kind === 'CronJob');

describe.each(cronJobs.map((j) => [j.metadata.name, j] as const))('CronJob %s', (_name, job) => {
  const pod = podSpecOf(job) as unknown as PodSpec;
  const [container] = pod.containers;
  const source = sourceOfCommand(container.command);

  it('runs a subcommand its source defines', () => {
    expect(pod.containers).toHaveLength(1);
    const text = fs.readFileSync(path.join(REPO_ROOT, source), 'utf8');
    expect(text).toContain(`.command('${container.args?.[0]}')`);
  });

  it('runs hardened, with resources, on a pinned image', () => {
    expectHardened(pod, container);
    expectResources(container);
    expectPinned(container.image);
  });

  it('gets no service account token (it needs no Kubernetes API)', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('never overlaps itself', () => {
    expect((job.spec as { concurrencyPolicy?: string }).concurrencyPolicy).toBe('Forbid');
  });

  it('reads the database from the Secret the worker reads', () => {
    const worker = deployments.find((d) => d.metadata.name === 'kubernaut-worker')!;
    const ref = (c: Container) => c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
    expect(ref(container)).toEqual(ref(worker.spec.template.spec.containers[0]));
  });
});

it('keeps at least the 90 days of action records the effectiveness model reads', () => {
  const retention = cronJobs
    .map((j) => (podSpecOf(j) as unknown as PodSpec).containers[0])
    .find((c) => c.args?.[0] === 'retention');
  const days = Number(retention?.args?.[retention.args.indexOf('--retention-days') + 1]);
  expect(days).toBeGreaterThanOrEqual(90);
});
