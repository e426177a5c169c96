// The static analysis behind the RBAC coverage test, on small made-up programs: it must find every call
// (or say it cannot), and attribute a call to a process only when that process's code reaches it.
import path from 'node:path';
import { analyzeKubernetesApiUsage, permissionKey, resourceOfPath } from './support/kubernetes-api-usage';
import { createSourceProgram, REPO_ROOT } from './support/source-program';

// Inside the repository, so `@kubernetes/client-node` resolves to the real package.
const ROOT = path.join(REPO_ROOT, 'test', 'deploy', '__virtual__');

const RESOURCES = `
export const WIDGETS = { group: 'example.io', version: 'v1', plural: 'widgets' };
export const GADGETS = { group: 'example.io', version: 'v1', plural: 'gadgets' };
export const collectionPath = (r: { group: string; version: string; plural: string }, ns?: string) =>
  ns ? \`/apis/\${r.group}/\${r.version}/namespaces/\${ns}/\${r.plural}\` : \`/apis/\${r.group}/\${r.version}/\${r.plural}\`;
`;

function analyze(files: Record<string, string>) {
  const virtual = new Map(
    Object.entries({ 'resources.ts': RESOURCES, ...files }).map(([f, t]) => [path.join(ROOT, f), t]),
  );
  const entry = path.join(ROOT, 'main.ts');
  const usage = analyzeKubernetesApiUsage(createSourceProgram([entry], virtual), entry, (group, kind) =>
    group === 'example.io' && kind === 'Widget' ? 'widgets' : undefined,
  );
  return { permissions: [...new Set(usage.uses.map(permissionKey))].sort(), problems: usage.problems };
}

const IMPORTS = `
import * as k8s from '@kubernetes/client-node';
import { WIDGETS, GADGETS, collectionPath } from './resources';
declare const kc: k8s.KubeConfig;
const api = kc.makeApiClient(k8s.CustomObjectsApi);
`;

