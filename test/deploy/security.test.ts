// What deploy/ and docker-compose.yml ship for "creating a WorkflowExecution must not grant more than its
// creator already has" (SECURITY.md), checked without a server: the worker's policy is on, the admission
// policy is installed for every namespace, and the rights it asks for are granted — exactly — to the
// orchestrator that creates WorkflowExecutions. test/security/ checks the same objects on a real API server.
import path from 'node:path';
import { ACTION_RUNNER_SERVICE_ACCOUNT, ANNOTATIONS, API_GROUP, WORKFLOW_EXECUTION } from '../../src/domain/names';
import { validateWorkflowExecution } from '../../src/domain/validation';
import { readExample } from '../support/examples';
import {
  shippedComposeEnvironment,
  shippedDeploymentEnvironment,
  shippedWorkerPolicy,
  workerPolicyOf,
} from '../support/shipped-worker-policy';
import { buildKustomization, type KubernetesManifest } from './support/kustomize';
import { grantsOf } from './support/rbac';
import { REPO_ROOT } from './support/source-program';

const manifests = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT).map((m) => m.manifest);
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const POLICY = 'kubernaut-workflowexecution-requester';
const REQUESTER_ROLE = 'kubernaut-workflowexecution-requester';

describe('the worker policy as shipped', () => {
  it.each([
    ['deploy/ (the worker Deployment)', shippedDeploymentEnvironment],
    ['docker-compose.yml (the worker service)', shippedComposeEnvironment],
  ])(
    'is on in %s: digests required, allowed registries listed, steps run as the runner account only',
    (_where, env) => {
      const policy = workerPolicyOf(env());
      expect(policy.requireDigest).toBe(true);
      expect(policy.allowedRegistries).toEqual(['ghcr.io/kubernaut/actions']);
      expect(policy.allowedServiceAccounts).toEqual([ACTION_RUNNER_SERVICE_ACCOUNT]);
    },
  );

  it('accepts the examples, which run as the runner account on pinned images', () => {
    for (const example of ['restart-pod.yaml', 'dag-remediation.yaml'])
      expect(validateWorkflowExecution(readExample(example), shippedWorkerPolicy())).toMatchObject({ ok: true });
  });
});

describe('the admission policy as shipped', () => {
  const policy = find('ValidatingAdmissionPolicy', POLICY) as
    | (KubernetesManifest & {
        spec: {
          failurePolicy: string;
          matchConstraints: { resourceRules: { apiGroups: string[]; operations: string[]; resources: string[] }[] };
          variables: { name: string; expression: string }[];
          validations: { expression: string; messageExpression?: string; reason?: string }[];
        };
      })
    | undefined;
  const binding = find('ValidatingAdmissionPolicyBinding', POLICY) as
    | (KubernetesManifest & { spec: { policyName: string; validationActions: string[]; matchResources?: unknown } })
    | undefined;

  it('checks every WorkflowExecution created or updated, and refuses when it cannot decide', () => {
    expect(policy?.spec.failurePolicy).toBe('Fail');
    expect(policy?.spec.matchConstraints.resourceRules).toEqual([
      expect.objectContaining({
        apiGroups: [API_GROUP],
        operations: ['CREATE', 'UPDATE'],
        resources: [WORKFLOW_EXECUTION.plural],
      }),
    ]);
  });

  it('is bound to deny in every namespace', () => {
    expect(binding?.spec).toEqual({ policyName: POLICY, validationActions: ['Deny'] });
  });

  it('asks the authorizer for "use" of the ServiceAccount or "create" of pods, and says which is missing', () => {
    const expressions = policy!.spec.variables.map((v) => v.expression.replace(/\s+/g, '')).join('\n');
    expect(expressions).toContain(
      "authorizer.group('').resource('serviceaccounts').namespace(request.namespace).name(variables.serviceAccount).check('use').allowed()",
    );
    expect(expressions).toContain("authorizer.group('').resource('pods').namespace(request.namespace).check('create')");
    const runAs = policy!.spec.validations[0];
    expect(runAs.reason).toBe('Forbidden');
    expect(runAs.messageExpression).toMatch(/missing permission verb "use"/);
  });

  it('guards the annotation the worker reads the requester from', () => {
    const text = JSON.stringify(policy!.spec);
    expect(text).toContain(`'${ANNOTATIONS.requestedBy}' in object.metadata.annotations`);
    expect(text).toContain(`'${ANNOTATIONS.requestedBy}' in oldObject.metadata.annotations`);
  });
});

describe('the rights the admission policy asks for', () => {
  const role = find('ClusterRole', REQUESTER_ROLE) as (KubernetesManifest & { rules: PolicyRule[] }) | undefined;

  it('are a ClusterRole granting "use" of exactly the accounts the shipped worker lets steps run as', () => {
    const use = role!.rules.filter((r) => r.verbs.includes('use'));
    expect(use).toEqual([
      {
        apiGroups: [''],
        resources: ['serviceaccounts'],
        resourceNames: shippedWorkerPolicy().allowedServiceAccounts,
        verbs: ['use'],
      },
    ]);
  });

  it('include creating WorkflowExecutions, and nothing on pods or anything else', () => {
    const others = role!.rules.filter((r) => !r.verbs.includes('use'));
    expect(others).toEqual([
      {
        apiGroups: [API_GROUP],
        resources: [WORKFLOW_EXECUTION.plural],
        verbs: ['create', 'delete', 'get', 'list', 'watch'],
      },
    ]);
  });

  it('are granted to the orchestrator that creates WorkflowExecutions', () => {
    const granted = grantsOf(manifests, { name: 'remediationorchestrator-controller', namespace: 'kubernaut-system' });
    expect(granted.permissions.map((p) => `${p.group || 'core'} ${p.resource} ${p.verb}`)).toEqual(
      expect.arrayContaining([`core serviceaccounts use`, `${API_GROUP} workflowexecutions create`]),
    );
  });

  it('name a runner account deploy/ ships, with no permissions of its own', () => {
    expect(find('ServiceAccount', ACTION_RUNNER_SERVICE_ACCOUNT)?.metadata.namespace).toBe('kubernaut-system');
    expect(
      grantsOf(manifests, { name: ACTION_RUNNER_SERVICE_ACCOUNT, namespace: 'kubernaut-system' }).permissions,
    ).toEqual([]);
  });

  it("are never held by the project's own processes, which must not create WorkflowExecutions", () => {
    for (const name of ['kubernaut-worker', 'kubernaut-watcher', 'kubernaut-datastorage-api']) {
      const granted = grantsOf(manifests, { name, namespace: 'kubernaut-system' }).permissions;
      expect(
        granted.filter((p) => p.verb === 'use' || (p.resource === 'workflowexecutions' && p.verb === 'create')),
      ).toEqual([]);
    }
  });
});
