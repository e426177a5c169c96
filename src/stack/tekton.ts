/**
 * Tekton Pipelines as a cluster has it, run out of cluster: the release's CRDs and ConfigMaps in the
 * `tekton-pipelines` namespace, the controller (`-disable-ha`, reaching the API server through the admin
 * kubeconfig), and the admission webhook, registered with `url:` client configurations so PipelineRuns the
 * worker creates are defaulted and validated by Tekton itself — e.g. a step timeout above the pipeline
 * timeout is rejected at create, as on a real cluster, rather than run by the controller alone.
 *
 * Departures from an in-cluster install, each for a reason:
 * - the webhook's configurations carry names of our own (Tekton's reconcilers only manage the
 *   service-referenced ones, and log that they cannot find them), and cover the main resources only, not
 *   `/status`: the controller's frequent status writes then cost no webhook round trip;
 * - metrics exporters are off (`metrics.backend-destination: none`) and profiling ports are picked by the
 *   OS: several stacks (and their Tekton) can share one machine;
 * - the images of Tekton's own helper containers are placeholders: KWOK never pulls an image.
 */
import fs from 'node:fs';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { applyManifests, waitForCrds, type Manifest } from './apply';
import type { Certificates } from './certificates';
import type { StackConfig } from './config';
import type { StackLayout } from './layout';
import { logTail, runningPid, startDaemon, stopDaemon } from './processes';
import { assertPortFree, waitFor } from './readiness';
import { TEKTON_NAMESPACE, type TektonRelease } from './tekton-release';

export interface TektonPorts {
  /** The controller's health and readiness probes (it binds every interface: Tekton's own main). */
  controllerProbes: number;
  /** The admission webhook (HTTPS, 127.0.0.1 certificate). */
  webhook: number;
  webhookProbes: number;
}

export function tektonPorts(config: StackConfig): TektonPorts {
  return { controllerProbes: config.tektonPort, webhook: config.tektonPort + 1, webhookProbes: config.tektonPort + 2 };
}

const DEFAULTING_WEBHOOK = 'kubernaut-stack.defaulting.pipeline.tekton.dev';
const VALIDATING_WEBHOOK = 'kubernaut-stack.validation.pipeline.tekton.dev';

const WEBHOOK_RULES = [
  {
    apiGroups: ['tekton.dev'],
    apiVersions: ['v1', 'v1beta1', 'v1alpha1'],
    resources: ['pipelines', 'pipelineruns', 'tasks', 'taskruns', 'customruns', 'stepactions', 'verificationpolicies'],
    operations: ['CREATE', 'UPDATE'],
    scope: '*',
  },
  {
    apiGroups: ['resolution.tekton.dev'],
    apiVersions: ['v1alpha1', 'v1beta1'],
    resources: ['resolutionrequests'],
    operations: ['CREATE', 'UPDATE'],
    scope: '*',
  },
];

function readRelease(file: string): TektonRelease {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TektonRelease;
}

/** A container's environment without what points into its pod's mounts (CA bundles of an in-cluster install). */
function outOfCluster(env: Record<string, string>): Record<string, string> {
  const { SSL_CERT_FILE: _file, SSL_CERT_DIR: _dir, ...rest } = env;
  return rest;
}

/** The release's ConfigMaps, with the stack's settings (see the module comment). */
function configMaps(release: TektonRelease): Manifest[] {
  return release.configMaps.map((cm) => {
    const data = { ...((cm.data as Record<string, string> | undefined) ?? {}) };
    if (cm.metadata.name === 'config-observability') data['metrics.backend-destination'] = 'none';
    return { ...cm, metadata: { ...cm.metadata, namespace: TEKTON_NAMESPACE }, data } as Manifest;
  });
}

function webhookSecret(certs: Certificates): Manifest {
  const b64 = (p: string) => fs.readFileSync(p).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'webhook-certs', namespace: TEKTON_NAMESPACE },
    data: {
      'server-key.pem': b64(certs.serverKey),
      'server-cert.pem': b64(certs.serverCert),
      'ca-cert.pem': b64(certs.caCert),
    },
  };
}

function webhookConfigurations(certs: Certificates, port: number): Manifest[] {
  const caBundle = fs.readFileSync(certs.caCert).toString('base64');
  const webhook = (name: string, path: string) => ({
    name,
    admissionReviewVersions: ['v1'],
    clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle },
    rules: WEBHOOK_RULES,
    failurePolicy: 'Fail',
    sideEffects: 'None',
    timeoutSeconds: 10,
  });
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: DEFAULTING_WEBHOOK },
      webhooks: [webhook('defaulting.pipeline.tekton.dev', '/defaulting')],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: VALIDATING_WEBHOOK },
      webhooks: [webhook('validation.pipeline.tekton.dev', '/resource-validation')],
    },
  ];
}

