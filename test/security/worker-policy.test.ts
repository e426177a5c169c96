// The worker's own policy as deploy/ ships it (defence in depth, and the only line in a cluster without the
// admission policy): a WorkflowExecution that would run as a ServiceAccount outside the allowed set, or an
// image outside the allowed registries or not pinned by digest, ends Failed/ConfigurationError naming the
// rule — before anything is created: no PipelineRun, no action record. The WFEs are created as the
// stack's administrator, whom admission lets through, so only the worker stands in their way.
import { pipelineRunName } from '../../src/domain/pipeline-run';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { createExecutionEnv, workflowExecutionManifest, type ExecutionEnv } from '../support/execution-env';
import { shippedWorkerPolicy } from '../support/shipped-worker-policy';

jest.setTimeout(120_000);

/** Passes the shipped image policy: the published action registry, pinned. (Never pulled: it is refused first.) */
const PUBLISHED_IMAGE = `ghcr.io/kubernaut/actions/kubectl@sha256:${'4'.repeat(64)}`;

describe('the worker policy as shipped', () => {
  let env: ExecutionEnv;
  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'shipped-policy', policy: shippedWorkerPolicy() });
  });
  afterAll(async () => {
    await env?.close();
  });

  async function run(spec: { image?: string; serviceAccountName?: string | null }) {
    const manifest = workflowExecutionManifest(
      {
        steps: [{ name: 'restart', image: spec.image ?? PUBLISHED_IMAGE }],
        serviceAccountName: spec.serviceAccountName ?? undefined,
      },
      env.namespace,
    );
    const body =
      spec.serviceAccountName === null
        ? { ...manifest, spec: { ...manifest.spec, serviceAccountName: undefined } }
        : manifest;
    const wfe = (await env.customObjects.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      body,
    })) as KubernetesObject;
    return { wfe, result: await env.run(wfe) };
  }

  it.each([
    [
      'a ServiceAccount outside the allowed set',
      { serviceAccountName: 'deployer' },
      'spec.serviceAccountName: ServiceAccount "deployer" is not one the worker lets steps run as (policy allowedServiceAccounts: kubernaut-action-runner)',
    ],
    [
      'no ServiceAccount (the namespace default)',
      { serviceAccountName: null },
      `spec.serviceAccountName: serviceAccountName is not set, so the steps would run as the namespace's "default" ServiceAccount, which the worker does not allow (policy allowedServiceAccounts: kubernaut-action-runner)`,
    ],
    [
      'an image outside the allowed registries',
      { image: `docker.io/library/busybox@sha256:${'5'.repeat(64)}` },
      'spec.steps[0].image: image "docker.io/library/busybox@sha256:5555555555555555555555555555555555555555555555555555555555555555" comes from docker.io/library/busybox, outside the allowed registries (policy allowedRegistries: ghcr.io/kubernaut/actions)',
    ],
    [
      'an image without a digest',
      { image: 'ghcr.io/kubernaut/actions/kubectl:1.31' },
      'spec.steps[0].image: image "ghcr.io/kubernaut/actions/kubectl:1.31" must be pinned by digest (policy requireDigest)',
    ],
  ])('ends a WFE with %s Failed/ConfigurationError naming the rule, creating nothing', async (_what, spec, rule) => {
    const { wfe, result } = await run(spec);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'ConfigurationError' });
    expect(result.message).toContain(rule);

    const status = (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))!
      .status as WorkflowExecutionStatus;
    expect(status.phase).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ reason: 'ConfigurationError', wasExecutionFailure: false });
    expect(status.failureDetails?.message).toContain(rule);
    const pipelineRuns = (await env.listPipelineRuns(env.namespace)).filter(
      (pr) =>
        pr.metadata.name === pipelineRunName(wfe) ||
        pr.metadata.ownerReferences?.some((o) => o.uid === wfe.metadata.uid),
    );
    expect(pipelineRuns).toEqual([]);
    expect(await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!)).toEqual([]);
  });
});