describe('analyzeKubernetesApiUsage', () => {
  it('maps CustomObjectsApi methods to verbs and subresources', () => {
    const { permissions, problems } = analyze({
      'main.ts': `${IMPORTS}
        const { group, version, plural } = WIDGETS;
        void api.createNamespacedCustomObject({ group, version, plural, namespace: 'n', body: {} });
        void api.patchNamespacedCustomObjectStatus({ ...WIDGETS, namespace: 'n', name: 'x', body: {} });
        void api.replaceClusterCustomObject({ group: WIDGETS.group, version: 'v1', plural: WIDGETS.plural, name: 'x', body: {} });
        void api.deleteCollectionNamespacedCustomObject({ ...GADGETS, namespace: 'n' });
        void api.getNamespacedCustomObjectScale({ ...GADGETS, namespace: 'n', name: 'x' });`,
    });
    expect(problems).toEqual([]);
    expect(permissions).toEqual([
      'example.io gadgets deletecollection',
      'example.io gadgets/scale get',
      'example.io widgets create',
      'example.io widgets update',
      'example.io widgets/status patch',
    ]);
  });

  it('follows a resource through a constructor option, a field and a destructuring, like an informer', () => {
    const { permissions, problems } = analyze({
      'informer.ts': `
        import * as k8s from '@kubernetes/client-node';
        import { collectionPath } from './resources';
        export interface Options { kubeConfig: k8s.KubeConfig; resource: { group: string; version: string; plural: string } }
        export class Informer {
          private readonly o: Options & { resyncMs: number };
          private readonly api: k8s.CustomObjectsApi;
          constructor(options: Options) {
            this.o = { resyncMs: 1000, ...options };
            this.api = options.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
          }
          async start() {
            const { group, version, plural } = this.o.resource;
            await this.api.listClusterCustomObject({ group, version, plural });
            await new k8s.Watch(this.o.kubeConfig).watch(collectionPath(this.o.resource), {}, () => {}, () => {});
          }
        }`,
      'main.ts': `${IMPORTS}
        import { Informer } from './informer';
        const make = (resource: typeof WIDGETS) => new Informer({ kubeConfig: kc, resource });
        const resources = [WIDGETS];
        if (process.env.X) resources.push(GADGETS);
        for (const r of resources) void make(r).start();`,
    });
    expect(problems).toEqual([]);
    expect(permissions).toEqual([
      'example.io gadgets list',
      'example.io gadgets watch',
      'example.io widgets list',
      'example.io widgets watch',
    ]);
  });

  it('counts only the methods a process reaches, not their siblings', () => {
    const { permissions } = analyze({
      'activities.ts': `
        import type * as k8s from '@kubernetes/client-node';
        import { WIDGETS } from './resources';
        export function createActivities(api: k8s.CustomObjectsApi) {
          return {
            async read() { return api.getNamespacedCustomObject({ ...WIDGETS, namespace: 'n', name: 'x' }); },
            async remove() { return api.deleteNamespacedCustomObject({ ...WIDGETS, namespace: 'n', name: 'x' }); },
          };
        }`,
      'main.ts': `${IMPORTS}
        import { createActivities } from './activities';
        void createActivities(api).read();`,
    });
    expect(permissions).toEqual(['example.io widgets get']);
  });

  it('counts every method of an object handed to a framework', () => {
    const { permissions } = analyze({
      'activities.ts': `
        import type * as k8s from '@kubernetes/client-node';
        import { WIDGETS } from './resources';
        export function createActivities(api: k8s.CustomObjectsApi) {
          return {
            async read() { return api.getNamespacedCustomObject({ ...WIDGETS, namespace: 'n', name: 'x' }); },
            async remove() { return api.deleteNamespacedCustomObject({ ...WIDGETS, namespace: 'n', name: 'x' }); },
          };
        }`,
      'main.ts': `${IMPORTS}
        import { createActivities } from './activities';
        declare function runWorker(options: { activities: object }): void;
        const activities = { ...createActivities(api) };
        runWorker({ activities });`,
    });
    expect(permissions).toEqual(['example.io widgets delete', 'example.io widgets get']);
  });

  it('ignores code the process does not load or call', () => {
    const { permissions } = analyze({
      'unused.ts': `${IMPORTS}
        export function never() { return api.deleteClusterCustomObject({ ...WIDGETS, name: 'x' }); }`,
      'main.ts': `${IMPORTS}
        import type { never } from './unused';
        export type Never = typeof never;
        function alsoNever() { return api.deleteClusterCustomObject({ ...GADGETS, name: 'x' }); }
        export const watched = collectionPath(WIDGETS);`,
    });
    expect(permissions).toEqual([]);
  });

  it('asks to update the owner’s finalizers when an owner reference blocks its deletion', () => {
    const { permissions, problems } = analyze({
      'main.ts': `${IMPORTS}
        const owner = { kind: 'Widget', apiVersion: \`\${WIDGETS.group}/v1\` };
        const body = { metadata: { ownerReferences: [{ ...owner, name: 'w', uid: 'u', blockOwnerDeletion: true }] } };
        void api.createNamespacedCustomObject({ ...GADGETS, namespace: 'n', body });`,
    });
    expect(problems).toEqual([]);
    expect(permissions).toEqual(['example.io gadgets create', 'example.io widgets/finalizers update']);
  });

  it('adds the watch verb to a list that asks for a watch', () => {
    const { permissions } = analyze({
      'main.ts': `${IMPORTS}
        void api.listNamespacedCustomObject({ ...WIDGETS, namespace: 'n', watch: true });`,
    });
    expect(permissions).toEqual(['example.io widgets list', 'example.io widgets watch']);
  });

  it('reports a resource it cannot evaluate instead of ignoring the call', () => {
    const { problems } = analyze({
      'main.ts': `${IMPORTS}
        export async function handler(plural: string) {
          await api.getNamespacedCustomObject({ group: 'example.io', version: 'v1', plural, namespace: 'n', name: 'x' });
        }
        declare function onEvent(f: (p: string) => Promise<void>): void;
        onEvent(handler);`,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /main\.ts:\d+: cannot follow `plural: string`: a parameter of a function no analysed code calls/,
    );
  });

  it('maps the token and access reviews a service makes for its callers', () => {
    const { permissions, problems } = analyze({
      'main.ts': `${IMPORTS}
        const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
        const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
        void authn.createTokenReview({ body: { spec: { token: 't' } } });
        void authz.createSubjectAccessReview({ body: { spec: { user: 'u' } } });`,
    });
    expect(problems).toEqual([]);
    expect(permissions).toEqual([
      'authentication.k8s.io tokenreviews create',
      'authorization.k8s.io subjectaccessreviews create',
    ]);
  });

  it('maps the Events a process reports through EventsV1Api, also when the client is injected', () => {
    const { permissions, problems } = analyze({
      'events.ts': `
        import * as k8s from '@kubernetes/client-node';
        export function recorder(deps: { events: k8s.EventsV1Api }) {
          return (body: k8s.EventsV1Event) => deps.events.createNamespacedEvent({ namespace: 'n', body });
        }`,
      'main.ts': `${IMPORTS}
        import { recorder } from './events';
        void recorder({ events: kc.makeApiClient(k8s.EventsV1Api) });`,
    });
    expect(problems).toEqual([]);
    expect(permissions).toEqual(['events.k8s.io events create']);
  });

  it('reports an EventsV1Api method it has no permission for', () => {
    const { problems } = analyze({
      'main.ts': `${IMPORTS}
        const events = kc.makeApiClient(k8s.EventsV1Api);
        void events.patchNamespacedEvent({ namespace: 'n', name: 'e', body: {} });`,
    });
    expect(problems.join('\n')).toMatch(/EventsV1Api\.patchNamespacedEvent is not mapped to a permission/);
  });

  it('reports a review API method it has no permission for', () => {
    const { problems } = analyze({
      'main.ts': `${IMPORTS}
        const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
        void authz.createSelfSubjectRulesReview({ body: { spec: {} } });`,
    });
    expect(problems.join('\n')).toMatch(
      /AuthorizationV1Api\.createSelfSubjectRulesReview is not mapped to a permission/,
    );
  });

  it('reports API clients it does not analyse', () => {
    const { problems } = analyze({
      'main.ts': `${IMPORTS}
        const core = kc.makeApiClient(k8s.CoreV1Api);
        void core.listNamespacedPod({ namespace: 'n' });`,
    });
    expect(problems.join('\n')).toMatch(/makeApiClient\(k8s\.CoreV1Api\): only CustomObjectsApi and .* are analysed/);
    expect(problems.join('\n')).toMatch(/CoreV1Api\.listNamespacedPod is not analysed/);
  });
});

describe('resourceOfPath', () => {
  it.each([
    ['/apis/tekton.dev/v1/pipelineruns', { group: 'tekton.dev', plural: 'pipelineruns' }],
    [
      '/apis/kubernaut.ai/v1alpha1/namespaces/ns/workflowexecutions',
      { group: 'kubernaut.ai', plural: 'workflowexecutions' },
    ],
    ['/api/v1/namespaces/ns/pods', { group: '', plural: 'pods' }],
  ])('reads the group and resource of %s', (p, expected) => {
    expect(resourceOfPath(p)).toEqual(expected);
  });

  it('rejects a path that names one object, not a collection', () => {
    expect(resourceOfPath('/apis/tekton.dev/v1/namespaces/ns/pipelineruns/x/status')).toBeUndefined();
  });
});
