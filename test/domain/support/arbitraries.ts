import fc from 'fast-check';

/** DNS-1123 labels of 1–63 characters. */
export const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

const actionType = fc.stringMatching(/^[a-z0-9]([a-z0-9_.-]{0,20}[a-z0-9])?\/[a-z0-9]([a-z0-9_.-]{0,20}[a-z0-9])?$/);

const digest = fc.stringMatching(/^[0-9a-f]{64}$/);
const image = fc.oneof(
  digest.map((d) => `ghcr.io/kubernaut/actions/kubectl@sha256:${d}`),
  fc.constantFrom('busybox', 'registry.local:5000/team/tool:1.2.3', 'quay.io/org/app:v1', 'localhost/x/y'),
);

const duration = fc.constantFrom('30s', '90s', '5m', '1m30s', '10m');

/** JSON inputs, including strings with Tekton's "$(...)" syntax that must survive translation verbatim. */
const inputs = fc.dictionary(
  fc.string({ maxLength: 12 }),
  fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('$(params.x)', '$(context.pipelineRun.name)', '$$', 'a$b')),
  { maxKeys: 4 },
);

export interface GeneratedStep {
  name: string;
  actionType: string;
  image: string;
  inputs: Record<string, unknown>;
  runAfter: string[];
  timeout?: string;
  retries?: number;
}

/**
 * Steps forming a DAG: each step may wait only for steps generated before it, then the list is
 * shuffled so the declaration order says nothing about the dependency order.
 */
export const dagSteps = (maxSteps = 12): fc.Arbitrary<GeneratedStep[]> =>
  fc
    .uniqueArray(dnsLabel, { minLength: 1, maxLength: maxSteps })
    .chain((names) =>
      fc.tuple(
        ...names.map((name, i) =>
          fc.record(
            {
              name: fc.constant(name),
              actionType,
              image,
              inputs,
              runAfter: fc.subarray(names.slice(0, i)),
              timeout: duration,
              retries: fc.integer({ min: 0, max: 10 }),
            },
            { requiredKeys: ['name', 'actionType', 'image', 'inputs', 'runAfter'] },
          ),
        ),
      ),
    )
    .chain((steps) =>
      fc.shuffledSubarray(steps as GeneratedStep[], { minLength: steps.length, maxLength: steps.length }),
    );

export const validWorkflowExecution = (maxSteps = 12) =>
  fc
    .record({
      name: dnsLabel,
      namespace: dnsLabel,
      uid: fc.uuid(),
      steps: dagSteps(maxSteps),
      target: fc.constantFrom('demo/Deployment/payment-api', 'Node/worker-1', 'prod/StatefulSet/db.primary'),
      timeout: fc.option(fc.constantFrom('30m', '1h', '45m'), { nil: undefined }),
      serviceAccountName: fc.option(dnsLabel, { nil: undefined }),
    })
    .map(({ name, namespace, uid, steps, target, timeout, serviceAccountName }) => ({
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { name, namespace, uid },
      spec: {
        remediationRequestRef: { name: `rr-${name}`.slice(0, 63).replace(/-+$/, '') },
        targetResource: target,
        steps,
        ...(timeout !== undefined && { timeout }),
        ...(serviceAccountName !== undefined && { serviceAccountName }),
      },
    }));
