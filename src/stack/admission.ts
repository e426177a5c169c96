/**
 * The admission policy of `deploy/admission/` on the stack, as shipped: a WorkflowExecution is admitted
 * only from a creator who may run its steps as their ServiceAccount (SECURITY.md). Tests and the demo
 * create WorkflowExecutions as the stack's administrator (group system:masters), which the policy's
 * authorizer check admits like any cluster administrator; test/security/ creates them as identities that
 * may and may not.
 *
 * The API server loads policies asynchronously, so `up` waits until this one refuses what it must: a
 * dry-run WorkflowExecution (nothing is stored) whose requested-by annotation names someone else.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ACTION_RUNNER_SERVICE_ACCOUNT, ANNOTATIONS, KUBERNAUT_API_VERSION, WORKFLOW_EXECUTION } from '../domain/names';
import { WORKFLOW_EXECUTIONS } from '../kubernetes/resources';
import { applyManifests, readManifests } from './apply';
import { PROJECT_ROOT } from './layout';
import { waitFor } from './readiness';

export const DEPLOY_ADMISSION_DIR = path.join(PROJECT_ROOT, 'deploy', 'admission');

export async function applyDeployAdmission(kc: k8s.KubeConfig, timeoutMs: number): Promise<void> {
  const files = fs
    .readdirSync(DEPLOY_ADMISSION_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(DEPLOY_ADMISSION_DIR, f));
  await applyManifests(kc, files.flatMap(readManifests));
  await waitForAdmissionPolicy(kc, timeoutMs);
}

async function waitForAdmissionPolicy(kc: k8s.KubeConfig, timeoutMs: number): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const probe = {
    apiVersion: KUBERNAUT_API_VERSION,
    kind: WORKFLOW_EXECUTION.kind,
    metadata: {
      name: 'admission-probe',
      namespace: 'default',
      annotations: { [ANNOTATIONS.requestedBy]: 'someone-else' },
    },
    spec: {
      remediationRequestRef: { name: 'admission-probe' },
      targetResource: 'default/Deployment/admission-probe',
      serviceAccountName: ACTION_RUNNER_SERVICE_ACCOUNT,
      steps: [{ name: 'probe', actionType: 'kubernetes/probe', image: `probe@sha256:${'0'.repeat(64)}` }],
    },
  };
  await waitFor(
    'the WorkflowExecution admission policy in force',
    async () => {
      try {
        await api.createNamespacedCustomObject({
          ...WORKFLOW_EXECUTIONS,
          namespace: 'default',
          body: probe,
          dryRun: 'All',
        });
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 403 ? true : undefined;
      }
    },
    { timeoutMs, intervalMs: 200 },
  );
}
