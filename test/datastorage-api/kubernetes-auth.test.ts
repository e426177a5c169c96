// Authentication and authorization against a real kube-apiserver with RBAC and TokenReview (the stack's
// control plane, test/support/stack.ts kubeConfig()). Nothing is faked: ServiceAccounts get tokens from the
// TokenRequest API; the API checks them with TokenReview and SubjectAccessReview, itself running as a
// ServiceAccount that has only the shipped kubernaut-datastorage-api ClusterRole; readers are granted the
// shipped kubernaut-datastorage-reader rules.
//
//   reader (bound to the reader rules)            → 200 on every endpoint
//   records-only (actionrecords list, nothing else) → 200 on records, 403 on statistics and assessments
//   stranger (no binding)                         → 403
//   garbage, no token, a token for another audience → 401
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cachedReviewer } from '../../src/datastorage-api/auth/cached-reviewer';
import { kubernetesReviewer } from '../../src/datastorage-api/auth/kubernetes-reviewer';
import { kubeConfig, uniqueName } from '../support/stack';
import { startApi, type ApiUnderTest } from './support/api';
import { seed } from './support/seed';

const AUDIENCE = 'kubernaut-datastorage';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The rules of a ClusterRole shipped in deploy/rbac/datastorage-api.yaml. */
function shippedRules(name: string): PolicyRule[] {
  const file = path.join(__dirname, '../../deploy/rbac/datastorage-api.yaml');
  const role = parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] })
    .find((m) => m.kind === 'ClusterRole' && m.metadata.name === name);
  if (!role?.rules) throw new Error(`ClusterRole ${name} not in ${file}`);
  return role.rules;
}

let admin: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let rbac: k8s.RbacAuthorizationV1Api;
let namespace: string;
let api: ApiUnderTest;
const clusterObjects: string[] = [];
const tokens: Record<string, string> = {};
let since: string;

async function serviceAccountToken(name: string, audiences?: string[]): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    // No audiences: the API server's own (an empty list means its default).
    body: { spec: { expirationSeconds: 600, audiences: audiences ?? [] } },
  });
  return request.status!.token;
}

async function serviceAccountWithRules(name: string, rules: PolicyRule[] | undefined): Promise<void> {
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  if (!rules) return;
  const role = `${namespace}-${name}`;
  await rbac.createClusterRole({ body: { metadata: { name: role }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  clusterObjects.push(role);
}

/** A kubeconfig for the same API server, authenticated as a ServiceAccount token. */
function kubeConfigWithToken(token: string): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'datastorage-api', token }],
    contexts: [{ name: 'datastorage-api', cluster: cluster.name, user: 'datastorage-api' }],
    currentContext: 'datastorage-api',
  });
  return kc;
}

beforeAll(async () => {
  admin = kubeConfig();
  core = admin.makeApiClient(k8s.CoreV1Api);
  rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  namespace = uniqueName('datastorage-auth');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // The ServiceAccount controller creates no token Secrets: TokenRequest issues bound tokens.
  await serviceAccountWithRules('datastorage-api', shippedRules('kubernaut-datastorage-api'));
  await serviceAccountWithRules('reader', shippedRules('kubernaut-datastorage-reader'));
  await serviceAccountWithRules('records-only', [
    { apiGroups: ['kubernaut.ai'], resources: ['actionrecords'], verbs: ['list'] },
  ]);
  await serviceAccountWithRules('stranger', undefined);
  for (const name of ['reader', 'records-only', 'stranger']) tokens[name] = await serviceAccountToken(name);
  tokens.readerForAudience = await serviceAccountToken('reader', [AUDIENCE]);
  tokens.readerForAnotherAudience = await serviceAccountToken('reader', ['somebody-else']);

  const apiKubeConfig = kubeConfigWithToken(await serviceAccountToken('datastorage-api'));
  api = await startApi({
    reviewer: cachedReviewer(kubernetesReviewer({ kubeConfig: apiKubeConfig }), {
      allowedTtlMs: 30_000,
      deniedTtlMs: 0,
    }),
  });
  since = new Date((await seed(api.db, 4)).now - 10 * 86_400_000).toISOString();
});

afterAll(async () => {
  await api?.stop();
  for (const name of clusterObjects) {
    await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
    await rbac.deleteClusterRole({ name }).catch(() => undefined);
  }
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const ENDPOINTS = () => [
  { path: `/api/v1/action-records?since=${since}`, needs: 'actionrecords' },
  { path: '/api/v1/workflow-executions/uid-001/action-records', needs: 'actionrecords' },
  { path: '/api/v1/action-statistics?days=30', needs: 'actionstatistics' },
  { path: `/api/v1/effectiveness-assessments?since=${since}`, needs: 'effectivenessassessments' },
  { path: '/api/v1/remediations/prod/rr-1/effectiveness-assessment', needs: 'effectivenessassessments' },
];

it('lets a ServiceAccount bound to the shipped reader role read every endpoint (200)', async () => {
  for (const { path } of ENDPOINTS()) {
    const res = await api.get(path, { token: tokens.reader });
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
  }
  const records = await api.get(`/api/v1/action-records?since=${since}`, { token: tokens.reader });
  expect(records.body.records).toHaveLength(8);
});

it('decides per virtual resource: records-only may list records and nothing else (403)', async () => {
  for (const { path, needs } of ENDPOINTS()) {
    const res = await api.get(path, { token: tokens['records-only'] });
    expect({ path, status: res.status }).toEqual({ path, status: needs === 'actionrecords' ? 200 : 403 });
  }
});

it('refuses a ServiceAccount without a binding (403, naming the user and the virtual resource)', async () => {
  const res = await api.get('/api/v1/action-statistics', { token: tokens.stranger });
  expect(res.status).toBe(403);
  expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
  expect(res.body.detail).toContain(
    `system:serviceaccount:${namespace}:stranger may not get actionstatistics.kubernaut.ai`,
  );
});

it('refuses garbage, a missing token and a token whose review the API server rejects (401)', async () => {
  for (const token of ['garbage', 'eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl', null]) {
    const res = await api.get('/api/v1/action-statistics', { token });
    expect({ token, status: res.status, type: res.body.type }).toEqual({
      token,
      status: 401,
      type: '/problems/unauthenticated',
    });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="kubernaut-datastorage"/);
  }
});

it('accepts only tokens bound to its audience when one is configured', async () => {
  const audienceBound = await startApi({
    reviewer: kubernetesReviewer({
      kubeConfig: kubeConfigWithToken(await serviceAccountToken('datastorage-api')),
      audiences: [AUDIENCE],
    }),
  });
  try {
    expect((await audienceBound.get('/api/v1/action-statistics', { token: tokens.readerForAudience })).status).toBe(
      200,
    );
    expect(
      (await audienceBound.get('/api/v1/action-statistics', { token: tokens.readerForAnotherAudience })).status,
    ).toBe(401);
  } finally {
    await audienceBound.stop();
  }
});
