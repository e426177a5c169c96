/**
 * The shipped RBAC, enforced: the local stack applies deploy/ to a real kube-apiserver with RBAC, and the
 * worker's and the watcher's ServiceAccounts may do there exactly what deploy/ grants them — every verb on
 * every resource they could plausibly touch is asked of the API server (SubjectAccessReview, the question
 * `kubectl auth can-i --as` asks) and must be allowed if and only if a rule of deploy/ grants it. The static
 * test (test/deploy/rbac-coverage.test.ts) ties those rules to the code; this one ties them to the cluster.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { grantsOf } from '../deploy/support/rbac';
import { buildKustomization } from '../deploy/support/kustomize';
import { REPO_ROOT } from '../deploy/support/source-program';
import { getStackInfo, kubeConfig } from '../support/stack';
import { kubectlPath } from '../support/kubectl';

const manifests = buildKustomization(path.join(REPO_ROOT, 'deploy'), REPO_ROOT).map((m) => m.manifest);
const authorization = kubeConfig().makeApiClient(k8s.AuthorizationV1Api);

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
/** Everything the two processes touch, and what a confused deputy would want. */
const RESOURCES: { group: string; resource: string }[] = [
  { group: 'kubernaut.ai', resource: 'workflowexecutions' },
  { group: 'kubernaut.ai', resource: 'workflowexecutions/status' },
  { group: 'kubernaut.ai', resource: 'workflowexecutions/finalizers' },
  { group: 'kubernaut.ai', resource: 'remediationrequests' },
  { group: 'kubernaut.ai', resource: 'remediationrequests/status' },
  { group: 'tekton.dev', resource: 'pipelineruns' },
  { group: 'tekton.dev', resource: 'taskruns' },
  { group: 'tekton.dev', resource: 'tasks' },
  { group: 'events.k8s.io', resource: 'events' },
  { group: '', resource: 'events' },
  { group: '', resource: 'pods' },
  { group: '', resource: 'secrets' },
  { group: '', resource: 'serviceaccounts' },
  { group: '', resource: 'configmaps' },
  { group: 'apps', resource: 'deployments' },
];
/** A namespace the processes serve but were never bound in, and their own. */
const NAMESPACES = ['tenant-a', 'kubernaut-system'];

async function allowed(user: string, group: string, resource: string, verb: string, namespace: string) {
  const [plural, subresource] = resource.split('/');
  const review = await authorization.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, resourceAttributes: { group, resource: plural, subresource, verb, namespace } },
    },
  });
  return review.status?.allowed === true;
}

describe.each(['kubernaut-worker', 'kubernaut-watcher'])('the %s ServiceAccount on the API server', (name) => {
  const user = `system:serviceaccount:kubernaut-system:${name}`;
  const { permissions, problems } = grantsOf(manifests, { name, namespace: 'kubernaut-system' });
  const granted = (group: string, resource: string, verb: string, namespace: string) =>
    permissions.some(
      (p) =>
        p.group === group &&
        p.resource === resource &&
        p.verb === verb &&
        (p.scope === 'cluster' || p.scope === namespace),
    );

  it('is granted something by deploy/, with no wildcard', () => {
    expect(problems).toEqual([]);
    expect(permissions.length).toBeGreaterThan(0);
  });

  it('may do exactly what deploy/ grants, in any namespace', async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const namespace of NAMESPACES)
      for (const { group, resource } of RESOURCES)
        for (const verb of VERBS) {
          const key = `${namespace} ${verb} ${resource}${group ? `.${group}` : ''}`;
          answers.push(`${key}: ${(await allowed(user, group, resource, verb, namespace)) ? 'yes' : 'no'}`);
          expected.push(`${key}: ${granted(group, resource, verb, namespace) ? 'yes' : 'no'}`);
        }
    expect(answers).toEqual(expected);
  });

  it('gets the same answers from kubectl auth can-i --as', async () => {
    const canI = async (...args: string[]) => {
      const kubeconfig = getStackInfo().kube.kubeconfigPath;
      try {
        const r = await promisify(execFile)(
          kubectlPath(),
          ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args, `--as=${user}`, '-n', 'tenant-a'],
          { timeout: 30_000 },
        );
        return r.stdout.trim();
      } catch (e) {
        return ((e as { stdout?: string }).stdout ?? String(e)).trim();
      }
    };
    expect(await canI('create', 'pipelineruns.tekton.dev')).toBe(
      granted('tekton.dev', 'pipelineruns', 'create', 'tenant-a') ? 'yes' : 'no',
    );
    expect(await canI('patch', 'workflowexecutions.kubernaut.ai', '--subresource=status')).toBe('yes');
    expect(await canI('create', 'pods')).toBe('no');
    expect(await canI('get', 'secrets')).toBe('no');
  });
});
