/**
 * What the demo applies: a RemediationRequest and the 3-step DAG WorkflowExecution of
 * examples/dag-remediation.yaml (restart ∥ scale → GitOps PR), under fresh names so the demo can run
 * again and again. Its images are swapped for the stack registry's (Tekton resolves each image's
 * entrypoint in its registry), and each step asks KWOK's fake node to run for `stepDurationMs`
 * (`inputs.simulate`); the failure scenario makes the scale step exit with code 2. No cooldown follows a
 * demo's WFE, so the next demo need not wait for the target.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBERNAUT_API_VERSION, REMEDIATION_REQUEST } from '../domain/names';
import { PROJECT_ROOT } from '../stack/layout';
import { stackImageFor, type ActionImageName } from '../stack/registry';

export const SCENARIOS = ['success', 'failure'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface DemoResources {
  remediationRequest: Record<string, unknown> & { metadata: { name: string; namespace: string } };
  workflowExecution: Record<string, unknown> & {
    metadata: { name: string; namespace: string };
    spec: { steps: { name: string; inputs?: Record<string, unknown> }[]; targetResource: string };
  };
}

export const FAILING_STEP = 'scale-deployment';

export interface DemoSettings {
  /** The stack registry's image for each action image name (stack info). */
  images: Record<ActionImageName, string>;
  stepDurationMs: number;
}

export function demoResources(
  scenario: Scenario,
  suffix: string,
  settings: DemoSettings,
  namespace = 'demo',
): DemoResources {
  const example = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'dag-remediation.yaml'), 'utf8'));
  const rrName = `rr-payment-api-latency-${suffix}`;
  const target = `${namespace}/Deployment/payment-api`;
  const wfe = {
    ...example,
    metadata: { name: `payment-api-${scenario}-${suffix}`, namespace },
    spec: {
      ...example.spec,
      remediationRequestRef: { name: rrName, namespace },
      targetResource: target,
      // The demo runs again and again on one target: no rest after it (a real target rests 5 minutes, and a
      // second demo within them would wait that long, queued).
      cooldown: '0s',
      steps: example.spec.steps.map((step: { name: string; image: string; inputs?: Record<string, unknown> }) => {
        const simulate =
          scenario === 'failure' && step.name === FAILING_STEP
            ? { outcome: 'fail', exitCode: 2, durationMs: settings.stepDurationMs }
            : { durationMs: settings.stepDurationMs };
        return {
          ...step,
          image: stackImageFor(step.image, settings.images),
          ...(simulate.outcome && { retries: 0 }),
          inputs: { ...step.inputs, simulate },
        };
      }),
    },
  };
  const rr = {
    apiVersion: KUBERNAUT_API_VERSION,
    kind: REMEDIATION_REQUEST.kind,
    metadata: { name: rrName, namespace },
    spec: {
      signalName: 'PaymentApiHighLatency',
      targetResource: { kind: 'Deployment', name: 'payment-api', namespace },
    },
  };
  return { remediationRequest: rr, workflowExecution: wfe };
}
