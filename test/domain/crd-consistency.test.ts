// The CRD (enforced by the API server) and the domain schema (enforced by the workflow and render)
// must agree, or a WFE accepted by one is rejected by the other.
import { parse } from 'yaml';
import { TIMEOUT_PATTERN } from '../../src/domain/duration';
import { DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_PATTERN } from '../../src/domain/kubernetes-names';
import { REMEDIATION_PHASES } from '../../src/domain/remediation-request';
import { TARGET_RESOURCE_PATTERN } from '../../src/domain/target-resource';
import {
  ACTION_TYPE_PATTERN,
  FAILURE_REASONS,
  LIMITS,
  STEP_PHASES,
  WORKFLOW_EXECUTION_PHASES,
} from '../../src/domain/workflow-execution';
import {
  WorkflowExecutionSpecSchema,
  WorkflowExecutionStatusSchema,
  WorkflowStepSchema,
} from '../../src/domain/workflow-execution-schema';
import { readRepoFile } from '../support/examples';

type Schema = { properties: Record<string, Schema>; items: Schema; [key: string]: unknown };

const crd = parse(readRepoFile('deploy', 'crds', 'workflowexecution.yaml'));
const version = crd.spec.versions[0];
const root: Schema = version.schema.openAPIV3Schema;
const spec = root.properties.spec;
const step = spec.properties.steps.items;
const status = root.properties.status;

describe('WorkflowExecution CRD', () => {
  it('is kubernaut.ai/v1alpha1 WorkflowExecution, short name wfe, with a status subresource', () => {
    expect(crd.metadata.name).toBe('workflowexecutions.kubernaut.ai');
    expect(crd.spec.names).toMatchObject({
      kind: 'WorkflowExecution',
      plural: 'workflowexecutions',
      shortNames: ['wfe'],
    });
    expect(version.name).toBe('v1alpha1');
    expect(version.subresources).toEqual({ status: {} });
  });

  it('declares exactly the spec fields of the domain schema', () => {
    expect(Object.keys(spec.properties).sort()).toEqual(Object.keys(WorkflowExecutionSpecSchema.shape).sort());
    expect(Object.keys(step.properties).sort()).toEqual(Object.keys(WorkflowStepSchema.shape).sort());
  });

  it('uses the domain patterns and bounds', () => {
    expect(step.properties.name.pattern).toBe(DNS1123_LABEL_PATTERN);
    expect(step.properties.name.maxLength).toBe(63);
    expect(step.properties.actionType.pattern).toBe(ACTION_TYPE_PATTERN);
    expect(step.properties.actionType.maxLength).toBe(LIMITS.maxActionTypeLength);
    expect(step.properties.image.maxLength).toBe(LIMITS.maxImageLength);
    expect(step.properties.retries.maximum).toBe(LIMITS.maxRetries);
    expect(step.properties.timeout.pattern).toBe(TIMEOUT_PATTERN);
    expect(spec.properties.timeout.pattern).toBe(TIMEOUT_PATTERN);
    expect(spec.properties.targetResource.pattern).toBe(TARGET_RESOURCE_PATTERN);
    expect(spec.properties.serviceAccountName.pattern).toBe(DNS1123_SUBDOMAIN_PATTERN);
    expect(spec.properties.remediationRequestRef.properties.name.pattern).toBe(DNS1123_SUBDOMAIN_PATTERN);
    expect(spec.properties.steps.minItems).toBe(1);
    expect(spec.properties.steps.maxItems).toBe(LIMITS.maxSteps);
  });

  it('makes the spec immutable', () => {
    expect(spec['x-kubernetes-validations']).toContainEqual(expect.objectContaining({ rule: 'self == oldSelf' }));
  });

  it('uses the domain enums in the status', () => {
    expect(status.properties.phase.enum).toEqual([...WORKFLOW_EXECUTION_PHASES]);
    expect(status.properties.steps.items.properties.phase.enum).toEqual([...STEP_PHASES]);
    expect(status.properties.failureDetails.properties.reason.enum).toEqual([...FAILURE_REASONS]);
    expect(status.properties.steps.items.properties.reason.enum).toEqual([...FAILURE_REASONS]);
  });

  it('declares every status field the workflow writes (the API server prunes undeclared ones)', () => {
    expect(Object.keys(status.properties).sort()).toEqual(Object.keys(WorkflowExecutionStatusSchema.shape).sort());
  });

  it('shows Phase, Target, Steps, Waiting (for the target), Queue (position), Reason and Age', () => {
    expect(
      version.additionalPrinterColumns.map((c: { name: string; jsonPath: string }) => [c.name, c.jsonPath]),
    ).toEqual([
      ['Phase', '.status.phase'],
      ['Target', '.spec.targetResource'],
      ['Steps', '.status.progress'],
      ['Waiting', '.status.targetLock.reason'],
      ['Queue', '.status.targetLock.position'],
      ['Reason', '.status.failureDetails.reason'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });
});

describe('RemediationRequest CRD', () => {
  const rr = parse(readRepoFile('deploy', 'crds', 'remediationrequest.yaml'));
  const rrVersion = rr.spec.versions[0];
  const rrRoot: Schema = rrVersion.schema.openAPIV3Schema;

  it('is kubernaut.ai/v1alpha1 RemediationRequest, short name rr, with a status subresource', () => {
    expect(rr.spec.names).toMatchObject({
      kind: 'RemediationRequest',
      plural: 'remediationrequests',
      shortNames: ['rr'],
    });
    expect(rrVersion.subresources).toEqual({ status: {} });
  });

  it('lists the overall phases of the domain and keeps the orchestrator’s other fields', () => {
    expect(rrRoot.properties.status.properties.overallPhase.enum).toEqual([...REMEDIATION_PHASES]);
    expect(rrRoot.properties.spec['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(rrRoot.properties.status['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });
});