/** Whether something serves TLS with the stack's certificate on `port` (any HTTP answer will do). */
function servesTls(port: number, certs: Certificates): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/', ca: fs.readFileSync(certs.caCert), timeout: 2_000 },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function probeOk(port: number): Promise<true | undefined> {
  return (await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined;
}

/** Tekton's CRDs alone (for the simulator), served once Established. Returns their names. */
export async function installTektonCrds(kc: k8s.KubeConfig, releaseFile: string, timeoutMs: number): Promise<string[]> {
  const release = readRelease(releaseFile);
  await applyManifests(kc, release.crds);
  const names = release.crds.map((c) => c.metadata.name);
  await waitForCrds(kc, names, timeoutMs);
  return names;
}

/**
 * Stops Tekton's controller and webhook and unregisters the webhook, so the API server can be handed to the
 * simulator (a stack brought up again in the other mode).
 */
export async function stopTekton(kc: k8s.KubeConfig, layout: StackLayout): Promise<void> {
  await stopDaemon(layout.pids, 'tekton-controller');
  await stopDaemon(layout.pids, 'tekton-webhook', 2_000);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const ignoreMissing = (err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  };
  await admission.deleteMutatingWebhookConfiguration({ name: DEFAULTING_WEBHOOK }).catch(ignoreMissing);
  await admission.deleteValidatingWebhookConfiguration({ name: VALIDATING_WEBHOOK }).catch(ignoreMissing);
}

export async function startTekton(
  binaries: { controller: string; webhook: string; release: string },
  kc: k8s.KubeConfig,
  kubeconfigFile: string,
  certs: Certificates,
  config: StackConfig,
  layout: StackLayout,
  registryAddress: string,
): Promise<string[]> {
  const release = readRelease(binaries.release);
  const ports = tektonPorts(config);
  const crdNames = await installTektonCrds(kc, binaries.release, config.startTimeoutMs);
  await applyManifests(kc, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: TEKTON_NAMESPACE } },
    ...configMaps(release),
    webhookSecret(certs),
  ]);
  const environment = (fromRelease: Record<string, string>, own: Record<string, string>) => ({
    ...process.env,
    ...outOfCluster(fromRelease),
    KUBECONFIG: kubeconfigFile,
    PROFILING_PORT: '0',
    ...own,
  });

  if (runningPid(layout.pids, 'tekton-webhook') === undefined) {
    await assertPortFree(ports.webhook, "Tekton's admission webhook", 'KUBERNAUT_STACK_TEKTON_PORT');
    startDaemon({
      name: 'tekton-webhook',
      command: binaries.webhook,
      args: [`-kubeconfig=${kubeconfigFile}`, '-disable-ha'],
      env: environment(release.webhookEnv, {
        WEBHOOK_PORT: String(ports.webhook),
        PROBES_PORT: String(ports.webhookProbes),
      }),
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor("Tekton's admission webhook", () => servesTls(ports.webhook, certs), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'tekton-webhook'),
  });
  await applyManifests(kc, webhookConfigurations(certs, ports.webhook));

  if (runningPid(layout.pids, 'tekton-controller') === undefined) {
    await assertPortFree(ports.controllerProbes, "Tekton's controller", 'KUBERNAUT_STACK_TEKTON_PORT');
    const placeholder = (name: string) => `${registryAddress}/tekton/${name}:placeholder`;
    startDaemon({
      name: 'tekton-controller',
      command: binaries.controller,
      args: [
        `-kubeconfig=${kubeconfigFile}`,
        '-disable-ha',
        `-entrypoint-image=${placeholder('entrypoint')}`,
        `-nop-image=${placeholder('nop')}`,
        `-sidecarlogresults-image=${placeholder('sidecarlogresults')}`,
        `-workingdirinit-image=${placeholder('workingdirinit')}`,
        `-shell-image=${placeholder('busybox')}`,
        `-shell-image-win=${placeholder('powershell')}`,
      ],
      env: environment(release.controllerEnv, { PROBES_PORT: String(ports.controllerProbes) }),
      pidDir: layout.pids,
      logDir: layout.logs,
    });
  }
  await waitFor("Tekton's controller", () => probeOk(ports.controllerProbes), {
    timeoutMs: config.startTimeoutMs,
    onTimeout: () => logTail(layout.logs, 'tekton-controller'),
  });
  return crdNames;
}
