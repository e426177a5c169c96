/**
 * The Kubernetes part of the stack, composed: etcd and kube-apiserver; the project's CRDs, the RBAC of
 * `deploy/` with a token kubeconfig per identity, and the admission policy of `deploy/admission/`;
 * kube-controller-manager, kube-scheduler and KWOK's fake node; then Tekton — its real controller and admission webhook, or only its CRDs for the in-repo Tekton
 * simulator (benchmarks, the simulator's own tests). Tekton's controller and the simulator must never serve
 * the same API server: both would reconcile every PipelineRun (Tekton's `spec.managedBy` does not keep its
 * PipelineRun reconciler away from runs whose TaskRuns change).
 */
import path from 'node:path';
import { applyDeployAdmission } from './admission';
import { applyManifests, readManifests, waitForCrds } from './apply';
import { loadKubeConfig } from '../kubernetes/kube-config';
import type { Certificates } from './certificates';
import type { StackConfig, TektonMode } from './config';
import { startControllerManager, startEtcd, startKubeApiserver, startScheduler } from './control-plane';
import { applyDeployRbac, writeIdentityKubeconfigs, type Identity } from './identities';
import { writeAdminKubeconfig } from './kubeconfigs';
import { startKwok } from './kwok';
import { CRD_DIR, type StackLayout } from './layout';
import { installTektonCrds, startTekton, stopTekton } from './tekton';
import type { Tools } from './tools';

export type { TektonMode };

export interface ClusterInfo {
  identities: Record<Identity, string>;
  crds: string[];
}

export async function startCluster(
  tools: Tools,
  certs: Certificates,
  config: StackConfig,
  layout: StackLayout,
): Promise<ClusterInfo> {
  await startEtcd(tools.etcd, config, layout);
  await startKubeApiserver(tools.kubeApiserver, certs, config, layout);
  writeAdminKubeconfig(layout.kubeconfig, config.apiserverPort, certs);
  const kc = loadKubeConfig(layout.kubeconfig);
  startScheduler(tools.kubeScheduler, layout.kubeconfig, layout);
  const projectCrds = ['workflowexecution.yaml', 'remediationrequest.yaml'].flatMap((f) =>
    readManifests(path.join(CRD_DIR, f)),
  );
  const projectCrdNames = projectCrds.map((c) => c.metadata!.name!);
  await applyManifests(kc, projectCrds);
  await applyDeployRbac(kc);
  const [, identities] = await Promise.all([
    startControllerManager(tools.kubeControllerManager, certs, layout.kubeconfig, config, layout),
    writeIdentityKubeconfigs(kc, layout.root, config.apiserverPort, certs),
    startKwok(tools.kwok, kc, layout.kubeconfig, config, layout),
    waitForCrds(kc, projectCrdNames, config.startTimeoutMs).then(() => applyDeployAdmission(kc, config.startTimeoutMs)),
  ]);
  const tektonCrds =
    config.tekton === 'controller'
      ? await startTekton(
          { controller: tools.tektonController, webhook: tools.tektonWebhook, release: tools.tektonRelease },
          kc,
          layout.kubeconfig,
          certs,
          config,
          layout,
          `127.0.0.1:${config.registryPort}`,
        )
      : await stopTekton(kc, layout).then(() => installTektonCrds(kc, tools.tektonRelease, config.startTimeoutMs));
  return { identities, crds: [...projectCrdNames, ...tektonCrds] };
}
