/**
 * What the demo applies: a RemediationRequest and the 3-step DAG WorkflowExecution of
 * examples/dag-remediation.yaml (restart ∥ scale → GitOps PR), under fresh names so the demo can run
 * again and again. The failure scenario makes the scale step exit with code 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBERNAUT_API_VERSION, REMEDIATION_REQUEST } from '../domain/names';
import { PROJECT_ROOT } from '../stack/layout';

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

export function demoResources(scenario: Scenario, suffix: string, namespace = 'demo'): DemoResources {
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
      steps: example.spec.steps.map((step: { name: string; inputs?: Record<string, unknown> }) =>
        scenario === 'failure' && step.name === FAILING_STEP
          ? { ...step, retries: 0, inputs: { ...step.inputs, simulate: { outcome: 'fail', exitCode: 2 } } }
          : step,
      ),
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
